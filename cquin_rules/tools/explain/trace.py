"""The pieces of a trace below the goal: how numbers are written, the rows a rule tried,
a linear payout, an indicator, a combination, a part, a period and a goal's money.

Every number in `to_dict()` is exact: attainments and weights as fractions (`"8/15"`),
money as pounds with two decimals, an unrounded amount as a fraction of pounds, so a
reader can parse each back with `Fraction` and redo the sums.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from attrs import frozen

from ...semantics.money import (
    PENNY,
    decimal_places,
    exact_decimal,
    exact_pounds,
    finite_places,
    money,
    percent_text,
    pounds,
)
from ...syntax.model import CombineMode, Measure, Status

ZERO = Fraction(0)
ONE = Fraction(1)
MINUS = "−"
TIMES = "×"


# ---- how numbers are written --------------------------------------------------------


def fraction(value: Fraction) -> str:
    """`8/15`, `1`, `0`: exact, and what `Fraction()` reads back."""
    return str(value)


def _terminates(value: Fraction, places: int = 6) -> bool:
    return bool((value * 10**places).denominator == 1)


def about(value: Fraction) -> str:
    """`8/15 ≈ 0.533333`, or just `0.4` when the decimal is exact."""
    if _terminates(value):
        return exact_decimal(value)
    return f"{fraction(value)} ≈ {decimal_places(value, 6)}"


def share_words(value: Fraction) -> str:
    """A weight or share as people write it: `40%`, or `1/3` when the percent has no end."""
    if _terminates(value * 100):
        return percent_text(value)
    return fraction(value)


def level_words(value: Fraction, measure: Measure) -> str:
    """A measured level or threshold: `68%` for a percent, `212` for a number, exact."""
    if measure == "percent":
        return share_words(value)
    return exact_decimal(value) if _terminates(value) else fraction(value)


def unrounded_pounds(amount: Fraction) -> str:
    """Unrounded money: `£320,000.00`, `£31,710.7525`, `£266,666.666667 (= 800000/3)`."""
    text = exact_pounds(amount)
    return text if finite_places(amount) is not None else f"{text} (= £{fraction(amount)})"


# ---- the trace ----------------------------------------------------------------------


@frozen
class RowTrace:
    """One row the rule tried, in order, until one matched.

    `implied` says why a row is not written in the rulebook: `minimum denominator N`
    adds a first row, and `pay P when …` a last `0% otherwise`.
    """

    line: int
    text: str
    check: str
    matched: bool
    implied: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "row": self.text,
            "check": self.check,
            "matched": self.matched,
            "implied": self.implied,
        }


@frozen
class LinearTrace:
    """`(value − start) / (end − start)`, held to 0..1."""

    value: Fraction
    start: Fraction
    end: Fraction
    start_text: str
    end_text: str
    share: Fraction
    attainment: Fraction
    measure: Measure

    @property
    def text(self) -> str:
        value, start, end = (level_words(v, self.measure)
                             for v in (self.value, self.start, self.end))
        words = f"({value} {MINUS} {start}) / ({end} {MINUS} {start}) = {about(self.share)}"
        resolved = [text for text in (self.start_text, self.end_text) if " = " in text]
        if resolved:
            words = f"{'; '.join(resolved)}; {words}"
        if self.share > 1:
            words += ", capped at 1"
        elif self.share < 0:
            words += ", raised to 0"
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": fraction(self.value),
            "from": fraction(self.start),
            "to": fraction(self.end),
            "from_resolved": self.start_text,
            "to_resolved": self.end_text,
            "share": fraction(self.share),
            "attainment": fraction(self.attainment),
            "text": self.text,
        }


@frozen
class IndicatorTrace:
    """One indicator in one period: what was measured, which row paid, and what it gave."""

    goal: str
    path: tuple[str, ...]
    period: str
    title: str | None
    line: int
    measure: Measure
    weight: Fraction
    is_gate: bool
    measured: str | None
    value: Fraction | None
    origin: str | None
    rule: str
    rule_line: int
    rows: tuple[RowTrace, ...]
    linear: LinearTrace | None
    attainment: Fraction
    status: Status

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        return self.name if self.period == "year" else f"{self.name} {self.period}"

    @property
    def row(self) -> RowTrace | None:
        """The row that matched; None when not reported."""
        return next((row for row in self.rows if row.matched), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "indicator",
            "goal": self.goal,
            "name": self.name,
            "period": self.period,
            "title": self.title,
            "line": self.line,
            "measure": self.measure,
            "weight": fraction(self.weight),
            "gate": self.is_gate,
            "measured": self.measured,
            "value": None if self.value is None else fraction(self.value),
            "origin": self.origin,
            "rule": self.rule,
            "rule_line": self.rule_line,
            "rows": [row.to_dict() for row in self.rows],
            "linear": self.linear.to_dict() if self.linear else None,
            "attainment": fraction(self.attainment),
            "attainment_decimal": decimal_places(self.attainment, 6),
            "status": self.status,
        }

    def lines(self, *, qualified: bool = False) -> list[str]:
        """The indicator's lines; `qualified` names it with its goal (`FLU.uptake`)."""
        weight = "a gate: below 1 it pays nothing" if self.is_gate else "weight "
        weight += "" if self.is_gate else share_words(self.weight)
        label = f"{self.goal}.{self.label}" if qualified else self.label
        head = f"{label} ({weight})"
        if self.title:
            head += f' "{self.title}"'
        found = [f"{head}, line {self.line}"]
        if self.measured is None and self.status == "not yet due":
            found.append("  measurement: none yet; the period is not yet due, so it is "
                         "neither paid nor failed")
        elif self.measured is None:
            found.append("  measurement: not reported, so it pays 0")
        else:
            where = f", from {self.origin}" if self.origin else ""
            value = ""
            if self.value is not None and self.measure != "evidence":
                level = level_words(self.value, self.measure)
                if level != self.measured:
                    value = f" = {level}"
            found.append(f"  measurement: {self.measured}{value}{where}")
        found.append(f"  rule (line {self.rule_line}): {self.rule}")
        for row in self.rows:
            implied = f" [{row.implied}]" if row.implied else ""
            if row.check == "otherwise":
                verdict = "otherwise: this row pays"
            else:
                verdict = f"{row.check}? " + ("yes: this row pays" if row.matched else "no")
            found.append(f"  line {row.line}: {row.text}{implied} — {verdict}")
        if self.linear is not None:
            found.append(f"    {self.linear.text}")
        found.append(f"  attainment: {about(self.attainment)} ({self.status})")
        return found


