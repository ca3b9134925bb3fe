"""What it would take, and what is at risk: each indicator's next payment steps, exactly.

For every indicator not fully met, its pay rule is inverted exactly, with no search
(`check/rule_inverse.py`): for each higher payment level, the least improvement that
reaches it, at a breakpoint, inside a straight line, or just beyond a strict threshold
("above 90%", `strict`).

A measurement given as a fraction (`140/200`) keeps its denominator: the target is the
least numerator out of the same denominator (how many more patients), and the attainment
is the rule's at that fraction. A lower-is-better number says how many fewer; evidence
says achieved. Periods not yet due (as of a month) are targets too.

The money a step adds is what the engine would pay: the scheme is evaluated again by the
real evaluator with the indicator moved to its target, so combine modes, gates, `at least
K`, periods, scheme gates and rounding are all respected (one more of three questions
may be worth the whole goal; one of two under `all` may add nothing on its own). The rate
of a straight line (money per percentage point, per patient, or per unit) is given when
the indicator sits on a line and every level above it combines by weight, so the goal's
money is a straight line in the value too; it is exact (before rounding to the penny).

At risk (`risks`): each goal below full payment as of the month (earned to date below
available to date; without a month, the year end), with its lead, the money at risk and
its indicators' targets; with a forecast, also each goal whose P50 falls short.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

from attrs import evolve, frozen

from ..check.rule_inverse import better_direction, counted, ladder
from ..engine.evaluate import evaluate
from ..engine.measurements import Measurement, Measurements
from ..engine.result import GoalResult, Result
from ..semantics.as_of import is_due, month_name
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
)
from ..semantics.money import exact_decimal, finite_places, money, percent_text
from ..semantics.rules import Linear, Observation
from ..syntax.model import (
    Direction,
    Evidence,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Status,
)

ONE = Fraction(1)
ZERO = Fraction(0)

TargetKind = Literal["value", "count", "achieved", "report"]


# ---- the data a report renders --------------------------------------------------------


@frozen
class Step:
    """One payment step: the indicator at `value` (or beyond it, when `strict`) attains
    `attainment`, and the scheme then earns `earned` (year end), `adds` more than now."""

    attainment: Fraction
    kind: TargetKind
    """`value` (a percent or number), `count` (a numerator out of the measured
    denominator), `achieved` (evidence), `report` (any value reported pays)."""
    value: Fraction
    """The target as a fraction of one (percent) or a number; 1 for achieved."""
    strict: bool
    """Only a value beyond `value` reaches the step (`above 90%`, `below 200`)."""
    direction: Direction
    numerator: int | None
    denominator: int | None
    earned: Fraction
    goal_earned: Fraction
    adds: Fraction
    measured: MeasuredValue
    """The measurement the money was computed with (the target, or a value just beyond)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "attainment": exact_text(self.attainment),
            "kind": self.kind,
            "value": exact_text(self.value),
            "strict": self.strict,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "earned": money(self.earned),
            "goal_earned": money(self.goal_earned),
            "adds": money(self.adds),
        }


@frozen
class Rate:
    """Money per unit along a straight line: `per` is `percentage point`, `patient` (one
    more of the measured denominator) or `unit` (of a number); exact, before rounding."""

    amount: Fraction
    per: Literal["percentage point", "patient", "unit"]
    start: Fraction
    """Where the line starts paying (as a fraction of one, or a number)."""
    end: Fraction
    """Where it pays in full."""

    def to_dict(self) -> dict[str, Any]:
        return {"amount": money(self.amount), "exact": exact_text(self.amount), "per": self.per,
                "from": exact_text(self.start), "to": exact_text(self.end)}


