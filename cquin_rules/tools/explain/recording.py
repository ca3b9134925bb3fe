"""The trace recorded from the evaluator's own walk: `TraceRecorder` is the `Recorder` that
`evaluate` tells each step as it takes it (an indicator scored, items combined, a period,
a goal), so every attainment and combination in the trace is the one the money came from.
Only the words are added here: the rows a rule tried, with the numbers put in, and how a
linear payout or a threshold taken from the baseline resolves.
"""

from __future__ import annotations

from fractions import Fraction

from ...engine.evaluate import Group
from ...engine.measurements import Measurement
from ...engine.result import GoalResult, IndicatorResult
from ...semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledPart,
    CompiledPeriod,
    CompiledScheme,
    goal_share,
    quantity_text,
    rule_text,
    threshold_text,
)
from ...semantics.rules import CompiledRow, Linear, Observation
from ...syntax.model import Baseline, LinearPay, PayRule, Status, Threshold, ValueIs
from .explanation import GoalTrace
from .trace import (
    MINUS,
    TIMES,
    CombineTrace,
    IndicatorTrace,
    ItemTrace,
    LinearTrace,
    MoneyTrace,
    PartTrace,
    PeriodTrace,
    RowTrace,
    Term,
    level_words,
)


class TraceRecorder:
    """Builds each goal's trace from the walk's steps (an `evaluate.Recorder`).

    The walk is depth first, so the items being walked are kept as a stack of frames: each
    group's items are collected until the group is combined, when they become a part (in
    its parent's frame) or a period's or goal's items.
    """

    def __init__(self, compiled: CompiledScheme) -> None:
        self.compiled = compiled
        self.names_commissioners = any(goal.node.commissioner for goal in compiled.goals)
        self.frames: list[list[ItemTrace]] = []
        self.closed: tuple[tuple[ItemTrace, ...], CombineTrace] | None = None
        self.periods: list[PeriodTrace] = []
        self.goals: list[GoalTrace] = []
        """The goals' traces, in order, before the scheme's own rules."""

    def begin(self, group: Group) -> None:
        self.frames.append([])

    def indicator(self, indicator: CompiledIndicator, measurement: Measurement | None,
                  observation: Observation | None, row: int | None,
                  result: IndicatorResult) -> None:
        self.frames[-1].append(_indicator(indicator, measurement, observation, row, result))

    def combined(self, group: Group, combined: Fraction, attainment: Fraction) -> None:
        items = tuple(self.frames.pop())
        terms = tuple(Term(_short(item), item.weight, item.attainment)
                      for item in items if not item.is_gate)
        gates = tuple(Term(_short(item), None, item.attainment) for item in items if item.is_gate)
        trace = CombineTrace(group.combine, group.at_least, terms, combined, gates, attainment)
        if isinstance(group, CompiledPart):
            self.frames[-1].append(PartTrace(
                path=group.path,
                period=group.period,
                title=group.node.title,
                line=group.node.span.line,
                weight=group.weight,
                items=items,
                combine=trace,
            ))
        else:
            self.closed = (items, trace)

    def period(self, period: CompiledPeriod, status: Status) -> None:
        assert self.closed is not None
        items, combined = self.closed
        self.periods.append(PeriodTrace(
            name=period.name,
            share=period.share,
            line=period.node.span.line,
            items=items,
            combine=combined,
            status=status,
        ))

    def goal(self, goal: CompiledGoal, result: GoalResult, due: tuple[str, ...]) -> None:
        node = goal.node
        money_trace = MoneyTrace(
            weight=node.weight.value if node.weight is not None else None,
            value=node.value.value if node.value is not None else None,
            cquin_value=self.compiled.cquin_value,
            exact=goal_share(node, self.compiled.cquin_value),
            available=goal.available,
            gate=goal.is_gate,
        )
        items: tuple[ItemTrace, ...] = ()
        periods = tuple(self.periods)
        combined: CombineTrace | None = None
        if periods:
            terms = tuple(Term(p.name, p.share, p.attainment) for p in periods)
            combined = CombineTrace("weighted", None, terms, result.attainment, (),
                                    result.attainment)
        elif goal.items:
            assert self.closed is not None
            items, combined = self.closed
        self.goals.append(GoalTrace(
            code=goal.code,
            title=goal.title,
            scope=goal.scope,
            line=node.span.line,
            money=money_trace,
            items=items,
            periods=periods,
            combine=combined,
            attainment=result.attainment,
            status=result.status,
            to_date=result.to_date,
            commissioner=goal.commissioner if self.names_commissioners else None,
            due=due,
        ))
        self.closed = None
        self.periods = []


