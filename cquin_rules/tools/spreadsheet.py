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
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from attrs import field, frozen

from ..base.diagnostics import Diagnostic, has_errors
from ..base.span import Span
from ..semantics.compile import compile_scheme
from ..semantics.money import cquin_value_exact, national_value_exact, round_half_up
from ..syntax import printer
from ..syntax.model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    PERIOD_NAMES,
    REPORTING_FREQUENCIES,
    Achieved,
    DenominatorBelow,
    Fixed,
    Goal,
    Header,
    Indicator,
    LinearPay,
    PayRule,
    Quantity,
    Reported,
    Scheme,
    ShareOfContract,
    Threshold,
    ValueIs,
    goal_indicators,
)

PERCENT_FORMAT = "0.0%"
MONEY_FORMAT = "£#,##0.00"
GOALS_SHEET = "Goals"
SCHEME_SHEET = "Scheme"
EXAMPLES_SHEET = "Examples"
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
    Column("indicator_weighting", "Indicator weighting (% of goal)", False, "percent", 12,
           also=("indicator weighting",)),
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


HEADER_TITLES = {
    _normal(name): column.key for column in COLUMNS for name in (column.title, *column.also)
}
SCHEME_TITLES = {_normal(title): key for key, title, _ in SCHEME_ROWS} | {
    _normal("Scheme name"): "title", _normal("Title"): "title",
    _normal("Financial year"): "year", _normal("Contract value"): "contract",
}


# ---- cell values ----------------------------------------------------------------------


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


# ---- export ---------------------------------------------------------------------------


def _cannot_say(goal: Goal) -> list[str]:
    """Why the template's columns cannot hold `goal` (empty when they can)."""
    reasons: list[str] = []
    if goal.is_gate:
        reasons.append("a scheme gate")
    if goal.commissioner is not None:
        reasons.append("its own commissioner")
    if goal.combine is not None and goal.combine.mode != "weighted":
        reasons.append(f"`combine {goal.combine.mode}`")
    for period in goal.periods:
        if period.combine is not None and period.combine.mode != "weighted":
            reasons.append(f"`combine {period.combine.mode}` in period {period.name}")
        if len(period.items) != 1 or not isinstance(period.items[0], Indicator):
            reasons.append(f"period {period.name} holds more than one indicator")
        else:
            only = period.items[0]
            if only.value is not None or (only.weight is not None and only.weight.value != 1):
                reasons.append(f"a weight inside period {period.name}")
    for _, path, indicator in goal_indicators(goal):
        if len(path) > 1:
            reasons.append("parts")
        if indicator.is_gate:
            reasons.append(f"the gate {'.'.join(path)}")
        if indicator.value is not None:
            reasons.append(f"{'.'.join(path)} has a value in pounds")
    numbers = _goal_numbers(goal)
    if any(_exact_float(number) is None for number in numbers):
        reasons.append("a number with more digits than a spreadsheet keeps")
    return list(dict.fromkeys(reasons))


def _goal_numbers(goal: Goal) -> list[Fraction]:
    numbers = [x.value for x in (goal.weight, goal.value) if x is not None]
    for period in goal.periods:
        numbers.append(period.share.value)
    for _, _, indicator in goal_indicators(goal):
        numbers += [x.value for x in (indicator.weight,) if x is not None]
        if indicator.baseline is not None:
            numbers.append(indicator.baseline.value.value)
        threshold = full_pay_threshold(indicator.pay)
        if isinstance(threshold, Fixed):
            numbers.append(threshold.quantity.value)
    return numbers


def full_pay_threshold(rule: PayRule | None) -> Threshold | str | None:
    """Where the rule first pays in full: a threshold, `achieved`, `reported`, or None.

    This is what the template calls the final indicator value (payment threshold); a
    small-numbers row (`denominator < N`) is not it.
    """
    if rule is None:
        return None
    for row in rule.rows:
        payout, condition = row.payout, row.condition
        if isinstance(payout, LinearPay):
            return payout.end
        if payout.share != 1:
            continue
        if isinstance(condition, ValueIs):
            return condition.threshold
        if isinstance(condition, Achieved):
            return "not achieved" if condition.negated else "achieved"
        if isinstance(condition, Reported):
            return "reported"
        if isinstance(condition, DenominatorBelow):
            continue
        return None
    return None


def rule_words(rule: PayRule | None) -> str:
    """The pay rule in the language's own words: one line, or a table's rows one a line."""
    if rule is None:
        return ""
    lines = printer.pay_rule(rule)
    if len(lines) == 1:
        return lines[0].removeprefix("pay ")
    return "\n".join(" ".join(line.split()) for line in lines[1:-1])


def _threshold_cell(threshold: Threshold | str | None) -> Cell:
    if threshold is None:
        return Cell(None)
    if isinstance(threshold, str):
        return Cell(threshold)
    if isinstance(threshold, Fixed):
        quantity = threshold.quantity
        return Cell(quantity.value, "percent" if quantity.kind == "percent" else "number")
    return Cell(printer.threshold(threshold))


def _quantity_cell(quantity: Quantity | None) -> Cell:
    if quantity is None:
        return Cell(None)
    return Cell(quantity.value, "percent" if quantity.kind == "percent" else "number")