@frozen
class Term:
    """One item as its parent combines it."""

    name: str
    weight: Fraction | None
    attainment: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": None if self.weight is None else fraction(self.weight),
            "attainment": fraction(self.attainment),
        }


@frozen
class CombineTrace:
    """How items' attainments made their parent's, then the gates."""

    mode: CombineMode
    at_least: int | None
    terms: tuple[Term, ...]
    combined: Fraction
    gates: tuple[Term, ...]
    attainment: Fraction

    @property
    def text(self) -> str:
        values = ", ".join(f"{t.name} {fraction(t.attainment)}" for t in self.terms)
        if not self.terms:
            words = "no weighted items: 1 (the gates decide)"
        elif self.mode == "minimum":
            words = f"combine minimum: the smallest of {values} = {fraction(self.combined)}"
        elif self.mode == "all":
            words = f"combine all: {values}; every one 1? " + (
                "yes: 1" if self.combined == 1 else "no: 0"
            )
        elif self.mode == "at least":
            met = sum(1 for t in self.terms if t.attainment >= 1)
            words = (
                f"combine at least {self.at_least}: {values}; {met} of {len(self.terms)} met"
                f" ({'enough' if self.combined == 1 else 'not enough'}): {fraction(self.combined)}"
            )
        else:
            parts = " + ".join(
                f"{t.name} {share_words(t.weight or ZERO)} {TIMES} {fraction(t.attainment)}"
                for t in self.terms
            )
            words = f"combine weighted: {parts} = {about(self.combined)}"
        for gate in self.gates:
            passed = gate.attainment >= 1
            words += f"; gate {gate.name} {fraction(gate.attainment)}: " + (
                "passes" if passed else "below 1, so 0"
            )
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "at_least": self.at_least,
            "terms": [term.to_dict() for term in self.terms],
            "combined": fraction(self.combined),
            "gates": [gate.to_dict() for gate in self.gates],
            "attainment": fraction(self.attainment),
            "text": self.text,
        }


