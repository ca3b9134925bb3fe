"""The template's columns, the Scheme sheet's rows, and how a value is written in a cell."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from attrs import frozen

from ...syntax import printer

PERCENT_FORMAT = "0.0%"
MONEY_FORMAT = "£#,##0.00"
GOALS_SHEET = "Goals"
SCHEME_SHEET = "Scheme"
EXAMPLES_SHEET = "Examples"
#: The last totals row's label; every totals row's label starts "Total " (see is_total).
TOTAL_LABEL = "Total (CQUIN value)"
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

Kind = Literal["text", "percent", "money", "number", "integer", "quantity", "threshold"]


@frozen
class Column:
    key: str
    title: str
    goal_level: bool
    kind: Kind = "text"
    width: int = 18
    also: tuple[str, ...] = ()


#: The template's nineteen columns, then what a rulebook needs besides.
COLUMNS: tuple[Column, ...] = (
    Column("goal_number", "Goal number", True, width=10, also=("goal no", "goal ref", "goal")),
    Column("goal_name", "Goal name", True, width=30, also=("goal title",)),
    Column("goal_description", "Goal description", True, width=30),
    Column("domain", "Quality domain", True, width=16, also=("domain", "quality domains")),
    Column("goal_weighting", "Goal weighting (% of scheme)", True, "percent", 12,
           also=("goal weighting", "weighting")),
    Column("goal_value", "Expected financial value (£)", True, "money", 16,
           also=("expected financial value", "financial value")),
    Column("indicator_number", "Indicator number", False, width=12,
           also=("indicator no", "indicator ref")),
    Column("indicator_name", "Indicator name", False, width=30, also=("indicator title",)),
    Column("indicator_description", "Indicator description", False, width=30),
    Column("numerator", "Numerator", False, width=24),
    Column("denominator", "Denominator", False, width=24),
    Column("rationale", "Rationale", True, width=30, also=("rationale for inclusion",)),
    Column("source", "Data source", False, width=24, also=("source",)),
    Column("frequency", "Frequency of reporting", False, width=12,
           also=("reporting frequency", "frequency")),
    Column("baseline_period", "Baseline period", False, width=12),
    Column("baseline_value", "Baseline value", False, "quantity", 12, also=("baseline",)),
    Column("final_period", "Final indicator period", False, width=12,
           also=("final indicator period/date", "period")),
    Column("threshold", "Final indicator value (payment threshold)", False, "threshold", 16,
           also=("final indicator value", "payment threshold")),
    Column("rules", "Rules for partial achievement", False, width=40,
           also=("rules for partial achievement of indicator", "partial achievement")),
    Column("scope", "National or local", True, width=10, also=("scope",)),
    Column("commissioner", "Commissioner", True, width=24,
           also=("commissioner of this goal", "paying commissioner")),
    Column("indicator_weighting", "Indicator weighting (% of goal)", False, "percent", 12,
           also=("indicator weighting",)),
    Column("combination", "How indicators combine", True, width=14,
           also=("combination", "combine")),
    Column("gate", "Gate (pays nothing unless met)", False, width=10, also=("gate",)),
    Column("measure", "Measure", False, width=10),
    Column("direction", "Better when", False, width=10, also=("direction",)),
    Column("minimum_denominator", "Minimum denominator", False, "integer", 10),
    Column("exclusions", "Exclusions", False, width=24),
    Column("lead", "Lead", True, width=20),
    Column("status", "Negotiation status", True, width=10, also=("status",)),
    Column("rulebook_text", "Rulebook text (when the columns cannot say it)", True, width=60,
           also=("rulebook text",)),
)
BY_KEY = {column.key: column for column in COLUMNS}
POSITION = {column.key: number for number, column in enumerate(COLUMNS, 1)}

#: The `Scheme` sheet: one row per header statement (commissioner may repeat).
SCHEME_ROWS: tuple[tuple[str, str, Kind], ...] = (
    ("title", "Scheme", "text"),
    ("provider", "Provider", "text"),
    ("commissioner", "Commissioner", "text"),
    ("year", "Year", "text"),
    ("framework", "Framework", "text"),
    ("framework_file", "Framework file", "text"),
    ("contract", "Contract value (£)", "money"),
    ("outturn", "Outturn value (£)", "money"),
    ("cquin_share", "CQUIN value (% of contract)", "percent"),
    ("cquin_pounds", "CQUIN value (£)", "money"),
    ("national_share", "National value (% of contract)", "percent"),
    ("national_pounds", "National value (£)", "money"),
    ("on_account", "Payment on account (%)", "percent"),
    ("reconcile", "Reconcile at months", "text"),
    ("deemed", "Deemed achieved (reason)", "text"),
)


def _normal(title: object) -> str:
    """A column or row title compared loosely: case, brackets, spacing and symbols aside."""
    text = str(title).lower().replace("£", " pounds ").replace("%", " percent ")
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def is_total(label: object) -> bool:
    """Whether a goal number cell labels a totals row (`Total national`, `Total (CQUIN
    value)`): such rows are for reading and are not read back."""
    return isinstance(label, str) and _normal(label).startswith("total ")


HEADER_TITLES = {
    _normal(name): column.key for column in COLUMNS for name in (column.title, *column.also)
}
SCHEME_TITLES = {_normal(title): key for key, title, _ in SCHEME_ROWS} | {
    _normal("Scheme name"): "title", _normal("Title"): "title",
    _normal("Financial year"): "year", _normal("Contract value"): "contract",
}




@frozen
class Cell:
    """A value to write (or expected back): text, or an exact number of a kind."""

    value: str | Fraction | int | None
    kind: Kind = "text"

    @property
    def number_format(self) -> str | None:
        if self.kind == "percent":
            return PERCENT_FORMAT
        if self.kind == "money":
            return MONEY_FORMAT
        return None


def _exact_float(value: Fraction) -> float | None:
    """`value` as a float that reads back exactly (through its shortest repr), else None."""
    number = float(value)
    return number if Fraction(Decimal(repr(number))) == value else None


def _stored(cell: Cell) -> tuple[object, str | None]:
    """What openpyxl writes: a number with a format, or text when a float would lose it."""
    value = cell.value
    if isinstance(value, Fraction):
        exact = _exact_float(value)
        if exact is None:
            return _words(cell), None
        return (int(exact) if cell.kind == "number" and exact.is_integer() else exact,
                cell.number_format)
    return value, cell.number_format


def _words(cell: Cell) -> str:
    """A cell's value as the language writes it (`62.5%`, `£1,234.56`, `250`, text)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, Fraction):
        if cell.kind == "percent":
            return printer.percent(value)
        if cell.kind == "money":
            return printer.money(value)
        return printer.decimal(value)
    return str(value)