@frozen
class IndicatorTarget:
    """An indicator not fully met: where it stands and the steps above it, lowest first."""

    goal: str
    goal_title: str
    indicator: str
    title: str | None
    period: str
    lead: str | None
    measure: str
    direction: Direction
    due: bool
    """Whether its period is due as of the month (always, without a month)."""
    status: Status
    current: MeasuredValue | None
    attainment: Fraction
    steps: tuple[Step, ...]
    rate: Rate | None = None

    @property
    def name(self) -> str:
        return self.indicator if self.period == "year" else f"{self.indicator} {self.period}"

    @property
    def next(self) -> Step | None:
        return self.steps[0] if self.steps else None

    @property
    def full(self) -> Step | None:
        """The step to full payment, when one can be reached."""
        return self.steps[-1] if self.steps and self.steps[-1].attainment >= 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "indicator": self.indicator,
            "period": self.period,
            "title": self.title,
            "lead": self.lead,
            "measure": self.measure,
            "direction": self.direction,
            "due": self.due,
            "status": self.status,
            "measured": None if self.current is None else measured_text(self.current),
            "attainment": exact_text(self.attainment),
            "steps": [step.to_dict() for step in self.steps],
            "rate": None if self.rate is None else self.rate.to_dict(),
        }


@frozen
class Risk:
    """A goal below full payment as of the month, or forecast to fall short."""

    goal: str
    title: str
    lead: str | None
    status: Status
    available: Fraction
    """Available to date (as of a month), else for the year."""
    earned: Fraction
    at_risk: Fraction
    reasons: tuple[str, ...]
    """`below full payment`, `forecast`."""
    indicators: tuple[IndicatorTarget, ...]
    forecast_p50: Fraction | None = None
    forecast_available: Fraction | None = None

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "goal": self.goal,
            "title": self.title,
            "lead": self.lead,
            "status": self.status,
            "available": money(self.available),
            "earned": money(self.earned),
            "at_risk": money(self.at_risk),
            "reasons": list(self.reasons),
            "indicators": [f"{i.goal}.{i.name}" for i in self.indicators],
        }
        if self.forecast_p50 is not None and self.forecast_available is not None:
            document["forecast"] = {"p50": money(self.forecast_p50),
                                    "available": money(self.forecast_available)}
        return document


@frozen
class Targets:
    """What it would take (`indicators`) and what is at risk (`risks`) for one scheme."""

    scheme: str
    provider: str | None
    year: str | None
    as_of: int | None
    available: Fraction
    earned: Fraction
    available_to_date: Fraction
    earned_to_date: Fraction
    indicators: tuple[IndicatorTarget, ...]
    risks: tuple[Risk, ...]
    deemed: str | None = None
    data_files: tuple[str, ...] = ()
    forecast: str | None = None
    """`N scenarios, seed S` when the risks used a forecast."""

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "scheme": self.scheme,
            "provider": self.provider,
            "year": self.year,
            "as_of": None if self.as_of is None else month_name(self.as_of),
            "available": money(self.available),
            "earned": money(self.earned),
            "targets": [target.to_dict() for target in self.indicators],
            "at_risk": [risk.to_dict() for risk in self.risks],
        }
        if self.as_of is not None:
            document["to_date"] = {"available": money(self.available_to_date),
                                   "earned": money(self.earned_to_date)}
        if self.deemed is not None:
            document["deemed_achieved"] = self.deemed
        if self.data_files:
            document["data_files"] = list(self.data_files)
        if self.forecast is not None:
            document["forecast"] = self.forecast
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def only(self, goals: Sequence[str]) -> Targets:
        """The targets and risks of the goals named (the totals stay the scheme's)."""
        return evolve(self, indicators=tuple(t for t in self.indicators if t.goal in goals),
                      risks=tuple(r for r in self.risks if r.goal in goals))

    def target(self, name: str) -> list[IndicatorTarget]:
        """The targets of `GOAL.indicator` (every period), or of every indicator of `GOAL`."""
        code, _, rest = name.partition(".")
        return [t for t in self.indicators if t.goal == code and (not rest or t.indicator == rest)]


def exact_text(value: Fraction) -> str:
    """A number exactly: a short decimal when it has one (`0.75`), else `p/q`."""
    places = finite_places(value)
    if places is None:
        return f"{value.numerator}/{value.denominator}"
    return exact_decimal(value, places)


