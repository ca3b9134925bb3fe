"""How items' attainments make their parent's: the meaning of `combine`, gates and periods.

One home for it, so the evaluator, the checker's proof of full payment (E409), explain and
the schedule all combine the same way (section 6 of the reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ..syntax.model import CombineMode

if TYPE_CHECKING:
    from .compile import CompiledGoal

ONE = Fraction(1)
ZERO = Fraction(0)


def combine(
    mode: CombineMode, at_least: int | None, weighed: Sequence[tuple[Fraction, Fraction]]
) -> Fraction:
    """Combine (weight, attainment) pairs by `mode`; no items combine to 1 (gates decide)."""
    if not weighed:
        return ONE
    attainments = [attainment for _, attainment in weighed]
    if mode == "minimum":
        return min(attainments)
    if mode == "all":
        return ONE if all(a >= 1 for a in attainments) else ZERO
    if mode == "at least":
        met = sum(1 for a in attainments if a >= 1)
        return ONE if met >= (at_least or 0) else ZERO
    return _weighted_sum(weighed)


def gated(combined: Fraction, gates: Iterable[Fraction]) -> Fraction:
    """`combined`, or 0 when any gate's attainment is below 1: gates apply after combining."""
    return ZERO if any(gate < 1 for gate in gates) else combined


def combine_periods(goal: CompiledGoal, attainments: Sequence[Fraction]) -> Fraction:
    """A goal's attainment from its periods' (in order): Σ shareₚ × period attainment,
    whatever the goal's `combine` (that one has already combined each period's items)."""
    return _weighted_sum([(period.share, attainment)
                          for period, attainment in zip(goal.periods, attainments, strict=True)])


def _weighted_sum(weighed: Sequence[tuple[Fraction, Fraction]]) -> Fraction:
    """Σ weight × attainment, summed over one running denominator with plain integers and
    reduced once at the end (Fraction's own + and × reduce at every step, which is most
    of the cost of evaluating a scheme)."""
    numerator, denominator = 0, 1
    for weight, attainment in weighed:
        top = weight.numerator * attainment.numerator
        if top:
            bottom = weight.denominator * attainment.denominator
            numerator = numerator * bottom + top * denominator
            denominator *= bottom
    return Fraction(numerator, denominator)
