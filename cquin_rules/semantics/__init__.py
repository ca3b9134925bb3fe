"""What a model means: pay-rule semantics, the compiled scheme, and the money rules."""
