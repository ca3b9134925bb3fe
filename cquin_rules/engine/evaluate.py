"""Evaluation: measurements in, exact money out (sections 6 and 7).

Decisions, all following the language reference:

- An indicator's attainment is the payout of the first row of its rule that matches
  the measurement (`rules.CompiledRule.apply`, which already holds the row implied by
  `minimum denominator N`: a supplied denominator below N pays in full unless the rule
  has its own `denominator <` row).
- A missing measurement gives attainment 0 and status "not reported": non-participation
  pays nothing. With `strict=True` it is an error instead: CquinError with one E610
  diagnostic per missing measurement, at the indicator in the rulebook.
- Items combine by their parent's mode over the non-gate items: weighted (sum of
  weight x attainment), minimum, all (1 when every item is 1), at least K (1 when K
  items are 1). Items with no non-gate siblings combine to 1, so gates alone decide.
  Gates apply after combining: any gate below 1 makes the attainment 0.
- A goal with period blocks combines each period's items, then the periods by the
  goal's `combine` (default weighted: the sum of share x period attainment; the other
  modes look at the period attainments themselves).
- Goal earned = attainment x available, rounded to the penny, half up; totals are sums
  of goal lines (see `result.Result`).
- Status: met (1), partially met (between 0 and 1), not met (0); "not reported" for an
  indicator with no measurement, and for a goal (or period) none of whose indicators
  has one. A rule that could not be compiled (a scheme with errors) attains 0.
- As of a month (`as_of`, section 6): a period not due yet (`as_of.is_due`), and every
  indicator in it, reads "not yet due"; a goal none of whose periods is due reads "not
  yet due", otherwise the status of Σ shareₚ × attainmentₚ ÷ Σ shareₚ over the due
  periods. The year-end money is unchanged; the to-date money is available × Σ shareₚ
  and available × Σ shareₚ × attainmentₚ over the due periods, each rounded half up
  (all periods due: exactly the year-end figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from ..base.diagnostics import CquinError, Diagnostic
from ..semantics.as_of import is_due
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
    compile_scheme,
)
from ..semantics.money import round_half_up
from ..semantics.rules import Observation
from ..syntax.model import CombineMode, Scheme, Status
from .measurements import Measurements, key_name
from .result import GoalResult, IndicatorResult, Result

ONE = Fraction(1)
ZERO = Fraction(0)


def evaluate(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
    *,
    strict: bool = False,
    path: str = "<text>",
    as_of: int | None = None,
    data_files: tuple[str, ...] = (),
) -> Result:
    """The money each goal earns for `measurements` (see the module docstring).

    A plain mapping (`{"FLU.uptake": "68%"}`) is read with `Measurements.from_mapping`;
    CquinError is raised when it has errors, or in strict mode when a measurement is
    missing (E610 at the indicator, said of the rulebook at `path`). `as_of` is a
    contract month (1 = April; `as_of.as_of_month` reads `M6` or `Q2`); `data_files`
    names the files the measurements came from, in order, for the reports.
    """
    compiled, measurements = evaluation_inputs(scheme_or_compiled, measurements)
    if strict:
        missing = [
            _missing(indicator).at(path)
            for indicator in compiled.indicators()
            if indicator.key not in measurements
        ]
        if missing:
            raise CquinError(missing)
    goals = tuple(_goal(goal, measurements, as_of) for goal in compiled.goals)
    return Result(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        cquin_value=compiled.cquin_value,
        goals=goals,
        commissioners=tuple(c.value for c in compiled.scheme.header.commissioners),
        as_of=as_of,
        data_files=data_files,
    )


def evaluation_inputs(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
) -> tuple[CompiledScheme, Measurements]:
    """The compiled scheme and checked measurements that `evaluate` (and `explain`) work
    from; a plain mapping is read with `Measurements.from_mapping` (CquinError when it has
    errors)."""
    compiled = (
        scheme_or_compiled
        if isinstance(scheme_or_compiled, CompiledScheme)
        else compile_scheme(scheme_or_compiled)
    )
    if not isinstance(measurements, Measurements):
        read, diagnostics = Measurements.from_mapping(measurements, compiled)
        if read is None:
            raise CquinError(diagnostics)
        measurements = read
    return compiled, measurements


def _missing(indicator: CompiledIndicator) -> Diagnostic:
    return Diagnostic(
        "E610",
        f"no measurement for {key_name(indicator.key)}",
        indicator.node.span,
        "supply it, or evaluate without --strict to count it as not reported (it pays 0)",
    )


class _Walk:
    """The indicator results found while combining one goal, and whether any was reported."""

    def __init__(self, measurements: Measurements) -> None:
        self.measurements = measurements
        self.indicators: list[IndicatorResult] = []
        self.due = True
        """Whether the items walked now are due (as of the month evaluated)."""

    def items(self, items: Sequence[CompiledItem], mode: CombineMode, at_least: int | None
              ) -> tuple[Fraction, bool]:
        """The combined attainment of `items`, and whether any of them was reported."""
        scored = [(item, *self.item(item)) for item in items]
        reported = any(was_reported for _, _, was_reported in scored)
        weighed = [(item.weight, attainment) for item, attainment, _ in scored if not item.is_gate]
        gates = [attainment for item, attainment, _ in scored if item.is_gate]
        return gated(combine(mode, at_least, weighed), gates), reported

    def item(self, item: CompiledItem) -> tuple[Fraction, bool]:
        if isinstance(item, CompiledPart):
            return self.items(item.items, item.combine, item.at_least)
        return self.indicator(item)

    def indicator(self, indicator: CompiledIndicator) -> tuple[Fraction, bool]:
        measurement = self.measurements.get(indicator.key)
        status: Status
        if measurement is None:
            attainment, status = ZERO, "not reported"
        else:
            attainment = ZERO
            if indicator.rule is not None:
                attainment, _ = indicator.rule.apply(Observation.of(measurement.measured))
            status = _status(attainment)
        if not self.due:
            status = "not yet due"
        self.indicators.append(
            IndicatorResult(
                goal=indicator.goal,
                path=indicator.path,
                period=indicator.period,
                measured=measurement.measured if measurement else None,
                attainment=attainment,
                status=status,
                rule=indicator.rule_text,
                line=indicator.line,
                origin=measurement.origin if measurement else None,
            )
        )
        return attainment, measurement is not None


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
    """A goal's attainment from its periods' (in order): each weighs its share, and they
    combine by the goal's `combine`."""
    weighed = [(period.share, attainment)
               for period, attainment in zip(goal.periods, attainments, strict=True)]
    return combine(goal.combine, goal.at_least, weighed)


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


