"""Text to model and back: the parser and its tables, the typed model, printer and formatter."""
