"""Reading one cell: where it is, what it holds (a percentage, money, a quantity, a word), and
problems said of the cell."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

from attrs import field, frozen

from ...base.diagnostics import Diagnostic
from ...base.span import Span
from ...syntax import printer
from ...syntax.model import (
    Quantity,
)
from .template import (
    BY_KEY,
    IDENTIFIER,
    POSITION,
)


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
        # lazy: openpyxl is heavy and loads only when a workbook is read or written
        from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

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


@frozen
class _Row:
    number: int
    cells: dict[str, _Read] = field(factory=dict)

    def get(self, key: str) -> _Read | None:
        cell = self.cells.get(key)
        return None if cell is None or cell.blank else cell


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


def _origin(row: _Row, key: str) -> Origin:
    cell = row.cells.get(key)
    if cell is not None:
        return cell.origin
    any_cell = next(iter(row.cells.values()))
    return Origin(any_cell.origin.sheet, row.number, POSITION[key], BY_KEY[key].title)