def _status(attainment: Fraction) -> Status:
    """met (1), partially met (between 0 and 1), not met (0), compared on integers."""
    if attainment.numerator >= attainment.denominator:
        return "met"
    return "partially met" if attainment.numerator > 0 else "not met"


def _earned(attainment: Fraction, available: Fraction) -> Fraction:
    """round_half_up(attainment × available) in integers: floor(100·a·available + ½)
    pennies when it is not negative; whole-penny money at attainment 0 or 1 is exact."""
    if attainment.numerator == attainment.denominator and 100 % available.denominator == 0:
        return available
    if not attainment:
        return ZERO
    numerator = attainment.numerator * available.numerator
    denominator = attainment.denominator * available.denominator
    if numerator < 0:
        return round_half_up(attainment * available)
    return Fraction((200 * numerator + denominator) // (2 * denominator), 100)


def _goal(goal: CompiledGoal, measurements: Measurements, as_of: int | None) -> GoalResult:
    walk = _Walk(measurements)
    periods: list[tuple[str, Status]] = []
    due: list[tuple[Fraction, Fraction, bool]] = []
    """(share, attainment, reported) of each period due as of the month."""
    if goal.periods:
        attainments: list[Fraction] = []
        reported = False
        for period in goal.periods:
            walk.due = as_of is None or is_due(period.name, as_of)
            attainment, period_reported = walk.items(period.items, period.combine,
                                                     period.at_least)
            attainments.append(attainment)
            reported = reported or period_reported
            status: Status = _status(attainment) if period_reported else "not reported"
            if walk.due:
                due.append((period.share, attainment, period_reported))
            else:
                status = "not yet due"
            periods.append((period.name, status))
        attainment = combine_periods(goal, attainments)
    else:
        walk.due = as_of is None or is_due("year", as_of)
        attainment, reported = walk.items(goal.items, goal.combine, goal.at_least)
        if not goal.items:
            attainment = ZERO
        if walk.due:
            due.append((ONE, attainment, reported))
    earned = _earned(attainment, goal.available)
    status = _status(attainment) if reported else "not reported"
    to_date: tuple[Fraction, Fraction] | None = None
    if as_of is not None:
        to_date, status = _to_date(goal, due, (goal.available, earned), status)
    return GoalResult(
        code=goal.code,
        title=goal.title,
        scope=goal.scope,
        domains=goal.domains,
        available=goal.available,
        attainment=attainment,
        earned=earned,
        status=status,
        indicators=tuple(walk.indicators),
        periods=tuple(periods),
        rule=goal.rule_text,
        to_date=to_date,
    )


def _to_date(
    goal: CompiledGoal,
    due: Sequence[tuple[Fraction, Fraction, bool]],
    year_end: tuple[Fraction, Fraction],
    year_end_status: Status,
) -> tuple[tuple[Fraction, Fraction], Status]:
    """A goal's (available, earned) to date and its status from the periods due so far."""
    if not due:
        return (ZERO, ZERO), "not yet due"
    if len(due) == max(len(goal.periods), 1):
        return year_end, year_end_status
    share = sum((s for s, _, _ in due), ZERO)
    earned = _weighted_sum([(s, a) for s, a, _ in due])
    status: Status = "not reported"
    if any(reported for _, _, reported in due):
        status = _status(earned / share) if share else "not reported"
    return (round_half_up(share * goal.available), _earned(earned, goal.available)), status
