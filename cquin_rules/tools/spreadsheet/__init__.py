"""The NHS CQUIN spreadsheet template, written from a rulebook and read back into one.

Schemes were agreed in a standard template: one row per indicator, with the goal's
columns (number, name, description, quality domain, weighting, expected financial value)
repeated on each of its rows. `export_workbook` writes that template with openpyxl:
money and percentages are real numbers with number formats (`£#,##0.00`, `0.0%`), never
text. Columns the national template lacks but a rulebook needs (national or local, the
indicator's weighting, measure, direction, minimum denominator, exclusions, lead,
negotiation status) follow the template's nineteen columns; a `Scheme` sheet holds the
header (with `deemed achieved` and its reason) and an `Examples` sheet the examples as
rulebook text.

What the columns cannot say (parts, gates, `combine` other than weighted, period blocks
with more than one indicator, indicator values in pounds, a scheme gate, a goal's own
commissioner) is carried, not lost: such a
goal's rows are still written for people to read, and its first row's last column,
"Rulebook text", holds the whole goal in the language's own words. Export reports each
such goal (W701), and anything that does not survive at all, such as comments (W702).

`import_workbook` reads the template back. It never evaluates formulas or runs macros
(a formula cell is E703, whatever value Excel cached). It builds rulebook text from the
cells, line by line, remembering the cell behind each line, then parses and checks it
with the real parser and checker, so every problem is reported at a sheet, row and
column. It refuses to guess: a bare number in a percent column, a pay rule it cannot
read, or a cell that contradicts a goal's rulebook text is an error. The rulebook is
written with `printer.print_scheme`.

The package is one module a job: `template` (columns, formats, cell values), `rows` (a goal
as the template's rows), `export` (writing the workbook), `cells` (reading one cell),
`pay_cells` (a pay rule from its cells), `importer` (the workbook back into text) and
`consistency` (cells that repeat the rulebook must agree with it); `returns` writes
the provider's data-return workbook.
"""

from __future__ import annotations

from .export import export_workbook, workbook_bytes
from .importer import import_workbook
from .returns import returns_due, returns_workbook
from .template import COLUMNS, MONEY_FORMAT, PERCENT_FORMAT, POSITION

__all__ = [
    "COLUMNS",
    "MONEY_FORMAT",
    "PERCENT_FORMAT",
    "POSITION",
    "export_workbook",
    "import_workbook",
    "returns_due",
    "returns_workbook",
    "workbook_bytes",
]
