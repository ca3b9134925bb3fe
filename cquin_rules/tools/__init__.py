"""What users do with a scheme: examples, explanations, schedules, forecasts, workbooks."""
