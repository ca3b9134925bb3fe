"""An indicator's pay rule for a person: its rows as data, and one sentence in words.

Reports, the editor's hover and the JSON document all take a rule's words from here, built
from the model (never by reading rule text back), so they say the same thing, including
the row that `minimum denominator N` implies. Rule text in the rulebook's own grammar
comes from the printer's exact writers; numbers are quoted exactly as written.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from attrs import frozen

from ..syntax import printer
from ..syntax.model import (
    Achieved,
    Baseline,
    DenominatorBelow,
    FixedPay,
    Indicator,
    LinearPay,
    Payout,
    Row,
    Threshold,
    ValueIs,
)
from .money import as_written, percent_as_written
from .rules import resolve

NEGOTIATION_WORDS = {
    "purple": "national mandatory",
    "green": "agreed",
    "amber": "measures in development",
    "red": "not agreed",
    "blue": "rejected",
}
"""A goal's `status` colour (a Trust's negotiation status, section 4) in words."""

COMPARISON_WORDS = {">=": "{} or more", ">": "above {}", "<=": "{} or less", "<": "below {}"}


@frozen
class RuleRow:
    """One row of a pay rule: as the language writes it, and in words.

    `implied` names the statement a row comes from when the rulebook does not write it as
    a row (`minimum denominator 20`); `line` is where that row or statement is.
    """

    pays: str
    condition: str | None
    words: str
    line: int
    implied: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pays": self.pays,
            "condition": self.condition,
            "words": self.words,
            "line": self.line,
            "implied": self.implied,
        }


def rule_rows(indicator: Indicator) -> tuple[RuleRow, ...]:
    """The rows the indicator is paid by, in the order they are tried."""
    pay = indicator.pay
    if pay is None:
        return ()
    rows: list[RuleRow] = []
    minimum = indicator.minimum_denominator
    if minimum is not None and not any(
        isinstance(row.condition, DenominatorBelow) for row in pay.rows
    ):
        limit = printer.condition(DenominatorBelow(minimum.value))
        rows.append(RuleRow(
            pays=printer.percent(Fraction(1)), condition=limit,
            words=f"in full {_denominator_words(minimum.value)}", line=minimum.span.line,
            implied=f"minimum denominator {minimum.value}",
        ))
    for row in pay.rows:
        rows.append(RuleRow(
            pays=printer.payout(row.payout),
            condition=None if row.condition is None else printer.condition(row.condition),
            words=_row_words(row, indicator),
            line=row.span.line,
        ))
    return tuple(rows)


def rule_sentence(rows: tuple[RuleRow, ...]) -> str:
    """The rows in one sentence: `Pays in full when the value is 90% or more; otherwise
    nothing.`"""
    if not rows:
        return "No pay rule."
    phrases = [
        f"otherwise {row.words}" if row.condition is None and index else row.words
        for index, row in enumerate(rows)
    ]
    return "Pays " + "; ".join(phrases) + "."


def _row_words(row: Row, indicator: Indicator) -> str:
    pays = _payout_words(row.payout, indicator)
    condition = row.condition
    if condition is None:
        return pays
    if isinstance(condition, ValueIs):
        level = _threshold_words(condition.threshold, indicator)
        return f"{pays} when the value is {COMPARISON_WORDS[condition.comparison].format(level)}"
    if isinstance(condition, DenominatorBelow):
        return f"{pays} {_denominator_words(condition.limit)}"
    if isinstance(condition, Achieved):
        return f"{pays} when {'not ' if condition.negated else ''}achieved"
    return f"{pays} when a measurement is reported"


def _denominator_words(limit: int) -> str:
    return f"when the denominator is below {limit} (too few to assess)"


def _payout_words(payout: Payout, indicator: Indicator) -> str:
    if isinstance(payout, LinearPay):
        start = _threshold_words(payout.start, indicator)
        end = _threshold_words(payout.end, indicator)
        return f"a straight-line share, nothing at {start} or worse and all at {end} or better"
    assert isinstance(payout, FixedPay)
    if payout.share == 1:
        return "in full"
    if payout.share == 0:
        return "nothing"
    return printer.percent(payout.share)


def _threshold_words(threshold: Threshold, indicator: Indicator) -> str:
    """`90%`, or a baseline expression in words with the level it comes to: `85% of the
    baseline (212.5)`."""
    if not isinstance(threshold, Baseline):
        return printer.threshold(threshold)
    operand = threshold.operand
    if threshold.operator == "" or operand is None:
        words = "the baseline"
    elif threshold.operator == "*":
        words = f"{printer.quantity(operand)} of the baseline"
    else:
        amount = printer.quantity(operand)
        if operand.kind == "points":
            amount = f"{printer.decimal(operand.value * 100)} percentage points"
        words = f"the baseline {'plus' if threshold.operator == '+' else 'minus'} {amount}"
    baseline = indicator.baseline.value if indicator.baseline else None
    level = resolve(threshold, baseline)
    if level is None:
        return words
    said = percent_as_written(level) if indicator.measure_kind == "percent" else as_written(level)
    return f"{words} ({said})"
