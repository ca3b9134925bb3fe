"""A year's measurements (section 10): read from CSV or JSON, checked row by row.

Each row names a goal, an indicator (a path such as `part.indicator`), optionally a
period (`year` when the column is missing or the cell empty) and either a `value` or a
`numerator` and `denominator`. Every bad row is reported as a whole-line diagnostic of
the file, and when any row is bad nothing is returned: no money is ever computed from
a file with errors. Numbers are read exactly (JSON with `parse_float=Decimal`).

Codes (data errors; E103 is shared with the rulebook's examples):

- E103 unknown goal or indicator (with a did-you-mean hint)
- E601 the file cannot be read as measurements: not UTF-8, empty, no header row,
  JSON that is not a list of objects
- E602 a column (or JSON key) the format does not have, a required one missing or
  empty, or a row with more cells than the header
- E603 a value that cannot be read: a spreadsheet formula, a bare number for a percent
  (`0.68`: write `68%` or `136/200`), a count that is not a whole number, text that is
  not a value
- E604 a value of the wrong kind for the indicator's measure (`68%` for a number,
  `achieved` for a percent, `12` for evidence)
- E605 a negative number or count, or a percent above 100%
- E606 a numerator above its denominator, or a zero denominator
- E607 both a value and a numerator/denominator, or neither (or only one of the pair)
- E608 a period the goal has no block for, a missing period for a goal assessed by
  period, or a period name the language does not have
- E609 a duplicate row (same goal, indicator and period)

An unreadable file (OSError) propagates: the command line makes it exit 2.

The pieces, one job each, below this module (which names what the rest of the package reads
measurements by): `measured_values` reads one value for a measure, `measurement_reader`
holds the measurements and checks each row, `measurement_formats` reads CSV and JSON files.
"""

from .measured_values import BadInput, measured_value, whole_count
from .measurement_formats import (
    CSV_HINT,
    CsvProblem,
    csv_rows,
    is_workbook,
    parse_measurements,
    read_data_file,
)
from .measurement_reader import (
    Measurement,
    MeasurementKey,
    MeasurementReader,
    Measurements,
    Origin,
    did_you_mean,
    measurements_from_inputs,
    split_name,
)

__all__ = [
    "CSV_HINT",
    "BadInput",
    "CsvProblem",
    "Measurement",
    "MeasurementKey",
    "MeasurementReader",
    "Measurements",
    "Origin",
    "csv_rows",
    "did_you_mean",
    "is_workbook",
    "measured_value",
    "measurements_from_inputs",
    "parse_measurements",
    "read_data_file",
    "split_name",
    "whole_count",
]
