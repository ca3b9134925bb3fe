"""Evaluation: measurements in, exact money out, one scheme at a time or in columns."""
