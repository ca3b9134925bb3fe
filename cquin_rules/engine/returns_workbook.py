"""Measurements read from a data-return workbook (.xlsx), as `cquin returns` writes it.

The `Returns` sheet has a header row naming its columns (any order; the titles below,
case aside) and one row per indicator and period. A row whose value, numerator and
denominator are all empty is a return not yet made, exactly as a row left out of a CSV
file. Every other row is read by the same `MeasurementReader` as a CSV row, so a value
means the same in both; a problem is said of its cell (`Returns!D7`). Formulas are never
evaluated: a formula cell is reported as one (openpyxl reads it as its `=` text).
A percentage is a number formatted as a percentage (Excel turns `68.5` typed into such a
cell into 68.5%), or text such as `68.5%`; a bare number for a percent is refused, as in
CSV.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from ..base.diagnostics import Diagnostic
from ..base.limits import Limits, current
from ..base.span import Span
from ..base.workbooks import open_workbook, read_workbook, why_not_a_workbook
from ..syntax.model import Scheme
from .measurements import MeasurementReader, Measurements

RETURNS_SHEET = "Returns"

#: The columns a return is read from, by title; the others (indicator name, measure,
#: what pays) are there for the person filling it in.
READ_COLUMNS: dict[str, str] = {
    "goal": "Goal",
    "indicator": "Indicator",
    "period": "Period",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
}
NOTE_TITLE = "Note"

def read_returns(
    path: str | os.PathLike[str], scheme: Scheme, limits: Limits | None = None
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Measurements from a data-return workbook, or None with a diagnostic at each bad cell.
    OSError propagates."""
    name = os.fspath(path)
    chosen = current(limits)
    data, too_large = read_workbook(name, chosen)
    if data is None:
        return None, too_large
    try:
        book = open_workbook(data, read_only=True)
    except Exception as error:  # a corrupt zip raises many kinds
        return None, [Diagnostic(
            "E601", "the file is not an Excel workbook (.xlsx) that can be read: "
            f"{why_not_a_workbook(error)}", Span(1, 0, 1, 0),
            "save it from Excel as an Excel Workbook (.xlsx), or as CSV UTF-8", name)]
    try:
        return _read_book(book, name, scheme, chosen)
    finally:
        book.close()


def _read_book(book: Any, path: str, scheme: Scheme,
               limits: Limits) -> tuple[Measurements | None, list[Diagnostic]]:
    sheet = next((s for s in book.worksheets if s.title.strip().lower() == "returns"), None)
    sheet = sheet if sheet is not None else book.worksheets[0]
    reader = MeasurementReader(scheme, path, limits)
    rows = sheet.iter_rows()
    header: dict[str, int] | None = None
    note_column: int | None = None
    for cells in rows:
        titles = {str(c.value).strip().lower(): c.column for c in cells
                  if isinstance(c.value, str) and c.value.strip()}
        if "goal" in titles and "indicator" in titles:
            header = {key: titles[key] for key in READ_COLUMNS if key in titles}
            note_column = titles.get(NOTE_TITLE.lower())
            break
    if header is None:
        return None, [_at("E601", sheet.title, 1, 1, path,
                          f"no row of sheet {sheet.title} names the columns Goal and "
                          "Indicator", "write the return with `cquin returns`")]
    if "value" not in header and not {"numerator", "denominator"} <= header.keys():
        return None, [_at("E602", sheet.title, 1, 1, path,
                          "the header needs a Value column, or Numerator and Denominator "
                          "columns", None)]
    for cells in rows:
        by_column = {c.column: c for c in cells if hasattr(c, "column")}
        read = {key: _value(by_column.get(column)) for key, column in header.items()}
        if all(read.get(key) is None for key in ("value", "numerator", "denominator")):
            continue
        row = next(iter(by_column.values())).row
        if reader.too_many_rows(Span(row, 0, row, 0)):
            break
        before = len(reader.diagnostics)
        reader.row(_text(read.get("goal")), _text(read.get("indicator")),
                   _text(read.get("period")), read.get("value"), read.get("numerator"),
                   read.get("denominator"), Span(row, 0, row, 0),
                   note=_note(by_column.get(note_column) if note_column else None))
        for position in range(before, len(reader.diagnostics)):
            found = reader.diagnostics[position]
            column = header.get(_blamed(found, read), header["goal"])
            reader.diagnostics[position] = _at(found.code, sheet.title, row, column, path,
                                               found.message, found.hint)
    return reader.finish()


def _note(cell: Any) -> str | None:
    """The Note cell's text as one line (shown beside the value in reports), if any."""
    value = getattr(cell, "value", None)
    return " ".join(str(value).split()) or None if value is not None else None


def _blamed(found: Diagnostic, read: dict[str, object]) -> str:
    """The column a problem is said of: the goal or indicator it names wrongly, the period,
    else the value (or the numerator when there is no value)."""
    if found.code in ("E103", "E602", "E609"):
        goal_wrong = not read.get("goal") or found.message.startswith("unknown goal")
        return "goal" if goal_wrong else "indicator"
    if found.code == "E608":
        return "period" if read.get("period") is not None else "goal"
    return "value" if read.get("value") is not None else "numerator"


def _value(cell: Any) -> object:
    """A cell as the measurements reader takes it: text as written, a percent-formatted
    number as `68.5%`, a whole number as an int, another number exactly (its shortest
    decimal), or None when blank."""
    if cell is None or cell.value is None:
        return None
    value = cell.value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (cell.number_format or ""):
            return f"{(exact * 100).normalize():f}%"
        if exact == exact.to_integral_value():
            return int(exact)
        return f"{exact.normalize():f}"
    return str(value)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _at(code: str, sheet: str, row: int, column: int, path: str, message: str,
        hint: str | None) -> Diagnostic:
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return Diagnostic(code, message, Span(row, column, row, column + 1), hint, path,
                      f"{sheet}!{get_column_letter(column)}{row}")
