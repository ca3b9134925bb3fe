"""The checks of a scheme and of its pay rules: what `cquin check` reports."""