def goal_rows(goal: Goal, available: Fraction, *, carried: bool) -> list[dict[str, Cell]]:
    """The template rows for one goal: one per indicator, the goal's columns on each."""
    goal_cells: dict[str, Cell] = {
        "goal_number": Cell(goal.code),
        "goal_name": Cell(goal.title),
        "domain": Cell(", ".join(goal.domains.value) if goal.domains else None),
        "goal_weighting": Cell(goal.weight.value if goal.weight else None, "percent"),
        "goal_value": Cell(goal.value.value if goal.value else available, "money"),
        "rationale": Cell(goal.rationale),
        "scope": Cell(goal.scope_kind),
        "lead": Cell(goal.lead),
        "status": Cell(goal.status),
    }
    shares = {period.name: period.share.value for period in goal.periods}
    rows: list[dict[str, Cell]] = []
    listed: list[tuple[str, tuple[str, ...], Indicator | None]] = [*goal_indicators(goal)]
    for period, path, indicator in listed or [("year", (), None)]:
        row = dict(goal_cells)
        if indicator is not None:
            weight: Fraction | None = indicator.weight.value if indicator.weight else None
            if goal.periods and not carried:
                weight = shares[period]
            row |= {
                "indicator_number": Cell(".".join(path)),
                "indicator_name": Cell(indicator.title),
                "indicator_description": Cell(indicator.definition),
                "source": Cell(indicator.source),
                "frequency": Cell(indicator.reported),
                "baseline_value": _quantity_cell(
                    indicator.baseline.value if indicator.baseline else None),
                "final_period": Cell(period if goal.periods else None),
                "threshold": _threshold_cell(full_pay_threshold(indicator.pay)),
                "rules": Cell(rule_words(indicator.pay) or None),
                "indicator_weighting": Cell(weight, "percent"),
                "measure": Cell(indicator.measure.value if indicator.measure else None),
                "direction": Cell(indicator.direction.value if indicator.direction else None),
                "minimum_denominator": Cell(
                    indicator.minimum_denominator.value if indicator.minimum_denominator
                    else None, "integer"),
                "exclusions": Cell(indicator.exclusions),
            }
        rows.append(row)
    if carried:
        rows[0]["rulebook_text"] = Cell(goal_text(goal))
    return rows


def goal_text(goal: Goal) -> str:
    """One goal block as canonical rulebook text."""
    return printer.print_scheme(Scheme(Header("-"), (goal,))).split("\n\n", 1)[1].rstrip("\n")


def _example_texts(scheme: Scheme) -> list[str]:
    return [
        printer.print_scheme(Scheme(Header("-"), (), (example,))).split("\n\n", 1)[1].rstrip()
        for example in scheme.examples
    ]


def _scheme_cells(header: Header, cquin: Fraction, national: Fraction | None
                  ) -> list[tuple[str, Cell]]:
    rows: list[tuple[str, Cell]] = [("title", Cell(header.title))]
    if header.provider:
        rows.append(("provider", Cell(header.provider.value)))
    rows += [("commissioner", Cell(c.value)) for c in header.commissioners]
    if header.year:
        rows.append(("year", Cell(str(header.year.value))))
    if header.framework:
        key = "framework_file" if header.framework.is_path else "framework"
        rows.append((key, Cell(header.framework.name)))
    if header.contract_value:
        rows.append(("contract", Cell(header.contract_value.value, "money")))
    if header.outturn_value:
        rows.append(("outturn", Cell(header.outturn_value.value, "money")))
    for share_key, pounds_key, amount, exact in (
        ("cquin_share", "cquin_pounds", header.cquin_value, cquin),
        ("national_share", "national_pounds", header.national_value, national),
    ):
        if amount is None:
            continue
        if isinstance(amount.value, ShareOfContract):
            rows.append((share_key, Cell(amount.value.share, "percent")))
        if exact is not None:
            rows.append((pounds_key, Cell(exact, "money")))
    if header.payment_on_account:
        rows.append(("on_account", Cell(header.payment_on_account.value, "percent")))
    if header.reconcile_months:
        rows.append(("reconcile", Cell(", ".join(map(str, header.reconcile_months.value)))))
    if header.deemed_achieved:
        rows.append(("deemed", Cell(header.deemed_achieved.value)))
    return rows


def has_comments(source: str) -> bool:
    """Whether rulebook text holds a `#` comment outside strings."""
    for line in source.splitlines():
        quoted = False
        escaped = False
        for char in line:
            if quoted:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "#":
                return True
    return False


def export_workbook(scheme: Scheme, source: str | None = None) -> tuple[Any, list[Diagnostic]]:
    """The template workbook for `scheme`, and warnings for what the columns cannot hold.

    `source` is the rulebook's text, used only to notice comments (which are not carried).
    """
    import openpyxl  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    warnings: list[Diagnostic] = []
    compiled = compile_scheme(scheme)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = GOALS_SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, column in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=number, value=column.title)
        cell.font = bold
        cell.alignment = wrap
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "C2"
    row_number = 2
    for goal, money in zip(scheme.goals, (g.available for g in compiled.goals), strict=True):
        reasons = _cannot_say(goal)
        if reasons:
            warnings.append(Diagnostic(
                "W701",
                f"goal {goal.code} does not fit the template's columns ({', '.join(reasons)}); "
                f"it is carried whole, nothing lost, as rulebook text in the column "
                f"\"{BY_KEY['rulebook_text'].title}\"",
                goal.span,
                "the other columns of its rows are for reading; edit the rulebook text",
            ))
        for row in goal_rows(goal, money, carried=bool(reasons)):
            for key, value in row.items():
                stored, number_format = _stored(value)
                if stored is None or stored == "":
                    continue
                cell = sheet.cell(row=row_number, column=POSITION[key], value=stored)
                cell.alignment = wrap
                if number_format:
                    cell.number_format = number_format
            row_number += 1
    _write_scheme_sheet(book.create_sheet(SCHEME_SHEET), scheme, compiled.cquin_value,
                        compiled.national_value, bold)
    examples = _example_texts(scheme)
    if examples:
        sheet = book.create_sheet(EXAMPLES_SHEET)
        sheet.cell(row=1, column=1, value="Example (rulebook text)").font = bold
        sheet.column_dimensions["A"].width = 80
        for number, text in enumerate(examples, 2):
            sheet.cell(row=number, column=1, value=text).alignment = wrap
    if source is not None and has_comments(source):
        warnings.append(Diagnostic(
            "W702", "comments in the rulebook are not carried into the spreadsheet",
            scheme.header.span, "keep the rulebook as the master copy, or copy comments by hand",
        ))
    return book, warnings


def _write_scheme_sheet(sheet: Any, scheme: Scheme, cquin: Fraction,
                        national: Fraction | None, bold: Any) -> None:
    titles = {key: title for key, title, _ in SCHEME_ROWS}
    sheet.cell(row=1, column=1, value="Item").font = bold
    sheet.cell(row=1, column=2, value="Value").font = bold
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 60
    header = scheme.header
    given_national = national if header.national_value is not None else None
    for number, (key, value) in enumerate(_scheme_cells(header, cquin, given_national), 2):
        sheet.cell(row=number, column=1, value=titles[key])
        stored, number_format = _stored(value)
        cell = sheet.cell(row=number, column=2, value=stored)
        if number_format:
            cell.number_format = number_format


