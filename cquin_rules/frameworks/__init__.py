"""Frameworks: a year's national rules, the built-in years, and a scheme's compliance with them."""