def measured_text(measured: MeasuredValue) -> str:
    if isinstance(measured, Ratio):
        return f"{measured.numerator}/{measured.denominator}"
    if isinstance(measured, Evidence):
        return "achieved" if measured.achieved else "not achieved"
    if isinstance(measured, PercentValue):
        return percent_text(measured.value)
    return exact_text(measured.value)


# ---- the scheme: every indicator, its steps and their money ------------------------------


def find_targets(
    compiled: CompiledScheme,
    measurements: Measurements,
    *,
    as_of: int | None = None,
    data_files: tuple[str, ...] = (),
    forecast: tuple[dict[str, Fraction], str] | None = None,
) -> Targets:
    """Every indicator not fully met with its steps, and the goals at risk (see the module
    docstring). `forecast` is each goal's P50 by code, and words saying how it was made."""
    base = evaluate(compiled, measurements, as_of=as_of, data_files=data_files)
    found: list[IndicatorTarget] = []
    gates = tuple(goal for goal in compiled.goals if goal.is_gate)
    if compiled.deemed is None:
        for goal, evaluated in zip(compiled.goals, base.goals, strict=True):
            scope = _scope(compiled, measurements, goal, gates)
            statuses = {(i.path, i.period): i.status for i in evaluated.indicators}
            for indicator in goal.indicators():
                status = statuses.get((indicator.path, indicator.period), "not reported")
                target = _indicator_target(scope, base, goal, indicator, status, as_of)
                if target is not None:
                    found.append(target)
    targets = tuple(found)
    return Targets(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        as_of=as_of,
        available=base.available,
        earned=base.earned,
        available_to_date=base.available_to_date,
        earned_to_date=base.earned_to_date,
        indicators=targets,
        risks=risks(compiled, base, targets, forecast[0] if forecast else None,
                    measurements),
        deemed=compiled.deemed,
        data_files=data_files,
        forecast=forecast[1] if forecast else None,
    )


EXPLAIN_GOAL_SIZE = 200
"""`cquin explain` adds what it would take only for schemes whose largest goal has at most
this many indicators: each step evaluates its goal again, so the cost grows with the
square of a goal's size (`cquin targets` has no such limit)."""


def targets_for_explain(compiled: CompiledScheme, measurements: Measurements,
                        as_of: int | None = None) -> Targets | None:
    """`find_targets`, or None for a scheme with a goal too large to explain cheaply."""
    if any(len(goal.indicators()) > EXPLAIN_GOAL_SIZE for goal in compiled.goals):
        return None
    return find_targets(compiled, measurements, as_of=as_of)


def _scope(compiled: CompiledScheme, measurements: Measurements, goal: CompiledGoal,
           gates: tuple[CompiledGoal, ...]) -> tuple[CompiledScheme, Measurements]:
    """What moving one of `goal`'s indicators can change: the goal with the scheme gates
    (which decide whether it pays) and their measurements; the whole scheme when the goal
    is a scheme gate itself. Evaluating only this keeps a step's cost to its goal's size."""
    if goal.is_gate:
        return compiled, measurements
    codes = {goal.code, *(gate.code for gate in gates)}
    local = Measurements(tuple((key, m) for key, m in measurements.entries if key[0] in codes))
    return evolve(compiled, goals=(goal, *gates)), local