#: The time written into a workbook's properties and zip entries, so that the same
#: rulebook always exports to the same bytes (openpyxl would write the current time).
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def workbook_bytes(book: Any) -> bytes:
    """The .xlsx file's bytes, identical for identical workbooks."""
    import datetime
    import zipfile

    from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]

    stream = io.BytesIO()
    book.save(stream)
    fixed = datetime.datetime(*_FIXED_TIME)
    book.properties.created = fixed
    book.properties.modified = fixed
    repacked = io.BytesIO()
    with zipfile.ZipFile(stream) as source, zipfile.ZipFile(
        repacked, "w", zipfile.ZIP_DEFLATED
    ) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = tostring(book.properties.to_tree())
            target.writestr(info, data)
    return repacked.getvalue()


# ---- import ---------------------------------------------------------------------------


@frozen
class Origin:
    """The cell a line of the built rulebook text came from."""

    sheet: str
    row: int
    column: int
    title: str
    line_in_cell: int | None = None

    @property
    def reference(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"


class ImportError_(Exception):
    """Raised inside the importer when a cell cannot be read; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@frozen
class _Read:
    """A cell as read: its value and number format, where it is."""

    value: object
    number_format: str
    origin: Origin

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        """The value as one line of text (line breaks become spaces)."""
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return " ".join(str(self.value).split())


class _Warnings(list[Diagnostic]):
    """Warnings found while reading, each said of the workbook at `path`."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def append(self, diagnostic: Diagnostic) -> None:
        super().append(diagnostic.at(self.path))


class _Builder:
    """Rulebook text built line by line, each line remembering its cell."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        self.origins: list[Origin] = []
        self.diagnostics: list[Diagnostic] = []
        self.scheme_cells: dict[str, _Read] = {}

    def add(self, text: str, origin: Origin) -> None:
        for number, line in enumerate(text.split("\n"), 1):
            self.lines.append(line)
            inner = origin.line_in_cell
            self.origins.append(Origin(origin.sheet, origin.row, origin.column, origin.title,
                                       None if inner is None else inner + number - 1))

    def problem(self, code: str, origin: Origin, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(_at(code, origin, message, hint, self.path))

    def origin_of(self, line: int) -> Origin | None:
        return self.origins[line - 1] if 1 <= line <= len(self.origins) else None


def _at(code: str, origin: Origin, message: str, hint: str | None, path: str) -> Diagnostic:
    where = f"{origin.reference} ({origin.title})"
    if origin.line_in_cell is not None:
        where += f", line {origin.line_in_cell} of the cell"
    return Diagnostic(code, f"{where}: {message}",
                      Span(origin.row, origin.column, origin.row, origin.column + 1), hint, path)


def _fraction(number: float | int) -> Fraction:
    return Fraction(Decimal(repr(number))) if isinstance(number, float) else Fraction(number)


def _decimal_text(text: str) -> Fraction | None:
    try:
        return Fraction(Decimal(text.replace(",", "").replace("_", "")))
    except (InvalidOperation, ValueError):
        return None


def _percent(cell: _Read) -> Fraction:
    """A percentage cell: a number formatted as a percentage, or text such as `20%`."""
    value = cell.value
    if isinstance(value, bool):
        raise _bad(cell, "is yes/no, not a percentage")
    if isinstance(value, int | float):
        if "%" in cell.number_format:
            return _fraction(value)
        raise _bad(cell, f"holds the bare number {cell.text}, which could mean "
                   f"{cell.text}% or {_plain(_fraction(value) * 100)}%",
                   "format the cell as a percentage, or type it with a % sign (`20%`)")
    text = cell.text
    if text.endswith("%"):
        number = _decimal_text(text[:-1].strip())
        if number is not None:
            return number / 100
    raise _bad(cell, f"`{text}` is not a percentage", "type it as `20%`")


def _plain(value: Fraction) -> str:
    try:
        return printer.decimal(abs(value))
    except ValueError:
        return str(float(value))


def _money(cell: _Read) -> Fraction:
    """Money: a number (any format), or text such as `£600,000` or `£1.5m`."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = _fraction(value)
    else:
        text = cell.text.replace(" ", "")
        scale = 1
        if text[-1:].lower() in ("k", "m"):
            scale = 1000 if text[-1].lower() == "k" else 1_000_000
            text = text[:-1]
        number = _decimal_text(text.removeprefix("£"))
        if number is None:
            raise _bad(cell, f"`{cell.text}` is not an amount of money", "type it as £600,000.00")
        amount = number * scale
    if amount < 0 or (amount * 100).denominator != 1:
        raise _bad(cell, f"{cell.text} is not a whole number of pence",
                   "money is written to the penny")
    return amount


def _bad(cell: _Read, message: str, hint: str | None = None) -> ImportError_:
    return ImportError_(_at("E704", cell.origin, message, hint, ""))


def _quantity(cell: _Read) -> Quantity:
    """A baseline or threshold number: a percentage when formatted or typed as one."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        kind: Literal["percent", "number"] = "percent" if "%" in cell.number_format else "number"
        number = _fraction(value)
    else:
        text = cell.text
        kind = "percent" if text.endswith("%") else "number"
        parsed = _decimal_text(text.removesuffix("%").strip())
        if parsed is None:
            raise _bad(cell, f"`{text}` is not a number")
        number = parsed / 100 if kind == "percent" else parsed
    if number < 0:
        raise _bad(cell, f"{cell.text} is negative")
    return Quantity(number, kind)


def _word(cell: _Read, allowed: Iterable[str], synonyms: dict[str, str] | None = None) -> str:
    word = cell.text.lower().removesuffix(" is better")
    word = (synonyms or {}).get(word, word)
    allowed = tuple(allowed)
    if word not in allowed:
        raise _bad(cell, f"`{cell.text}` is not one of {', '.join(allowed)}")
    return word


def _identifier(cell: _Read, prefix: str, warnings: list[Diagnostic]) -> str:
    """A goal or indicator code; a template number such as `1` or `2a` becomes `G1`, `G2a`."""
    text = cell.text
    if IDENTIFIER.match(text):
        return text
    made = prefix + re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not text or not IDENTIFIER.match(made):
        raise _bad(cell, f"`{text}` cannot be made a code", "use letters, digits and _")
    warnings.append(_at("W703", cell.origin,
                        f"`{text}` is not a code the language allows; it becomes `{made}`",
                        "measurements and examples must use the new code", ""))
    return made


def _load(path: str) -> Any:
    import openpyxl

    return openpyxl.load_workbook(path, data_only=False, read_only=False, keep_vba=False)


def _sheet(book: Any, name: str) -> Any | None:
    for sheet in book.worksheets:
        if sheet.title.strip().lower() == name.lower():
            return sheet
    return None


def _formulas(book: Any, sheets: Sequence[Any], path: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    cell.value is not None and not isinstance(cell.value, str | int | float)
                    and type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula")
                ):
                    origin = Origin(sheet.title, cell.row, cell.column, "formula")
                    found.append(_at(
                        "E703", origin,
                        "holds a formula; cquin never evaluates formulas",
                        "replace the formula by its value (copy, then paste values only)", path))
    return found


def import_workbook(
    path: str, *, base_dir: Path | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """Rulebook text read from the template at `path`, and every problem found.

    The text is None when there are errors. `base_dir` is the folder the rulebook will be
    written to: a `framework "PATH"` is read against it and the scheme checked against the
    framework, as `cquin check` will. OSError propagates (the file could not be read); a
    file that is not a workbook raises ValueError.
    """
    from ..base.limits import workbook_problem
    from ..check.scheme import check
    from ..frameworks.step import check_against_framework
    from ..syntax.parser import parse

    too_large = workbook_problem(path)
    if too_large is not None:
        return None, [too_large]
    try:
        book = _load(path)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as error:  # a corrupt zip can raise OSError(EINVAL) from a seek
        raise ValueError(f"{path} is not an Excel workbook (.xlsx): {error}") from None
    builder = _Builder(path)
    goals = _sheet(book, GOALS_SHEET) or _find_template(book)
    scheme_sheet = _sheet(book, SCHEME_SHEET)
    examples = _sheet(book, EXAMPLES_SHEET)
    whole = Origin(GOALS_SHEET, 1, 1, "workbook")
    if goals is None:
        builder.problem("E702", whole, "no sheet holds the template (a row titled "
                        "\"Goal number\", \"Goal name\", \"Quality domain\", …)")
    if scheme_sheet is None:
        builder.problem("E702", Origin(SCHEME_SHEET, 1, 1, "sheet"),
                        "the workbook has no Scheme sheet (the scheme's name and money)",
                        "add a sheet named Scheme with rows such as `Scheme`, `CQUIN value (£)`")
    sheets = [s for s in (goals, scheme_sheet, examples) if s is not None]
    builder.diagnostics += _formulas(book, sheets, path)
    if has_errors(builder.diagnostics):
        return None, builder.diagnostics
    warnings = _Warnings(path)
    carried: dict[str, list[_Row]] = {}
    indicator_rows: list[tuple[str, str, tuple[str, ...], _Row]] = []
    try:
        _read_scheme(scheme_sheet, builder)
    except ImportError_ as error:
        builder.diagnostics.append(error.diagnostic.at(path))
    try:
        carried, indicator_rows = _read_goals(goals, builder, warnings)
    except ImportError_ as error:
        builder.diagnostics.append(error.diagnostic.at(path))
    if examples is not None:
        _read_examples(examples, builder)
    if has_errors(builder.diagnostics):
        return None, builder.diagnostics + warnings
    text = "\n".join(builder.lines) + "\n"
    scheme, parsed = parse(text, path)
    found = [_relocate(d, builder) for d in parsed]
    if scheme is None or has_errors(found):
        return None, found + warnings
    found += _consistency(scheme, carried, indicator_rows, builder)
    found += [_relocate(d.at(path), builder) for d in check(scheme)]
    if base_dir is not None:
        framework_found = check_against_framework(scheme, base_dir=base_dir, path=path)[1]
        found += [_relocate(d, builder) if d.path == path else d for d in framework_found]
    if has_errors(found):
        return None, found + warnings
    canonical = printer.print_scheme(scheme)
    name = Path(path).name
    return f"# Imported from {name} by `cquin import-xlsx`.\n{canonical}", found + warnings


def _relocate(diagnostic: Diagnostic, builder: _Builder) -> Diagnostic:
    """A diagnostic about the built text, said of the cell its line came from."""
    origin = builder.origin_of(diagnostic.span.line)
    if origin is None:
        return diagnostic.at(builder.path)
    located = _at(diagnostic.code, origin, diagnostic.message, diagnostic.hint, builder.path)
    return located


def _find_template(book: Any) -> Any | None:
    for sheet in book.worksheets:
        if _header_row(sheet) is not None:
            return sheet
    return None


def _header_row(sheet: Any) -> tuple[int, dict[int, str]] | None:
    """The row (among the first ten) that titles the template's columns, and its columns."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 10)):
        keys = {cell.column: HEADER_TITLES[_normal(cell.value)]
                for cell in row
                if isinstance(cell.value, str) and _normal(cell.value) in HEADER_TITLES}
        if "goal_number" in keys.values() and "goal_name" in keys.values():
            return row[0].row, keys
    return None


def _read_scheme(sheet: Any, builder: _Builder) -> None:
    titles = {key: title for key, title, _ in SCHEME_ROWS}
    values: dict[str, list[_Read]] = {}
    for row in sheet.iter_rows(min_row=1):
        label = row[0].value if row else None
        value = row[1] if len(row) > 1 else None
        if label is None or _normal(label) in ("item", ""):
            continue
        key = SCHEME_TITLES.get(_normal(label))
        origin = Origin(sheet.title, row[0].row, 2, str(label))
        if key is None:
            raise ImportError_(_at("E704", Origin(sheet.title, row[0].row, 1, "Item"),
                                   f"`{label}` is not a scheme item",
                                   "the items are " + ", ".join(titles.values()), ""))
        read = _Read(value.value if value is not None else None,
                     value.number_format if value is not None else "General", origin)
        if read.blank:
            continue
        if key in values and key != "commissioner":
            raise ImportError_(_at("E104", origin, f"`{label}` is given twice", None, ""))
        values.setdefault(key, []).append(read)

    def one(key: str) -> _Read | None:
        return values.get(key, [None])[0]

    title = one("title")
    if title is None:
        raise ImportError_(_at("E705", Origin(sheet.title, 1, 2, "Scheme"),
                               "the Scheme sheet has no `Scheme` row (the scheme's name)",
                               None, ""))
    builder.add(f"scheme {printer.string(title.text)} {{", title.origin)
    for key in ("provider", "commissioner"):
        for read in values.get(key, []):
            builder.add(f"  {key} {printer.string(read.text)}", read.origin)
    if (year := one("year")) is not None:
        if not re.fullmatch(r"\d{4}/\d{2}", year.text):
            raise _bad(year, f"`{year.text}` is not a financial year", "write it as 2018/19")
        builder.add(f"  year {year.text}", year.origin)
    if (framework := one("framework")) is not None:
        if not IDENTIFIER.match(framework.text):
            raise _bad(framework, f"`{framework.text}` is not a framework's name",
                       "a file goes in the `Framework file` row")
        builder.add(f"  framework {framework.text}", framework.origin)
    if (framework_file := one("framework_file")) is not None:
        builder.add(f"  framework {printer.string(framework_file.text)}", framework_file.origin)
    for key, words in (("contract", "contract value"), ("outturn", "outturn value")):
        if (amount := one(key)) is not None:
            builder.add(f"  {words} {printer.money(_money(amount))}", amount.origin)
    for words, share_key, pounds_key in (("cquin value", "cquin_share", "cquin_pounds"),
                                         ("national value", "national_share", "national_pounds")):
        share, pounds = one(share_key), one(pounds_key)
        if share is not None:
            builder.add(f"  {words} {printer.percent(_percent(share))} of contract", share.origin)
        elif pounds is not None:
            builder.add(f"  {words} {printer.money(_money(pounds))}", pounds.origin)
    if (on_account := one("on_account")) is not None:
        builder.add(f"  payment on account {printer.percent(_percent(on_account))}",
                    on_account.origin)
    if (reconcile := one("reconcile")) is not None:
        months = [m.strip() for m in reconcile.text.replace(";", ",").split(",")]
        if not all(m.isdigit() for m in months):
            raise _bad(reconcile, f"`{reconcile.text}` is not a list of months", "write 6, 9, 12")
        builder.add(f"  reconcile at months {', '.join(months)}", reconcile.origin)
    if (deemed := one("deemed")) is not None:
        builder.add(f"  deemed achieved {printer.string(deemed.text)}", deemed.origin)
    builder.add("}", title.origin)
    builder.scheme_cells = {key: reads[0] for key, reads in values.items()}


@frozen
class _Row:
    number: int
    cells: dict[str, _Read] = field(factory=dict)

    def get(self, key: str) -> _Read | None:
        cell = self.cells.get(key)
        return None if cell is None or cell.blank else cell


def _rows(sheet: Any) -> list[_Row]:
    found = _header_row(sheet)
    if found is None:
        raise ImportError_(_at("E702", Origin(sheet.title, 1, 1, "header"),
                               "no row titles the template's columns (\"Goal number\", "
                               "\"Goal name\", …) in the first ten rows", None, ""))
    header, columns = found
    rows: list[_Row] = []
    for cells in sheet.iter_rows(min_row=header + 1):
        read = {
            columns[cell.column]: _Read(
                cell.value, cell.number_format or "General",
                Origin(sheet.title, cell.row, cell.column, BY_KEY[columns[cell.column]].title))
            for cell in cells if cell.column in columns
        }
        row = _Row(cells[0].row if cells else 0, read)
        if any(not r.blank for r in read.values()):
            rows.append(row)
    return rows


def _read_goals(sheet: Any, builder: _Builder, warnings: list[Diagnostic]
                ) -> tuple[dict[str, list[_Row]], list[tuple[str, str, tuple[str, ...], _Row]]]:
    """Every goal's text from the template rows; returns the carried goals' rows and, for
    each indicator built from columns, (goal, period, path, row)."""
    rows = _rows(sheet)
    groups: list[tuple[str, list[_Row]]] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = row.get("goal_number")
        if number is None:
            if not groups:
                raise _bad(next(iter(row.cells.values())),
                           "this row comes before any goal number")
            groups[-1][1].append(row)
            continue
        code = number.text
        if groups and groups[-1][0] == code:
            groups[-1][1].append(row)
            continue
        if code in seen:
            raise ImportError_(_at("E101", number.origin,
                                   f"goal {code} appears again, apart from its rows at row "
                                   f"{seen[code]}", "keep a goal's rows together", ""))
        seen[code] = row.number
        groups.append((code, [row]))
    carried: dict[str, list[_Row]] = {}
    indicators: list[tuple[str, str, tuple[str, ...], _Row]] = []
    for _, group in groups:
        try:
            _goal(group, builder, warnings, carried, indicators)
        except ImportError_ as error:
            builder.diagnostics.append(error.diagnostic.at(builder.path))
    return carried, indicators


def _goal_cell(rows: list[_Row], key: str) -> _Read | None:
    """A goal-level cell: the first given; any other row giving another value is an error."""
    first: _Read | None = None
    for row in rows:
        cell = row.get(key)
        if cell is None:
            continue
        if first is None:
            first = cell
        elif (cell.value, cell.number_format) != (first.value, first.number_format) and \
                cell.text != first.text:
            raise ImportError_(_at("E706", cell.origin,
                                   f"says `{cell.text}` but {first.origin.reference} says "
                                   f"`{first.text}` for the same goal",
                                   "a goal's columns must agree on every row of the goal", ""))
    return first


def _goal(rows: list[_Row], builder: _Builder, warnings: list[Diagnostic],
          carried: dict[str, list[_Row]],
          indicators: list[tuple[str, str, tuple[str, ...], _Row]]) -> str:
    number = _goal_cell(rows, "goal_number")
    assert number is not None
    code = _identifier(number, "G", warnings)
    text_cell = _goal_cell(rows, "rulebook_text")
    if text_cell is not None:
        _carried_goal(code, text_cell, builder)
        carried[code] = rows
        return code
    name = _goal_cell(rows, "goal_name")
    if name is None:
        raise ImportError_(_at("E705", _origin(rows[0], "goal_name"),
                               f"goal {number.text} has no name", None, ""))
    builder.add(f"goal {code} {printer.string(name.text)} {{", number.origin)
    if (scope := _goal_cell(rows, "scope")) is not None:
        builder.add("  " + _word(scope, ("national", "local")), scope.origin)
    domain = _goal_cell(rows, "domain")
    if domain is None:
        raise ImportError_(_at("E705", _origin(rows[0], "domain"),
                               f"goal {number.text} has no quality domain",
                               "one or more of " + ", ".join(DOMAINS), ""))
    words = [w.strip().lower() for w in re.split(r"[,;/]|\band\b", domain.text) if w.strip()]
    synonyms = {"patient safety": "safety", "clinical effectiveness": "effectiveness",
                "patient experience": "experience", "user experience": "experience"}
    words = [synonyms.get(w, w) for w in words]
    if not words or any(w not in DOMAINS for w in words):
        raise _bad(domain, f"`{domain.text}` is not a list of quality domains",
                   "use " + ", ".join(DOMAINS))
    builder.add("  domain " + ", ".join(dict.fromkeys(words)), domain.origin)
    weighting = _goal_cell(rows, "goal_weighting")
    value = _goal_cell(rows, "goal_value")
    if weighting is not None:
        builder.add(f"  weight {printer.percent(_percent(weighting))}", weighting.origin)
        if value is not None:
            _money(value)
    elif value is not None:
        builder.add(f"  value {printer.money(_money(value))}", value.origin)
    if (lead := _goal_cell(rows, "lead")) is not None:
        builder.add(f"  lead {printer.string(lead.text)}", lead.origin)
    rationale = _goal_cell(rows, "rationale")
    description = _goal_cell(rows, "goal_description")
    said = [c for c in (description, rationale) if c is not None]
    if said:
        builder.add("  rationale " + printer.string(" — ".join(c.text for c in said)),
                    said[-1].origin)
    if (status := _goal_cell(rows, "status")) is not None:
        builder.add("  status " + _word(status, NEGOTIATION_STATUSES), status.origin)
    periods = [row.get("final_period") for row in rows]
    with_period = [p for p in periods if p is not None]
    if with_period and len(with_period) != len(rows):
        row = rows[periods.index(None)]
        raise ImportError_(_at("E707", _origin(row, "final_period"),
                               f"goal {code} gives a final indicator period on some rows but "
                               "not on this one", "give every row of the goal its period, "
                               "or none", ""))
    names: set[tuple[str, str]] = set()
    for position, row in enumerate(rows, 1):
        if not _has_indicator(row):
            continue
        period = row.get("final_period")
        period_name = "year"
        if period is not None:
            period_name = _period_name(period)
            if any(p == period_name for p, _ in names):
                raise ImportError_(_at(
                    "E707", period.origin,
                    f"goal {code} has a second indicator in period {period_name}",
                    "the columns say one indicator a period; for more, write the goal as "
                    "rulebook text in the last column", ""))
            share = row.get("indicator_weighting")
            if share is None:
                raise ImportError_(_at("E705", _origin(row, "indicator_weighting"),
                                       f"period {period_name} of goal {code} has no share",
                                       "give the period's share of the goal here", ""))
            builder.add(f"  period {period_name} {printer.percent(_percent(share))} {{",
                        share.origin)
        indent = "    " if period is not None else "  "
        indicator = _indicator(row, position, indent, builder, warnings,
                               weighted=period is None)
        if (period_name, indicator) in names:
            raise ImportError_(_at("E102", _origin(row, "indicator_number"),
                                   f"goal {code} has two indicators called {indicator}",
                                   None, ""))
        names.add((period_name, indicator))
        indicators.append((code, period_name, (indicator,), row))
        if period is not None:
            builder.add("  }", period.origin)
    builder.add("}", number.origin)
    return code


def _origin(row: _Row, key: str) -> Origin:
    cell = row.cells.get(key)
    if cell is not None:
        return cell.origin
    any_cell = next(iter(row.cells.values()))
    return Origin(any_cell.origin.sheet, row.number, POSITION[key], BY_KEY[key].title)


def _has_indicator(row: _Row) -> bool:
    return any(row.get(column.key) is not None for column in COLUMNS if not column.goal_level)


def _period_name(cell: _Read) -> str:
    text = cell.text
    for name in PERIOD_NAMES:
        if text.lower() == name.lower():
            return name
    raise _bad(cell, f"`{text}` is not a period", "use Q1–Q4, H1, H2, M1–M12 or year")


def _indicator(row: _Row, position: int, indent: str, builder: _Builder,
               warnings: list[Diagnostic], *, weighted: bool) -> str:
    number = row.get("indicator_number")
    if number is not None:
        if "." in number.text and all(IDENTIFIER.match(p) for p in number.text.split(".")):
            raise ImportError_(_at("E707", number.origin,
                                   f"`{number.text}` names an indicator inside a part",
                                   "the columns cannot say parts; write the goal as rulebook "
                                   "text in the last column", ""))
        name = _identifier(number, "i", warnings)
        origin = number.origin
    else:
        name = f"i{position}"
        origin = _origin(row, "indicator_number")
        warnings.append(_at("W703", origin, f"the indicator has no number; it is called `{name}`",
                            "measurements must use this name", builder.path))
    title = row.get("indicator_name")
    head = f"indicator {name}" + (f" {printer.string(title.text)}" if title else "")
    builder.add(f"{indent}{head} {{", origin)
    inner = indent + "  "
    measure = row.get("measure")
    measure_word = _word(measure, ("percent", "number", "evidence")) if measure else None
    rule, rule_origin = _pay_text(row)
    if measure_word is None:
        measure_word = _inferred_measure(rule)
    if measure_word is not None:
        builder.add(f"{inner}measure {measure_word}", measure.origin if measure else rule_origin)
    if (direction := row.get("direction")) is not None:
        word = _word(direction, ("higher", "lower"))
        builder.add(f"{inner}{word} is better", direction.origin)
    if (weight := row.get("indicator_weighting")) is not None and weighted:
        builder.add(f"{inner}weight {printer.percent(_percent(weight))}", weight.origin)
    if (baseline := row.get("baseline_value")) is not None:
        builder.add(f"{inner}baseline {printer.quantity(_quantity(baseline))}", baseline.origin)
    if (minimum := row.get("minimum_denominator")) is not None:
        count = _decimal_text(minimum.text)
        if count is None or count.denominator != 1 or count < 0:
            raise _bad(minimum, f"`{minimum.text}` is not a whole number")
        builder.add(f"{inner}minimum denominator {int(count)}", minimum.origin)
    for key, words in (("source", "source"), ("exclusions", "exclusions")):
        if (cell := row.get(key)) is not None:
            builder.add(f"{inner}{words} {printer.string(cell.text)}", cell.origin)
    if (frequency := row.get("frequency")) is not None:
        word = _word(frequency, REPORTING_FREQUENCIES,
                     {"annual": "annually", "yearly": "annually", "month": "monthly",
                      "quarter": "quarterly"})
        builder.add(f"{inner}reported {word}", frequency.origin)
    definition = [
        (label, cell) for label, key in (("", "indicator_description"),
                                         ("Numerator: ", "numerator"),
                                         ("Denominator: ", "denominator"),
                                         ("Baseline period: ", "baseline_period"))
        if (cell := row.get(key)) is not None
    ]
    if definition:
        text = ". ".join(label + cell.text.rstrip(".") for label, cell in definition)
        builder.add(f"{inner}definition {printer.string(text)}", definition[0][1].origin)
    if rule is None:
        raise ImportError_(_at("E705", rule_origin, f"indicator {name} has no payment rule",
                               "give the payment threshold, or the rules in the language's "
                               "words (`linear from 60% to 75%`)", ""))
    builder.add(f"{inner}{rule[0]}", rule_origin if len(rule) == 1 else
                Origin(rule_origin.sheet, rule_origin.row, rule_origin.column,
                       rule_origin.title))
    for number_in_cell, line in enumerate(rule[1:], 1):
        inner_origin = Origin(rule_origin.sheet, rule_origin.row, rule_origin.column,
                              rule_origin.title, number_in_cell if line != "}" else None)
        builder.add(f"{inner}  {line}" if line != "}" else f"{inner}}}", inner_origin)
    builder.add(f"{indent}}}", origin)
    return name


RULE_CHARACTERS = re.compile(r"[A-Za-z0-9_.%<>=*+\- ]*\Z")
CONDITION_PREFIX = re.compile(r"(>=|<=|>|<|≥|≤)\s*(.+)\Z")


def _pay_text(row: _Row) -> tuple[list[str] | None, Origin]:
    """The `pay` statement's lines: from the rules cell in the language's words, else an
    all-or-nothing rule at the payment threshold. Lines after the first are the table's."""
    rules = row.get("rules")
    threshold = row.get("threshold")
    if rules is not None:
        text = str(rules.value).strip()
        text = re.sub(r"\Apay\b", "", text).strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        lines = [" ".join(part.split()) for part in re.split(r"[;\n]", text) if part.strip()]
        for line in lines:
            if not RULE_CHARACTERS.match(line):
                raise _bad(rules, f"`{line}` is not a pay rule",
                           "write it in the language's words: `linear from 60% to 75%`, "
                           "`100% when value >= 90%`, or rows such as `50% when value >= 80%` "
                           "one a line, ending `0% otherwise`")
        if not lines:
            return None, rules.origin
        if len(lines) == 1 and not lines[0].endswith("otherwise"):
            return [f"pay {lines[0]}"], rules.origin
        return ["pay {", *lines, "}"], rules.origin
    if threshold is None:
        return None, _origin(row, "rules")
    text = threshold.text
    if text.lower() in ("achieved", "reported", "not achieved"):
        return [f"pay 100% when {text.lower()}"], threshold.origin
    match = CONDITION_PREFIX.match(text) if isinstance(threshold.value, str) else None
    if match is not None:
        comparison = {"≥": ">=", "≤": "<="}.get(match.group(1), match.group(1))
        operand = match.group(2)
        if not RULE_CHARACTERS.match(operand):
            raise _bad(threshold, f"`{text}` is not a threshold")
        return [f"pay 100% when value {comparison} {operand}"], threshold.origin
    direction = row.get("direction")
    lower = direction is not None and direction.text.lower().startswith("lower")
    if isinstance(threshold.value, str) and not re.fullmatch(r"[\d.,]+%?", text):
        if not RULE_CHARACTERS.match(text):
            raise _bad(threshold, f"`{text}` is not a threshold")
        literal = text
    else:
        quantity = _quantity(threshold)
        if quantity.kind == "number" and direction is None:
            raise _bad(threshold, f"the payment threshold {text} is a plain number, but nothing "
                       "says whether higher or lower is better",
                       "fill in \"Better when\" (higher or lower), or write the rule in "
                       "\"Rules for partial achievement\" (`100% when value <= 200`)")
        literal = printer.quantity(quantity)
    return [f"pay 100% when value {'<=' if lower else '>='} {literal}"], threshold.origin


def _inferred_measure(rule: list[str] | None) -> str | None:
    """What the rule itself shows: `achieved` is evidence; thresholds all plain numbers is
    a number measure. A percent measure is the language's default and is left unsaid."""
    if rule is None:
        return None
    text = " ".join(rule)
    if re.search(r"\bachieved\b", text):
        return "evidence"
    literals = re.findall(r"(?<![A-Za-z_])(\d[\d_]*(?:\.\d+)?)(%|pp)?", text)
    payouts = re.findall(r"(?:^|[{\s])(\d[\d_]*(?:\.\d+)?%)\s+(?:when|otherwise)", text)
    thresholds = [(n, unit) for n, unit in literals]
    plain = [n for n, unit in thresholds if not unit]
    percents = [n for n, unit in thresholds if unit == "%"]
    if plain and len(percents) <= len(payouts) and not re.search(r"\bdenominator\b", text):
        return "number"
    return None


def _carried_goal(code: str, cell: _Read, builder: _Builder) -> None:
    """A goal given whole as rulebook text: it must parse alone as exactly that one goal."""
    from ..syntax.parser import parse

    text = str(cell.value).replace("\r\n", "\n").strip("\n")
    wrapped = f'scheme "-" {{}}\n{text}\n'
    scheme, found = parse(wrapped, builder.path)
    origin = cell.origin
    if scheme is None or has_errors(found):
        for diagnostic in found:
            line = max(1, diagnostic.span.line - 1)
            inner = Origin(origin.sheet, origin.row, origin.column, origin.title, line)
            builder.diagnostics.append(_at(diagnostic.code, inner, diagnostic.message,
                                           diagnostic.hint, builder.path))
        return
    if len(scheme.goals) != 1 or scheme.examples:
        builder.problem("E707", origin, "must hold exactly one goal block and nothing else")
        return
    if scheme.goals[0].code != code:
        builder.problem("E706", origin, f"holds goal {scheme.goals[0].code}, but the row's goal "
                        f"number is {code}", "make them the same")
        return
    builder.add(text, Origin(origin.sheet, origin.row, origin.column, origin.title, 1))


def _read_examples(sheet: Any, builder: _Builder) -> None:
    from ..syntax.parser import parse

    for row in sheet.iter_rows(min_row=2, max_col=1):
        cell = row[0]
        if cell.value is None or not str(cell.value).strip():
            continue
        origin = Origin(sheet.title, cell.row, 1, "Example (rulebook text)", 1)
        text = str(cell.value).replace("\r\n", "\n").strip("\n")
        scheme, found = parse(f'scheme "-" {{}}\n{text}\n', builder.path)
        if scheme is None or has_errors(found) or scheme.goals or len(scheme.examples) != 1:
            builder.problem("E707", origin, "must hold exactly one example block",
                            found[0].message if found else None)
            continue
        builder.add(text, origin)


# ---- checks only possible once the text is parsed ---------------------------------------


def _consistency(scheme: Scheme, carried: dict[str, list[_Row]],
                 indicators: list[tuple[str, str, tuple[str, ...], _Row]],
                 builder: _Builder) -> list[Diagnostic]:
    """Cells that repeat what the rulebook says must agree with it: a carried goal's rows,
    a threshold beside its rule, an expected financial value beside a weighting, and the
    Scheme sheet's amounts in pounds."""
    found: list[Diagnostic] = []
    compiled = compile_scheme(scheme)
    goals = {goal.code: goal for goal in scheme.goals}
    available = {goal.code: goal.available for goal in compiled.goals}
    for code, rows in carried.items():
        goal = goals[code]
        expected = goal_rows(goal, available[code], carried=True)
        if len(expected) != len(rows):
            found.append(_at("E709", rows[0].cells["goal_number"].origin,
                             f"goal {code} has {len(rows)} rows, but its rulebook text has "
                             f"{len(expected)} indicators",
                             "the rows repeat the rulebook text for reading: one per indicator",
                             builder.path))
            continue
        for want, row in zip(expected, rows, strict=True):
            found += _compare_row(want, row, builder.path, skip=("rulebook_text",))
    for code, period, path, row in indicators:
        owner = goals.get(code)
        indicator = next((i for p, q, i in goal_indicators(owner) if p == period and q == path),
                         None) if owner else None
        if indicator is None:
            continue
        if row.get("rules") is not None and row.get("threshold") is not None:
            want = {"threshold": _threshold_cell(full_pay_threshold(indicator.pay))}
            found += _compare_row(want, row, builder.path, because=(
                "the rules pay in full at a different value",
                "make the threshold agree with the rules, or clear it"))
    for goal in scheme.goals:
        if goal.code in carried or goal.weight is None:
            continue
        cells = [r for c, _, _, r in indicators if c == goal.code]
        value = _goal_cell(cells, "goal_value") if cells else None
        stated = _stated_money(value, builder.path, found)
        if stated is not None and stated != available[goal.code]:
            assert value is not None
            found.append(_at("E709", value.origin,
                             f"says {printer.money(stated)}, but goal {goal.code}'s "
                             f"weighting gives {printer.money(available[goal.code])}",
                             "clear one of the two, or make them agree", builder.path))
    given = builder.scheme_cells
    header = scheme.header
    for key, exact in (("cquin_pounds", cquin_value_exact(header)),
                       ("national_pounds", national_value_exact(header))):
        share_key = key.replace("pounds", "share")
        cell = given.get(key)
        if cell is None or share_key not in given or exact is None:
            continue
        stated = _stated_money(cell, builder.path, found)
        if stated is not None and stated != round_half_up(exact):
            found.append(_at("E709", cell.origin,
                             f"says {printer.money(stated)}, but the percentage of the "
                             f"contract gives {printer.money(round_half_up(exact))}",
                             "clear one of the two, or make them agree", builder.path))
    return found


def _stated_money(cell: _Read | None, path: str, found: list[Diagnostic]) -> Fraction | None:
    """The money a cell states, for comparing with what the rulebook gives; a cell that
    is not money is reported (the first reading may have had no need of it)."""
    if cell is None:
        return None
    try:
        return _money(cell)
    except ImportError_ as error:
        found.append(error.diagnostic.at(path))
        return None


def _compare_row(want: dict[str, Cell], row: _Row, path: str, *, skip: Sequence[str] = (),
                 because: tuple[str, str] | None = None) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for key, cell in want.items():
        if key in skip:
            continue
        read = row.get(key)
        expected = _words(cell)
        actual = _read_words(read, cell.kind) if read is not None else ""
        if expected == actual:
            continue
        origin = read.origin if read is not None else _origin(row, key)
        message, hint = because or (
            "differs from the goal's rulebook text",
            "this goal is defined by its rulebook text (last column); edit that, or make "
            "this cell agree")
        found.append(_at("E709", origin,
                         f"says `{actual}` where `{expected}` is expected: {message}", hint, path))
    return found


def _read_words(read: _Read, kind: Kind) -> str:
    """A cell as the language would write it, read as `kind` (`text` when in doubt)."""
    try:
        if kind == "percent":
            return printer.percent(_percent(read))
        if kind == "money":
            return printer.money(_money(read))
        if kind in ("number", "integer"):
            return printer.quantity(_quantity(read))
    except (ImportError_, ValueError):
        return read.text
    if isinstance(read.value, int | float) and not isinstance(read.value, bool):
        if "%" in read.number_format:
            return printer.percent(_fraction(read.value))
        return printer.decimal(_fraction(read.value)) if read.value >= 0 else read.text
    return str(read.value).strip() if "\n" in str(read.value) else read.text
