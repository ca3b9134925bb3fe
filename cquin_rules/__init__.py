"""cquin-rules: CQUIN schemes as text, checked, tested and exact to the penny."""
