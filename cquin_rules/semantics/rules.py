"""The meaning of one indicator's pay rule, with every threshold resolved to a number.

Both the checker (which reasons over every possible measurement) and the evaluator
(which applies the rule to one) use these definitions, so they cannot disagree.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from attrs import frozen

from ..base.span import Span
from ..syntax.model import (
    Achieved,
    Comparison,
    DenominatorBelow,
    Evidence,
    Fixed,
    FixedPay,
    Indicator,
    LinearPay,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Quantity,
    Ratio,
    Reported,
    Row,
    Threshold,
    ValueIs,
)


def resolve(threshold: Threshold, baseline: Quantity | None) -> Fraction | None:
    """The number a threshold stands for; None when it needs a baseline that is not given."""
    if isinstance(threshold, Fixed):
        return threshold.quantity.value
    if baseline is None:
        return None
    base = baseline.value
    if threshold.operator == "" or threshold.operand is None:
        return base
    operand = threshold.operand.value
    if threshold.operator == "+":
        return base + operand
    if threshold.operator == "-":
        return base - operand
    return base * operand


@frozen
class Observation:
    """What a rule can see of one measurement.

    `value` is the percent (as a fraction of one), the number, or 1/0 for evidence
    achieved/not; `denominator` is known only when a fraction was supplied.
    """

    value: Fraction
    denominator: int | None = None
    achieved: bool | None = None

    @classmethod
    def of(cls, measured: MeasuredValue) -> Observation:
        if isinstance(measured, Ratio):
            return cls(measured.value, measured.denominator)
        if isinstance(measured, Evidence):
            return cls(Fraction(int(measured.achieved)), None, measured.achieved)
        assert isinstance(measured, (PercentValue, NumberValue))
        return cls(measured.value)


@frozen
class Linear:
    """Attainment 0 at `start` or worse, 1 at `end` or better, straight between."""

    start: Fraction
    end: Fraction

    def at(self, value: Fraction) -> Fraction:
        share = (value - self.start) / (self.end - self.start)
        return min(Fraction(1), max(Fraction(0), share))


@frozen
class CompiledRow:
    """A row with numbers in place of expressions.

    `source` is the rulebook row, or None for the row implied by `minimum denominator`.
    """

    pays: Fraction | Linear
    comparison: Comparison | None = None
    threshold: Fraction | None = None
    denominator_below: int | None = None
    achieved: bool | None = None
    reported: bool = False
    source: Row | None = None
    span: Span | None = None

    @property
    def is_otherwise(self) -> bool:
        return (
            self.comparison is None
            and self.denominator_below is None
            and self.achieved is None
            and not self.reported
        )

    def matches(self, observation: Observation) -> bool:
        if self.comparison is not None:
            assert self.threshold is not None
            return _compare(observation.value, self.comparison, self.threshold)
        if self.denominator_below is not None:
            return (
                observation.denominator is not None
                and observation.denominator < self.denominator_below
            )
        if self.achieved is not None:
            return observation.achieved is self.achieved
        return True

    def pay(self, value: Fraction) -> Fraction:
        return self.pays if isinstance(self.pays, Fraction) else self.pays.at(value)


#: The operator that decides each comparison of the language; it works alike on exact
#: numbers (the evaluator, the checker) and on numpy columns (the batch evaluator).
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}


def _compare(value: Fraction, comparison: Comparison, threshold: Fraction) -> bool:
    return bool(COMPARE[comparison](value, threshold))


@frozen
class CompiledRule:
    rows: tuple[CompiledRow, ...]

    def apply(self, observation: Observation) -> tuple[Fraction, int]:
        """The attainment and the index of the row that gave it (rows end with otherwise)."""
        for index, row in enumerate(self.rows):
            if row.matches(observation):
                return row.pay(observation.value), index
        return Fraction(0), len(self.rows) - 1


def compile_rule(indicator: Indicator) -> CompiledRule | None:
    """The indicator's rule with thresholds resolved; None if one cannot be resolved
    (no rule, or `baseline` used without a baseline: the checker reports that)."""
    if indicator.pay is None:
        return None
    baseline = indicator.baseline.value if indicator.baseline else None
    rows: list[CompiledRow] = []
    has_denominator_row = any(
        isinstance(row.condition, DenominatorBelow) for row in indicator.pay.rows
    )
    if indicator.minimum_denominator is not None and not has_denominator_row:
        rows.append(
            CompiledRow(
                Fraction(1),
                denominator_below=indicator.minimum_denominator.value,
                span=indicator.minimum_denominator.span,
            )
        )
    for row in indicator.pay.rows:
        compiled = _compile_row(row, baseline)
        if compiled is None:
            return None
        rows.append(compiled)
    return CompiledRule(tuple(rows))


def _compile_row(row: Row, baseline: Quantity | None) -> CompiledRow | None:
    pays: Fraction | Linear
    if isinstance(row.payout, FixedPay):
        pays = row.payout.share
    else:
        assert isinstance(row.payout, LinearPay)
        start = resolve(row.payout.start, baseline)
        end = resolve(row.payout.end, baseline)
        if start is None or end is None or start == end:
            return None
        pays = Linear(start, end)
    condition = row.condition
    if condition is None:
        return CompiledRow(pays, source=row, span=row.span)
    if isinstance(condition, ValueIs):
        threshold = resolve(condition.threshold, baseline)
        if threshold is None:
            return None
        return CompiledRow(
            pays, comparison=condition.comparison, threshold=threshold, source=row, span=row.span
        )
    if isinstance(condition, DenominatorBelow):
        return CompiledRow(pays, denominator_below=condition.limit, source=row, span=row.span)
    if isinstance(condition, Achieved):
        return CompiledRow(pays, achieved=not condition.negated, source=row, span=row.span)
    assert isinstance(condition, Reported)
    return CompiledRow(pays, reported=True, source=row, span=row.span)

