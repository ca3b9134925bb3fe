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
- As of a month (`as_of`, section 6): a period not due yet (`as_of.is_due`), and every
  indicator in it, reads "not yet due"; a goal none of whose periods is due reads "not
  yet due", otherwise the status of Σ shareₚ × attainmentₚ ÷ Σ shareₚ over the due
  periods. The year-end money is unchanged; the to-date money is available × Σ shareₚ
  and available × Σ shareₚ × attainmentₚ over the due periods, each rounded half up
  (all periods due: exactly the year-end figures).
- The walk can be watched: an optional `Recorder` is told each step as it is taken (an
  indicator scored, a group of items combined, a period, a goal), so `explain` records
  its trace from this one walk instead of walking the tree again. Without a recorder the
  walk pays only a `None` check per step.
- As of a month under `deemed achieved`: the goal reads "deemed met" (the year end is
  deemed met whatever is measured) and its to-date earned is its to-date available; a
  period not yet due, and its indicators, still read "not yet due" (no money has fallen
  due for it). Under a scheme gate the year-end money follows the gates' year-end
  attainment as above; the to-date figures and statuses follow the gates as of the month:
  a gate none of whose periods is due shuts nothing yet, a gate due and not met to date
  (or not reported) leaves every other goal not met, £0.00 to date (a goal with nothing
  due still reads "not yet due").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Protocol

from attrs import evolve

from ..base.diagnostics import CquinError, Diagnostic
from ..semantics.as_of import is_due
from ..semantics.combine import combine, combine_periods, gated
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledPeriod,
    CompiledScheme,
    compile_scheme,
    key_name,
)
from ..semantics.money import round_half_up
from ..semantics.rules import Observation
from ..syntax.model import Scheme, Status
from .measurements import Measurement, Measurements
from .result import GoalResult, IndicatorResult, Result

ONE = Fraction(1)
ZERO = Fraction(0)

Group = CompiledGoal | CompiledPeriod | CompiledPart
"""Whatever combines items by a mode: a goal without periods, a period, a part."""


class Recorder(Protocol):
    """Told each step of the evaluator's walk as it is taken, in walk order (depth first,
    rulebook order), with the numbers the walk itself found; `explain` builds its trace
    from these so it never walks the compiled tree a second time."""

    def begin(self, group: Group) -> None:
        """The items of `group` are about to be walked."""

    def indicator(self, indicator: CompiledIndicator, measurement: Measurement | None,
                  observation: Observation | None, row: int | None,
                  result: IndicatorResult) -> None:
        """An indicator was scored: `row` is the index of the rule's row that paid (None when
        it was not reported, or its rule could not be compiled)."""

    def combined(self, group: Group, combined: Fraction, attainment: Fraction) -> None:
        """`group`'s items combined by its mode to `combined`; after its gates, `attainment`."""

    def period(self, period: CompiledPeriod, status: Status) -> None:
        """A period's items were combined (just told) and gave it `status`."""

    def goal(self, goal: CompiledGoal, result: GoalResult, due: tuple[str, ...]) -> None:
        """A goal was walked: `result` before the scheme's own rules (gates, `deemed
        achieved`); `due` its periods due as of the month (`year` for a goal without)."""


