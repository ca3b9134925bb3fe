"""The foundation every layer stands on: source positions, diagnostics, limits, safe file writes."""
