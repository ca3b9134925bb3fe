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
- A goal with period blocks combines each period's items by the period's `combine`, or
  the goal's when the period has none (`compile` settles which); the periods always
  combine by their shares: the sum of share x period attainment (section 6).
- Goal earned = attainment x available, rounded to the penny, half up; totals are sums
  of goal lines (see `result.Result`).
- Status: met (1), partially met (between 0 and 1), not met (0); "not reported" for an
  indicator with no measurement, and for a goal (or period) none of whose indicators
  has one. A rule that could not be compiled (a scheme with errors) attains 0.
- A scheme gate (a goal marked `gate`) is evaluated like any goal but carries no money;
  unless every scheme gate's attainment is 1, every other goal attains 0: not met, £0.00
  (its indicators keep their own statuses, so the report shows what was achieved).
- Under `deemed achieved` every goal, period and indicator is "deemed met"; each goal
  has attainment 1 and pays its available money in full. Measurements are kept and
  shown (an indicator keeps its measured attainment) but change no money; nothing is
  "not reported", and `strict` asks for none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from attrs import evolve

from ..base.diagnostics import CquinError, Diagnostic
from ..semantics.combine import combine, combine_periods, gated
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
    compile_scheme,
    key_name,
)
from ..semantics.money import round_half_up
from ..semantics.rules import Observation
from ..syntax.model import CombineMode, Scheme, Status
from .measurements import Measurements
from .result import GoalResult, IndicatorResult, Result

ONE = Fraction(1)
ZERO = Fraction(0)


def evaluate(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
    *,
    strict: bool = False,
    path: str = "<text>",
) -> Result:
    """The money each goal earns for `measurements` (see the module docstring).

    A plain mapping (`{"FLU.uptake": "68%"}`) is read with `Measurements.from_mapping`;
    CquinError is raised when it has errors, or in strict mode when a measurement is
    missing (E610 at the indicator, said of the rulebook at `path`).
    """
    compiled, measurements = evaluation_inputs(scheme_or_compiled, measurements)
    if strict and compiled.deemed is None:
        missing = [
            _missing(indicator).at(path)
            for indicator in compiled.indicators()
            if indicator.key not in measurements
        ]
        if missing:
            raise CquinError(missing)
    goals = tuple(_goal(goal, measurements) for goal in compiled.goals)
    if compiled.deemed is not None:
        goals = tuple(deemed_met(goal) for goal in goals)
    elif not gates_open(goal for goal in goals if goal.is_gate):
        goals = tuple(goal if goal.is_gate else gated_shut(goal) for goal in goals)
    return Result(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        cquin_value=compiled.cquin_value,
        goals=goals,
        commissioners=compiled.commissioners,
        deemed=compiled.deemed,
        names_commissioners=any(goal.node.commissioner for goal in compiled.goals),
    )


def gates_open(gates: Iterable[GoalResult]) -> bool:
    """Whether every scheme gate is met (attainment 1), so the other goals may pay."""
    return all(gate.attainment >= 1 for gate in gates)


def gated_shut(goal: GoalResult) -> GoalResult:
    """A goal under a scheme gate that is not met: not met, £0.00."""
    return evolve(goal, attainment=ZERO, earned=ZERO, status="not met")


def deemed_met(goal: GoalResult) -> GoalResult:
    """A goal under `deemed achieved`: met in full; its indicators keep what they measured
    (value and attainment, shown for information) and read deemed met."""
    indicators = tuple(evolve(indicator, status="deemed met") for indicator in goal.indicators)
    deemed: Status = "deemed met"
    periods = tuple((name, deemed) for name, _ in goal.periods)
    return evolve(goal, attainment=ONE, earned=goal.available, status="deemed met",
                  indicators=indicators, periods=periods)


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
                rule_rows=indicator.rule_rows,
            )
        )
        return attainment, measurement is not None


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


def _goal(goal: CompiledGoal, measurements: Measurements) -> GoalResult:
    walk = _Walk(measurements)
    periods: list[tuple[str, Status]] = []
    if goal.periods:
        attainments: list[Fraction] = []
        reported = False
        for period in goal.periods:
            attainment, period_reported = walk.items(period.items, period.combine,
                                                     period.at_least)
            attainments.append(attainment)
            reported = reported or period_reported
            periods.append(
                (period.name, _status(attainment) if period_reported else "not reported")
            )
        attainment = combine_periods(goal, attainments)
    else:
        attainment, reported = walk.items(goal.items, goal.combine, goal.at_least)
        if not goal.items:
            attainment = ZERO
    return GoalResult(
        code=goal.code,
        title=goal.title,
        scope=goal.scope,
        domains=goal.domains,
        available=goal.available,
        attainment=attainment,
        earned=_earned(attainment, goal.available),
        status=_status(attainment) if reported else "not reported",
        indicators=tuple(walk.indicators),
        periods=tuple(periods),
        rule=goal.rule_text,
        is_gate=goal.is_gate,
        commissioner=goal.commissioner,
    )