@frozen
class PartTrace:
    path: tuple[str, ...]
    period: str
    title: str | None
    line: int
    weight: Fraction
    items: tuple[ItemTrace, ...]
    combine: CombineTrace

    is_gate = False

    @property
    def label(self) -> str:
        return "part " + ".".join(self.path)

    @property
    def attainment(self) -> Fraction:
        return self.combine.attainment

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "part",
            "name": ".".join(self.path),
            "period": self.period,
            "title": self.title,
            "line": self.line,
            "weight": fraction(self.weight),
            "items": [item.to_dict() for item in self.items],
            "combine": self.combine.to_dict(),
            "attainment": fraction(self.attainment),
        }

    def lines(self) -> list[str]:
        title = f' "{self.title}"' if self.title else ""
        found = [f"{self.label} (weight {share_words(self.weight)}){title}, line {self.line}"]
        for item in self.items:
            found += ["  " + line for line in item.lines()]
        found.append(f"  {self.combine.text}")
        return found


ItemTrace = IndicatorTrace | PartTrace


@frozen
class PeriodTrace:
    name: str
    share: Fraction
    line: int
    items: tuple[ItemTrace, ...]
    combine: CombineTrace
    status: Status

    @property
    def attainment(self) -> Fraction:
        return self.combine.attainment

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "share": fraction(self.share),
            "line": self.line,
            "items": [item.to_dict() for item in self.items],
            "combine": self.combine.to_dict(),
            "attainment": fraction(self.attainment),
            "status": self.status,
        }

    def lines(self) -> list[str]:
        found = [f"period {self.name} (share {share_words(self.share)}), line {self.line}"]
        for item in self.items:
            found += ["  " + line for line in item.lines()]
        found.append(f"  {self.combine.text} ({self.status})")
        return found


@frozen
class MoneyTrace:
    """A goal's available money: its `value`, or its weight of the cquin value, to the penny."""

    weight: Fraction | None
    value: Fraction | None
    cquin_value: Fraction
    exact: Fraction
    available: Fraction
    gate: bool = False

    @property
    def text(self) -> str:
        if self.gate:
            return "none: a scheme gate carries no money"
        if self.weight is not None:
            words = (
                f"weight {share_words(self.weight)} {TIMES} cquin value {pounds(self.cquin_value)}"
                f" = {unrounded_pounds(self.exact)}"
            )
        else:
            words = f"value {unrounded_pounds(self.exact)} as written"
        if self.available != self.exact:
            floor = Fraction(int(self.exact / PENNY)) * PENNY
            if self.available > floor:
                how = f"{pounds(floor)} plus the left-over penny (largest remainder)"
            else:
                how = f"{pounds(floor)}, rounded down (largest remainder)"
            words += f"; split to the penny: {how} = {pounds(self.available)}"
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": None if self.weight is None else fraction(self.weight),
            "value": None if self.value is None else money(self.value),
            "cquin_value": money(self.cquin_value),
            "exact": fraction(self.exact),
            "available": money(self.available),
            "gate": self.gate,
            "text": self.text,
        }


