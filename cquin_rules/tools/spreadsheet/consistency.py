"""Checks possible only once the built text is parsed: cells that repeat what the rulebook
says must agree with it."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ...base.diagnostics import Diagnostic
from ...semantics.compile import compile_scheme
from ...semantics.money import cquin_value_exact, national_value_exact, round_half_up
from ...syntax import printer
from ...syntax.model import (
    Scheme,
    goal_indicators,
)
from .cells import (
    ImportError_,
    _at,
    _Builder,
    _fraction,
    _money,
    _origin,
    _percent,
    _quantity,
    _Read,
    _Row,
)
from .rows import (
    _threshold_cell,
    full_pay_threshold,
    goal_rows,
)
from .template import (
    COLUMNS,
    Cell,
    Kind,
    _words,
)

GOAL_KEYS = tuple(column.key for column in COLUMNS if column.goal_level)


def _consistency(scheme: Scheme, carried: dict[str, list[_Row]],
                 indicators: list[tuple[str, str, tuple[str, ...], _Row]],
                 builder: _Builder, entered: set[str] | frozenset[str] = frozenset()
                 ) -> list[Diagnostic]:
    """Cells that repeat what the rulebook says must agree with it: a carried goal's rows
    (but for the money and weighting of a goal whose money was entered in its money cell,
    `entered`: see goal_money), a threshold beside its rule, and the Scheme sheet's amounts
    in pounds."""
    found: list[Diagnostic] = []
    compiled = compile_scheme(scheme)
    goals = {goal.code: goal for goal in scheme.goals}
    available = {goal.code: goal.available for goal in compiled.goals}
    for code, rows in carried.items():
        goal = goals[code]
        expected = goal_rows(goal, available[code], carried=True, cquin=compiled.cquin_value)
        if len(expected) != len(rows):
            found.append(_at("E709", rows[0].cells["goal_number"].origin,
                             f"goal {code} has {len(rows)} rows, but its rulebook text has "
                             f"{len(expected)} indicators",
                             "the rows repeat the rulebook text for reading: one per indicator",
                             builder.path))
            continue
        for index, (want, row) in enumerate(zip(expected, rows, strict=True)):
            skip: tuple[str, ...] = ("rulebook_text", "goal_value", "goal_weighting") \
                if code in entered \
                else ("rulebook_text",)
            if index:  # a goal's columns are read from its first row (see _goal_cell)
                skip += GOAL_KEYS
            found += _compare_row(want, row, builder.path, skip=skip)
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