def _indicator(indicator: CompiledIndicator, measurement: Measurement | None,
               observation: Observation | None, matched: int | None,
               result: IndicatorResult) -> IndicatorTrace:
    rows: list[RowTrace] = []
    linear: LinearTrace | None = None
    origin: str | None = None
    if measurement is not None and measurement.origin is not None:
        origin = f"{measurement.origin.path} line {measurement.origin.line}"
    if observation is not None and indicator.rule is not None and matched is not None:
        for index, row in enumerate(indicator.rule.rows[: matched + 1]):
            rows.append(_row(indicator, row, observation, index == matched))
        paid = indicator.rule.rows[matched]
        if isinstance(paid.pays, Linear):
            linear = _linear(indicator, paid, observation.value)
    return IndicatorTrace(
        goal=indicator.goal,
        path=indicator.path,
        period=indicator.period,
        title=indicator.node.title,
        line=indicator.node.span.line,
        measure=indicator.measure,
        weight=indicator.weight,
        is_gate=indicator.is_gate,
        measured=result.measured_text,
        value=observation.value if observation is not None else None,
        origin=origin,
        rule=indicator.rule_text,
        rule_line=indicator.line,
        rows=tuple(rows),
        linear=linear,
        attainment=result.attainment,
        status=result.status,
    )


def _row(indicator: CompiledIndicator, row: CompiledRow, observation: Observation,
         matched: bool) -> RowTrace:
    pay = indicator.node.pay
    line = row.span.line if row.span else indicator.line
    if row.source is None:
        limit = row.denominator_below
        text = f"100% when denominator < {limit}"
        implied = f"minimum denominator {limit}: not assessable, pays in full"
    else:
        text = _row_words(pay, row)
        implied = None
        if pay is not None and pay.form == "when" and row.source.condition is None:
            implied = "the one-line form pays 0% otherwise"
    return RowTrace(line, text, _check(indicator, row, observation), matched, implied)


def _check(indicator: CompiledIndicator, row: CompiledRow, observation: Observation) -> str:
    """The row's condition with the actual numbers: `212 <= 200 (baseline * 80% = …)`."""
    measure = indicator.measure
    if row.comparison is not None and row.threshold is not None:
        resolution = _resolution(_condition_threshold(row), indicator, row.threshold)
        words = (
            f"{level_words(observation.value, measure)} {row.comparison} "
            f"{level_words(row.threshold, measure)}"
        )
        return f"{words} ({resolution})" if resolution else words
    if row.denominator_below is not None:
        if observation.denominator is None:
            return "no denominator was given"
        return f"denominator {observation.denominator} < {row.denominator_below}"
    if row.achieved is not None:
        said = "achieved" if observation.achieved else "not achieved"
        return f"the evidence says {said}"
    if row.reported:
        return "a measurement was supplied"
    return "otherwise"


def _linear(indicator: CompiledIndicator, row: CompiledRow, value: Fraction) -> LinearTrace:
    assert isinstance(row.pays, Linear)
    payout = row.source.payout if row.source is not None else None
    start, end = row.pays.start, row.pays.end
    start_written = payout.start if isinstance(payout, LinearPay) else None
    end_written = payout.end if isinstance(payout, LinearPay) else None
    return LinearTrace(
        value=value,
        start=start,
        end=end,
        start_text=_resolution(start_written, indicator, start)
        or level_words(start, indicator.measure),
        end_text=_resolution(end_written, indicator, end) or level_words(end, indicator.measure),
        share=(value - start) / (end - start),
        attainment=row.pays.at(value),
        measure=indicator.measure,
    )


def _short(item: ItemTrace) -> str:
    return item.path[-1]


def _row_words(pay: PayRule | None, row: CompiledRow) -> str:
    """The row as written: the one-line forms as the rulebook says them."""
    assert row.source is not None
    if pay is not None and pay.form == "linear":
        return rule_text(pay)
    return rule_text(PayRule("table", (row.source,)))


def _condition_threshold(row: CompiledRow) -> Threshold | None:
    condition = row.source.condition if row.source is not None else None
    return condition.threshold if isinstance(condition, ValueIs) else None


def _resolution(threshold: Threshold | None, indicator: CompiledIndicator, value: Fraction
                ) -> str | None:
    """`baseline * 80% = 250 × 80% = 200` for a threshold taken from the baseline."""
    if not isinstance(threshold, Baseline):
        return None
    baseline = indicator.node.baseline
    level = level_words(value, indicator.measure)
    written = threshold_text(threshold)
    if baseline is None or threshold.operator == "" or threshold.operand is None:
        return f"{written} = {level}"
    operator = {"+": "+", "-": MINUS, "*": TIMES}[threshold.operator]
    base = quantity_text(baseline.value)
    return f"{written} = {base} {operator} {quantity_text(threshold.operand)} = {level}"