def _indicator_target(
    scope: tuple[CompiledScheme, Measurements], base: Result, goal: CompiledGoal,
    indicator: CompiledIndicator, status: Status, as_of: int | None,
) -> IndicatorTarget | None:
    measurements = scope[1]
    rule = indicator.rule
    if rule is None:
        return None
    measurement = measurements.get(indicator.key)
    current = measurement.measured if measurement else None
    observation = Observation.of(current) if current is not None else None
    attainment = rule.apply(observation)[0] if observation is not None else ZERO
    if attainment >= 1:
        return None
    direction = better_direction(indicator)
    higher = direction == "higher"
    moves: list[tuple[Fraction, TargetKind, Fraction, bool, int | None, int | None,
                      MeasuredValue]] = []
    if indicator.measure == "evidence":
        achieved = rule.apply(Observation(ONE, None, True))[0]
        if current is None and rule.apply(Observation(ZERO, None, False))[0] > 0:
            worst = rule.apply(Observation(ZERO, None, False))[0]
            moves.append((worst, "report", ZERO, False, None, None, Evidence(False)))
        if achieved > attainment and (not moves or achieved > moves[-1][0]):
            moves.append((achieved, "achieved", ONE, False, None, None, Evidence(True)))
    else:
        denominator = current.denominator if isinstance(current, Ratio) else None
        value = observation.value if observation is not None else None
        for reach in ladder(rule, indicator.measure, direction, value, denominator):
            if reach.first:
                moves.append((reach.attainment, "report", reach.value, reach.strict, None,
                              None, _value_of(indicator.measure, reach.probe)))
            elif denominator is not None:
                count = counted(rule, reach, denominator, higher)
                if count is not None and (not moves or count[1] > moves[-1][0]):
                    counted_to, paid = count
                    moves.append((paid, "count", Fraction(counted_to, denominator), False,
                                  counted_to, denominator, Ratio(counted_to, denominator)))
            else:
                moves.append((reach.attainment, "value", reach.value, reach.strict, None,
                              None, _value_of(indicator.measure, reach.probe)))
    steps = []
    for paid, kind, target, strict, numerator, out_of, measured in moves:
        earned, goal_after = _with(scope, base, goal, indicator, measured)
        steps.append(Step(
            attainment=paid, kind=kind, value=target, strict=strict, direction=direction,
            numerator=numerator, denominator=out_of, earned=earned,
            goal_earned=goal_after.earned, adds=earned - base.earned, measured=measured,
        ))
    return IndicatorTarget(
        goal=goal.code,
        goal_title=goal.title,
        indicator=indicator.name,
        title=indicator.node.title,
        period=indicator.period,
        lead=goal.node.lead,
        measure=indicator.measure,
        direction=direction,
        due=as_of is None or is_due(indicator.period, as_of),
        status=status,
        current=current,
        attainment=attainment,
        steps=tuple(steps),
        rate=_rate(scope, base, goal, indicator, current),
    )


def _with(scope: tuple[CompiledScheme, Measurements], base: Result, goal: CompiledGoal,
          indicator: CompiledIndicator, measured: MeasuredValue
          ) -> tuple[Fraction, GoalResult]:
    """The scheme's year-end earned money, and the goal's result, with `indicator` at
    `measured`, from the evaluator (over the goal's `_scope`)."""
    compiled, measurements = scope
    result = evaluate(compiled, _moved(measurements, indicator, measured))
    found = result.goal(goal.code)
    assert found is not None
    if goal.is_gate:
        return result.earned, found
    before = base.goal(goal.code)
    assert before is not None
    return base.earned - before.earned + found.earned, found


def _value_of(measure: str, value: Fraction) -> MeasuredValue:
    return PercentValue(value) if measure == "percent" else NumberValue(value)


def _moved(measurements: Measurements, indicator: CompiledIndicator,
           measured: MeasuredValue) -> Measurements:
    """The measurements with `indicator` at `measured` (added when it was not reported)."""
    key = indicator.key
    entries = [(k, m) for k, m in measurements.entries if k != key]
    entries.append((key, Measurement(measured)))
    return Measurements(tuple(entries))


def _weighted_path(goal: CompiledGoal, indicator: CompiledIndicator) -> bool:
    """Whether every level from the indicator up to the goal combines by weight (and the
    indicator is no gate), so the goal's money is a straight line in its attainment."""
    if indicator.is_gate or goal.is_gate:
        return False

    def walk(items: Sequence[CompiledItem], mode: str) -> bool | None:
        for item in items:
            if item is indicator:
                return mode == "weighted"
            if isinstance(item, CompiledPart):
                inner = walk(item.items, item.combine)
                if inner is not None:
                    return inner and mode == "weighted"
        return None

    if goal.periods:
        return any(walk(period.items, period.combine) for period in goal.periods
                   if period.name == indicator.period)
    return bool(walk(goal.items, goal.combine))


