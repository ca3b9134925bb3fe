"""Why each number in a result is what it is: a trace a finance officer can recompute.

The trace is recorded by the evaluator's own walk (`recording.TraceRecorder`, the optional
recorder `evaluate.evaluate` tells each step as it takes it), never by a second walk of
the compiled tree: each rule's row that paid, each combination of items and periods and
their gates, each goal's attainment, are the very numbers the money came from. Only the
words are added (`trace`, `explanation`), with the goal's money before the penny split
(`compile.goal_share`) and, last, the scheme's own rules (`deemed achieved`, a scheme gate)
as `evaluate` applied them. Every number in `to_dict()` is exact (see `trace`).
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import evolve

from ...engine.evaluate import evaluate, evaluation_inputs
from ...engine.measurements import Measurements
from ...engine.result import GoalResult
from ...semantics.compile import CompiledScheme
from ...semantics.money import cquin_value_exact, pounds
from ...syntax.model import Pounds, Scheme
from ..targets import targets_for_explain
from .explanation import Explanation, GoalTrace
from .recording import TraceRecorder
from .trace import ONE, ZERO, IndicatorTrace, ItemTrace, share_words, unrounded_pounds

__all__ = ["Explanation", "GoalTrace", "IndicatorTrace", "explain"]


def explain(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
    *,
    as_of: int | None = None,
) -> Explanation:
    """The trace of evaluating `measurements`, recorded as `evaluate` evaluates them.

    A plain mapping is read as `evaluate` reads it (CquinError when it has errors).
    `as_of` (a contract month) adds the to-date figures, as `evaluate` gives them.
    """
    compiled, measurements = evaluation_inputs(scheme_or_compiled, measurements)
    recorder = TraceRecorder(compiled)
    result = evaluate(compiled, measurements, as_of=as_of, recorder=recorder)
    goals = tuple(_settled(goal, evaluated)
                  for goal, evaluated in zip(recorder.goals, result.goals, strict=True))
    return Explanation(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        cquin_value=compiled.cquin_value,
        cquin_text=_cquin_text(compiled),
        goals=_scheme_rules(compiled, goals),
        by_commissioner=tuple(result.by_commissioner()),
        as_of=as_of,
        targets=targets_for_explain(compiled, measurements, as_of),
    )


def _settled(goal: GoalTrace, evaluated: GoalResult) -> GoalTrace:
    """The goal's trace with the statuses `evaluate` settled on once the scheme's own rules
    were applied (under `deemed achieved` every indicator and period reads deemed met). The
    evaluated indicators come in walk order, which is the trace's order."""
    statuses = iter(indicator.status for indicator in evaluated.indicators)
    periods = dict(evaluated.periods)

    def settle(item: ItemTrace) -> ItemTrace:
        if isinstance(item, IndicatorTrace):
            return evolve(item, status=next(statuses))
        return evolve(item, items=tuple(settle(child) for child in item.items))

    items = tuple(settle(item) for item in goal.items)
    settled = tuple(evolve(period, items=tuple(settle(item) for item in period.items),
                           status=periods[period.name])
                    for period in goal.periods)
    return evolve(goal, items=items, periods=settled, status=evaluated.status,
                  to_date=evaluated.to_date)


def _scheme_rules(compiled: CompiledScheme, goals: tuple[GoalTrace, ...]
                  ) -> tuple[GoalTrace, ...]:
    """The goals' traces with the scheme's own rules applied, as `evaluate` applies them:
    `deemed achieved` pays every goal in full; a scheme gate not met pays no goal. As of a
    month the to-date money follows the gates as of that month (`evaluate`'s decisions);
    each trace's status is already the evaluated one."""
    if compiled.deemed is not None:
        words = (f'deemed achieved ("{compiled.deemed}"): deemed met in full, whatever was '
                 "measured")
        return tuple(evolve(goal, attainment=ONE, status="deemed met", scheme_rule=words,
                            to_date_rule="deemed achieved, so everything due is earned in "
                            "full" if goal.to_date is not None else None)
                     for goal in goals)
    gates = [goal for goal in goals if goal.money.gate]
    shut = [gate.code for gate in gates if gate.attainment < 1]
    shut_to_date = [gate.code for gate in gates if gate.to_date is not None
                    and gate.status not in ("met", "not yet due")]
    traced: list[GoalTrace] = []
    for goal in goals:
        if goal.money.gate:
            goal = evolve(goal, scheme_rule="a scheme gate: unless it is met, no goal pays")
        else:
            if shut:
                when = "" if goal.to_date is None else " over the year as measured"
                goal = evolve(goal, attainment=ZERO,
                              scheme_rule=f"the scheme gate {', '.join(shut)} is not met{when}, "
                              "so no goal pays")
            if shut_to_date:
                goal = evolve(goal, to_date_rule=f"the scheme gate {', '.join(shut_to_date)} "
                              "is not met to date, so no goal has earned anything to date")
        traced.append(goal)
    return tuple(traced)


def _cquin_text(compiled: CompiledScheme) -> str:
    header = compiled.scheme.header
    located = header.cquin_value
    if located is None:
        return f"not given: {pounds(compiled.cquin_value)}"
    amount = located.value
    if isinstance(amount, Pounds):
        return f"{pounds(compiled.cquin_value)} as written"
    base_name, base = (
        ("outturn value", header.outturn_value)
        if header.outturn_value is not None
        else ("contract value", header.contract_value)
    )
    exact = cquin_value_exact(header) or ZERO
    words = f"{share_words(amount.share)} of {base_name} "
    words += f"{pounds(base.value) if base else '(not given)'} = {unrounded_pounds(exact)}"
    if exact != compiled.cquin_value:
        words += f", rounded half up to the penny: {pounds(compiled.cquin_value)}"
    return words