def evaluate(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
    *,
    strict: bool = False,
    path: str = "<text>",
    as_of: int | None = None,
    data_files: tuple[str, ...] = (),
    recorder: Recorder | None = None,
) -> Result:
    """The money each goal earns for `measurements` (see the module docstring).

    A plain mapping (`{"FLU.uptake": "68%"}`) is read with `Measurements.from_mapping`;
    CquinError is raised when it has errors, or in strict mode when a measurement is
    missing (E610 at the indicator, said of the rulebook at `path`). `as_of` is a
    contract month (1 = April; `as_of.as_of_month` reads `M6` or `Q2`); `data_files`
    names the files the measurements came from, in order, for the reports; `recorder` is
    told each step of the walk (see `Recorder`).
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
    goals = tuple(_goal(goal, measurements, as_of, recorder) for goal in compiled.goals)
    if compiled.deemed is not None:
        goals = tuple(deemed_met(goal) for goal in goals)
    else:
        gates = [goal for goal in goals if goal.is_gate]
        year_shut = not gates_open(gates)
        to_date_shut = as_of is not None and not gates_open_to_date(gates)
        if year_shut or to_date_shut:
            goals = tuple(goal if goal.is_gate else gated_shut(goal, year_shut, to_date_shut)
                          for goal in goals)
    return Result(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        cquin_value=compiled.cquin_value,
        goals=goals,
        commissioners=compiled.commissioners,
        deemed=compiled.deemed,
        names_commissioners=any(goal.node.commissioner for goal in compiled.goals),
        as_of=as_of,
        data_files=data_files,
    )


def gates_open(gates: Iterable[GoalResult]) -> bool:
    """Whether every scheme gate is met (attainment 1), so the other goals may pay."""
    return all(gate.attainment >= 1 for gate in gates)


def gates_open_to_date(gates: Iterable[GoalResult]) -> bool:
    """Whether, as of the month evaluated, no scheme gate has shut the scheme: each is met
    over its periods due so far, or has none due yet (its to-date status)."""
    return all(gate.status in ("met", "not yet due") for gate in gates)


def gated_shut(goal: GoalResult, year_end: bool = True, to_date: bool = False) -> GoalResult:
    """A goal under a scheme gate that is not met: not met, £0.00. `year_end` shuts the
    year-end money, `to_date` the to-date money and status (as of a month, the status is
    the to-date one; a goal with nothing due yet stays "not yet due")."""
    if year_end:
        goal = evolve(goal, attainment=ZERO, earned=ZERO)
        if goal.to_date is None:
            goal = evolve(goal, status="not met")
    if to_date and goal.to_date is not None:
        status: Status = goal.status if goal.status == "not yet due" else "not met"
        goal = evolve(goal, to_date=(goal.to_date[0], ZERO), status=status)
    return goal


def deemed_met(goal: GoalResult) -> GoalResult:
    """A goal under `deemed achieved`: met in full; its indicators keep what they measured
    (value and attainment, shown for information) and read deemed met. As of a month, its
    to-date earned is its to-date available, and what is not yet due still reads so."""
    deemed: Status = "deemed met"

    def status(old: Status) -> Status:
        return old if old == "not yet due" else deemed

    indicators = tuple(evolve(indicator, status=status(indicator.status))
                       for indicator in goal.indicators)
    periods = tuple((name, status(old)) for name, old in goal.periods)
    to_date = (goal.to_date[0], goal.to_date[0]) if goal.to_date is not None else None
    return evolve(goal, attainment=ONE, earned=goal.available, status=deemed,
                  indicators=indicators, periods=periods, to_date=to_date)


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

    def __init__(self, measurements: Measurements, recorder: Recorder | None) -> None:
        self.measurements = measurements
        self.recorder = recorder
        self.indicators: list[IndicatorResult] = []
        self.due = True
        """Whether the items walked now are due (as of the month evaluated)."""

    def items(self, group: Group) -> tuple[Fraction, bool]:
        """The combined attainment of `group`'s items, and whether any of them was reported."""
        if self.recorder is not None:
            self.recorder.begin(group)
        scored = [(item, *self.item(item)) for item in group.items]
        reported = any(was_reported for _, _, was_reported in scored)
        weighed = [(item.weight, attainment) for item, attainment, _ in scored if not item.is_gate]
        gates = [attainment for item, attainment, _ in scored if item.is_gate]
        combined = combine(group.combine, group.at_least, weighed)
        attainment = gated(combined, gates)
        if self.recorder is not None:
            self.recorder.combined(group, combined, attainment)
        return attainment, reported

    def item(self, item: CompiledItem) -> tuple[Fraction, bool]:
        if isinstance(item, CompiledPart):
            return self.items(item)
        return self.indicator(item)

    def indicator(self, indicator: CompiledIndicator) -> tuple[Fraction, bool]:
        measurement = self.measurements.get(indicator.key)
        status: Status
        observation: Observation | None = None
        row: int | None = None
        if measurement is None:
            attainment, status = ZERO, "not reported"
        else:
            attainment = ZERO
            if indicator.rule is not None:
                observation = Observation.of(measurement.measured)
                attainment, row = indicator.rule.apply(observation)
            status = _status(attainment)
        if not self.due:
            status = "not yet due"
        result = IndicatorResult(
            goal=indicator.goal,
            path=indicator.path,
            period=indicator.period,
            measured=measurement.measured if measurement else None,
            attainment=attainment,
            status=status,
            rule=indicator.rule_text,
            line=indicator.line,
            rule_rows=indicator.rule_rows,
            origin=measurement.origin if measurement else None,
            title=indicator.node.title,
            definition=indicator.node.definition,
            data_source=indicator.node.source,
            note=measurement.note if measurement else None,
        )
        self.indicators.append(result)
        if self.recorder is not None:
            if measurement is not None and observation is None:
                observation = Observation.of(measurement.measured)
            self.recorder.indicator(indicator, measurement, observation, row, result)
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


def _goal(goal: CompiledGoal, measurements: Measurements, as_of: int | None,
          recorder: Recorder | None = None) -> GoalResult:
    walk = _Walk(measurements, recorder)
    periods: list[tuple[str, Status]] = []
    due: list[tuple[Fraction, Fraction, bool]] = []
    """(share, attainment, reported) of each period due as of the month."""
    if goal.periods:
        attainments: list[Fraction] = []
        reported = False
        for period in goal.periods:
            walk.due = as_of is None or is_due(period.name, as_of)
            attainment, period_reported = walk.items(period)
            attainments.append(attainment)
            reported = reported or period_reported
            status: Status = _status(attainment) if period_reported else "not reported"
            if walk.due:
                due.append((period.share, attainment, period_reported))
            else:
                status = "not yet due"
            periods.append((period.name, status))
            if recorder is not None:
                recorder.period(period, status)
        attainment = combine_periods(goal, attainments)
    else:
        walk.due = as_of is None or is_due("year", as_of)
        attainment, reported = walk.items(goal)
        if not goal.items:
            attainment = ZERO
        if walk.due:
            due.append((ONE, attainment, reported))
    earned = _earned(attainment, goal.available)
    status = _status(attainment) if reported else "not reported"
    to_date: tuple[Fraction, Fraction] | None = None
    if as_of is not None:
        to_date, status = _to_date(goal, due, (goal.available, earned), status)
    result = GoalResult(
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
        is_gate=goal.is_gate,
        commissioner=goal.commissioner,
        lead=goal.node.lead,
        rationale=goal.node.rationale,
        negotiation=goal.node.status,
    )
    if recorder is not None:
        names = [period.name for period in goal.periods] or ["year"]
        recorder.goal(goal, result, () if as_of is None else tuple(
            name for name in names if is_due(name, as_of)))
    return result


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
    earned = combine("weighted", None, [(s, a) for s, a, _ in due])
    status: Status = "not reported"
    if any(reported for _, _, reported in due):
        status = _status(earned / share) if share else "not reported"
    return (round_half_up(share * goal.available), _earned(earned, goal.available)), status
