"""The provider's data-return workbook: one row per indicator and period due, to fill in.

`cquin returns` writes it; `cquin eval` (and every command that reads measurements) reads
it back with `engine.returns_workbook`. The columns a return is read from (goal, indicator,
period, value, numerator, denominator) come first; the columns for reading (the
indicator's name, its measure, what pays) follow. Cells to fill in carry data validation:
a percentage between 0% and 100% (formatted as one, so `68.5` typed in is 68.5%), a whole
number of people or events, a number not below 0, or a list (achieved / not achieved)
for evidence. There are no formulas to break.

The scheme-wide shapes are said where a provider reads what pays: an indicator of a scheme
gate says that unless the gate is met no goal pays, and under `deemed achieved` every row
says it is paid in full whatever is entered (with the reason), so a return is optional,
not asked for. The rows stay, so a provider that reports anyway reads the same workbook.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import frozen

from ...base.workbooks import load_openpyxl, text_as_strings
from ...engine.returns_workbook import NOTE_TITLE, READ_COLUMNS, RETURNS_SHEET
from ...syntax.model import Indicator, Scheme, goal_indicators
from .rows import rule_words
from .template import PERCENT_FORMAT

#: Columns for reading, after the ones filled in.
READING_TITLES = ("Indicator name", "Measure", "What pays")
EVIDENCE_CHOICES = ("achieved", "not achieved")


@frozen
class Due:
    """One return due: an indicator in a period (`year` for a goal assessed on the year)."""

    goal: str
    path: tuple[str, ...]
    period: str
    indicator: Indicator
    scheme_gate: bool = False
    """Whether the indicator belongs to a scheme gate (`gate` on its goal)."""


def returns_due(scheme: Scheme) -> list[Due]:
    """Every return the scheme asks for, goal by goal in the rulebook's order.

    All periods are due for now; a cut-off date (`--as-of`) belongs here, as a filter.
    """
    return [Due(goal.code, path, period, indicator, goal.is_gate)
            for goal in scheme.goals
            for period, path, indicator in goal_indicators(goal)]


def what_pays(due: Due, deemed: str | None = None) -> str:
    """The "What pays" cell: the indicator's rule in words, then what the scheme-wide
    shapes make of it (a scheme gate; `deemed achieved` with its reason, `deemed`)."""
    indicator = due.indicator
    if indicator.is_gate and indicator.pay is None:
        words = "a gate: the goal pays only when this is met"
    else:
        words = "; ".join(rule_words(indicator.pay).split("\n"))
    if due.scheme_gate:
        words += f"; scheme gate {due.goal}: unless it is met, no goal pays"
    if deemed is not None:
        words += f"; deemed achieved, paid in full whatever is entered ({deemed})"
    return words


def returns_workbook(scheme: Scheme, rows: Iterable[Due] | None = None) -> Any:
    """The data-return workbook for `scheme` (`rows`: the returns due, by default every one).
    Pass the scheme as it is evaluated (`Rulebook.evaluated_scheme`), so that a framework's
    `deemed achieved` is said on every row."""
    openpyxl = load_openpyxl()  # first, and without numpy (see load_openpyxl)
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped]
        DataValidation,
    )

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = RETURNS_SHEET
    titles = [*READ_COLUMNS.values(), NOTE_TITLE, *READING_TITLES]
    widths = [10, 16, 8, 12, 12, 12, 30, 36, 10, 44]
    for number, (title, width) in enumerate(zip(titles, widths, strict=True), 1):
        cell = sheet.cell(row=1, column=number, value=title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "D2"
    column = {key: number for number, key in enumerate(READ_COLUMNS, 1)}
    percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                             allow_blank=True, error="a percentage from 0% to 100%",
                             errorTitle="Not a percentage", showErrorMessage=True)
    count = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                           allow_blank=True, error="a whole number of people or events",
                           errorTitle="Not a count", showErrorMessage=True)
    number_ok = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                               allow_blank=True, error="a number, 0 or more",
                               errorTitle="Not a number", showErrorMessage=True)
    evidence = DataValidation(type="list", formula1=f'"{",".join(EVIDENCE_CHOICES)}"',
                              allow_blank=True, error="achieved or not achieved",
                              errorTitle="Not evidence", showErrorMessage=True)
    grey = PatternFill("solid", fgColor="EEEEEE")
    wrap = Alignment(wrap_text=True, vertical="top")
    deemed = scheme.header.deemed_achieved.value if scheme.header.deemed_achieved else None
    for row, due in enumerate(rows if rows is not None else returns_due(scheme), 2):
        indicator = due.indicator
        measure = indicator.measure_kind
        values = (due.goal, ".".join(due.path), due.period, None, None, None, None,
                  indicator.title, measure, what_pays(due, deemed))
        for number, value in enumerate(values, 1):
            if value is not None:
                sheet.cell(row=row, column=number, value=value).alignment = wrap
        value_cell = sheet.cell(row=row, column=column["value"])
        if measure == "percent":
            value_cell.number_format = PERCENT_FORMAT
            percent.add(value_cell)
            for key in ("numerator", "denominator"):
                count.add(sheet.cell(row=row, column=column[key]))
        else:
            (evidence if measure == "evidence" else number_ok).add(value_cell)
            for key in ("numerator", "denominator"):
                sheet.cell(row=row, column=column[key]).fill = grey
        for number in (column["goal"], column["indicator"], column["period"],
                       *range(len(titles) - len(READING_TITLES) + 1, len(titles) + 1)):
            sheet.cell(row=row, column=number).fill = grey
    for validation in (percent, count, number_ok, evidence):
        if validation.sqref:
            sheet.add_data_validation(validation)
    text_as_strings(book)
    return book