def _rate(scope: tuple[CompiledScheme, Measurements], base: Result, goal: CompiledGoal,
          indicator: CompiledIndicator, current: MeasuredValue | None) -> Rate | None:
    """Money per percentage point, patient or unit, when the indicator's row is a straight
    line it has not yet reached the end of, and the goal's money follows it in a straight
    line: the slope of the goal's exact (unrounded) money, from the evaluator at two values
    on the line."""
    rule = indicator.rule
    if rule is None or current is None or isinstance(current, Evidence):
        return None
    if not _weighted_path(goal, indicator):
        return None
    value = current.value
    denominator = current.denominator if isinstance(current, Ratio) else None
    index = rule.apply(Observation(value, denominator))[1]
    row = rule.rows[index]
    if not isinstance(row.pays, Linear):
        return None
    line = row.pays
    if value == line.end or (value > line.end if line.start < line.end else value < line.end):
        return None
    first = line.start + (line.end - line.start) / 3
    second = line.start + (line.end - line.start) * 2 / 3
    if any(rule.apply(Observation(at, denominator))[1] != index for at in (first, second)):
        return None

    def goal_attainment(at: Fraction) -> Fraction:
        return _with(scope, base, goal, indicator, _value_of(indicator.measure, at))[1].attainment

    rise = goal_attainment(second) - goal_attainment(first)
    slope = abs(rise / (second - first)) * goal.available
    if slope == 0:
        return None
    if denominator is not None:
        return Rate(slope / denominator, "patient", line.start, line.end)
    if indicator.measure == "percent":
        return Rate(slope / 100, "percentage point", line.start, line.end)
    return Rate(slope, "unit", line.start, line.end)


# ---- at risk ----------------------------------------------------------------------------


def risks(compiled: CompiledScheme, base: Result, targets: Sequence[IndicatorTarget],
          forecast: dict[str, Fraction] | None = None,
          measurements: Measurements | None = None) -> tuple[Risk, ...]:
    """Goals below full payment as of the month (to date; the year end without a month),
    and goals whose forecast P50 falls short, each with the targets of its indicators.
    A scheme gate has no money of its own: the money it puts at risk is what the scheme
    would earn more with every indicator of the gate at full payment (given
    `measurements`, from the evaluator)."""
    if compiled.deemed is not None:
        return ()
    found: list[Risk] = []
    for goal, evaluated in zip(compiled.goals, base.goals, strict=True):
        available, earned = evaluated.to_date or (evaluated.available, evaluated.earned)
        reasons: list[str] = []
        shortfall = available - earned
        below = shortfall > 0 or (goal.is_gate and evaluated.attainment < 1
                                  and evaluated.status not in ("not yet due", "met"))
        if below:
            reasons.append("below full payment")
        p50 = forecast.get(goal.code) if forecast else None
        if p50 is not None and p50 < goal.available:
            reasons.append("forecast")
        if not reasons:
            continue
        mine = [t for t in targets if t.goal == goal.code]
        if goal.is_gate and below and measurements is not None:
            shortfall = _gate_at_risk(compiled, measurements, base, mine)
        if "forecast" not in reasons:
            mine = [t for t in mine if t.due]
        found.append(Risk(
            goal=goal.code, title=goal.title, lead=goal.node.lead, status=evaluated.status,
            available=available, earned=earned, at_risk=max(shortfall, ZERO),
            reasons=tuple(reasons), indicators=tuple(mine),
            forecast_p50=p50, forecast_available=goal.available if p50 is not None else None,
        ))
    return tuple(found)


def _gate_at_risk(compiled: CompiledScheme, measurements: Measurements, base: Result,
                  targets: Sequence[IndicatorTarget]) -> Fraction:
    """What the scheme would earn more with each of a gate's indicators at full payment."""
    moved = dict(measurements.entries)
    for target in targets:
        if target.full is not None:
            key = (target.goal, tuple(target.indicator.split(".")), target.period)
            moved[key] = Measurement(target.full.measured)
    return evaluate(compiled, Measurements(tuple(moved.items()))).earned - base.earned
