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
from .as_of import month_words
from .money import as_written, percent_as_written
from .rules import resolve

#: What each negotiation `status` colour means (section 4), in the order a negotiation
#: moves through them: `cquin status`, `cquin diff` and E510 all say it in these words.
STATUS_MEANINGS = {
    "purple": "national, mandatory",
    "green": "agreed",
    "amber": "agreed in principle, measures in development",
    "red": "not agreed",
    "blue": "rejected",
}

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


# ---- the contract schedule's words (cquin document) ---------------------------------

MEASURE_WORDS = {
    "percent": "a percentage",
    "number": "a number",
    "evidence": "evidence, achieved or not",
}



def status_words(status: str | None) -> str:
    """`green (agreed)`; `not given` when the goal has no status."""
    if status is None:
        return "not given"
    meaning = STATUS_MEANINGS.get(status)
    return f"{status} ({meaning})" if meaning else status


def measure_words(indicator: Indicator) -> str:
    """What is measured and which way is better: `a percentage; higher is better`."""
    kind = indicator.measure_kind
    words = MEASURE_WORDS[kind]
    if kind == "evidence":
        return words
    direction = indicator.direction.value if indicator.direction else "higher"
    return f"{words}; {direction} is better"


def share_words(share: Fraction, of: str) -> str:
    """`20% of the CQUIN value`."""
    return f"{printer.percent(share)} of {of}"


def months_words(months: tuple[int, ...]) -> str:
    """`M6 (September), M9 (December) and M12 (March)`."""
    named = [month_words(month) for month in months]
    if len(named) <= 1:
        return "".join(named)
    return ", ".join(named[:-1]) + " and " + named[-1]


def list_words(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def on_account_words(share: Fraction) -> str:
    """How payment on account works, in the words of the schedule (DH §65)."""
    return (f"{printer.percent(share)} of the CQUIN value is paid on account in twelve "
            "monthly instalments, on the assumption that the goals are met")


def reconciliation_words(months: tuple[int, ...]) -> str:
    """When payments on account are reconciled with what was earned (DH §66)."""
    return (f"payments on account are reconciled with the money earned at "
            f"{months_words(months)}; the year is settled at the end")


# ---- what the examples reach (cquin test --coverage) ----------------------------------


def band_words(payout: LinearPay, indicator: Indicator) -> tuple[str, str, str]:
    """A straight line's three bands: nothing, a share part way, in full."""
    start = _threshold_words(payout.start, indicator)
    end = _threshold_words(payout.end, indicator)
    return (f"nothing, at {start} or worse", f"a share, between {start} and {end}",
            f"in full, at {end} or better")


def gate_words(met: bool) -> str:
    """A gate's two ways: it lets the money through, or it stops it."""
    return "the gate is met (the money goes through)" if met else \
        "the gate is not met (nothing is paid)"


def combine_branch_words(mode: str, count: int | None, reached: bool) -> str:
    """A `combine all` or `at least K`: the way it pays, or the way it pays nothing."""
    if mode == "all":
        return "every item met: paid" if reached else "an item not met: nothing paid"
    return (f"at least {count} items met: paid" if reached
            else f"fewer than {count} items met: nothing paid")


def weakest_words(item: str) -> str:
    """A `combine minimum` branch: the item that decides the attainment."""
    return f"{item} is the weakest, so it decides the pay"
