"""The checks of a rulebook's `example` blocks (section 11): E103 for an example that
names an unknown goal, indicator, part path or period, and a value of the wrong kind for
the indicator's measure, each at its line, with the paths the goal does have as a hint.
"""

from __future__ import annotations

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..syntax.model import (
    Evidence,
    ExampleInput,
    ExpectMoney,
    ExpectStatus,
    Goal,
    Indicator,
    Item,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Period,
    Ratio,
    Scheme,
    Target,
    find_item,
    walk_indicators,
)


def check_examples(scheme: Scheme) -> list[Diagnostic]:
    goals: dict[str, Goal] = {}
    for goal in scheme.goals:
        goals.setdefault(goal.code, goal)
    found: list[Diagnostic] = []
    for example in scheme.examples:
        for given in example.inputs:
            found += _example_input(goals, given)
        for expectation in example.expectations:
            if isinstance(expectation, ExpectMoney):
                if isinstance(expectation.target, Target):
                    found += _target(goals, expectation.target, expectation.span, "goal")
            else:
                assert isinstance(expectation, ExpectStatus)
                found += _target(goals, expectation.target, expectation.span, "any")
    return found


def _example_input(goals: dict[str, Goal], given: ExampleInput) -> list[Diagnostic]:
    found = _target(goals, given.target, given.span, "indicator")
    if found:
        return found
    indicator = _find(goals[given.target.goal], given.target)
    assert isinstance(indicator, Indicator)
    measure = indicator.measure_kind
    if not _fits(given.measured, measure):
        found.append(Diagnostic(
            "E408", f"{given.target} is measured as "
            f"{'evidence' if measure == 'evidence' else 'a ' + measure}, so "
            f"{_describe(given.measured)} does not fit it", given.span,
            {"percent": "write a percentage (68%) or a fraction (136/200)",
             "number": "write a plain number, e.g. 212",
             "evidence": "write achieved or not achieved"}[measure],
        ))
    return found


def _fits(value: MeasuredValue, measure: str) -> bool:
    if measure == "percent":
        return isinstance(value, (PercentValue, Ratio))
    if measure == "number":
        return isinstance(value, NumberValue)
    return isinstance(value, Evidence)


def _describe(value: MeasuredValue) -> str:
    if isinstance(value, Evidence):
        return "`achieved`" if value.achieved else "`not achieved`"
    if isinstance(value, Ratio):
        return "a fraction"
    return "a percentage" if isinstance(value, PercentValue) else "a plain number"


def _find(goal: Goal, target: Target) -> Item | Goal | Period | None:
    """What a target names: the goal, a period, or an item along its path."""
    items: tuple[Item, ...] = goal.items
    found: Item | Goal | Period = goal
    if goal.periods and target.period is not None:
        period = next((p for p in goal.periods if p.name == target.period), None)
        if period is None:
            return None
        items, found = period.items, period
    return find_item(items, target.path) if target.path else found


def _target(goals: dict[str, Goal], target: Target, span: Span, wants: str) -> list[Diagnostic]:
    """E103 when an example's target names nothing in the scheme, or the wrong thing."""
    goal = goals.get(target.goal)
    if goal is None:
        known = ", ".join(goals) or "none"
        return [Diagnostic("E103", f"there is no goal {target.goal}", span,
                           f"the goals are: {known}")]
    periods = [p.name for p in goal.periods]
    if goal.periods:
        if target.period is None and target.path:
            return [Diagnostic(
                "E103", f"goal {goal.code} is measured by period, but {target} names none",
                span, f"add the period, e.g. `{target} {periods[0]}` "
                f"(its periods: {', '.join(periods)})",
            )]
        if target.period is not None and target.period not in periods:
            return [Diagnostic(
                "E103", f"goal {goal.code} has no period {target.period}", span,
                f"its periods are: {', '.join(periods)}",
            )]
    elif target.period not in (None, "year"):
        return [Diagnostic(
            "E103", f"goal {goal.code} is assessed on the year, not by period, so "
            f"{target} names a period it does not have", span,
            f"write `{'.'.join((target.goal, *target.path))}` without a period",
        )]
    named = _find(goal, target)
    if named is None:
        return [Diagnostic(
            "E103", f"goal {goal.code} has no indicator {'.'.join(target.path)}"
            + (f" in period {target.period}" if goal.periods else ""), span,
            _paths_hint(goal, target.period),
        )]
    if wants == "indicator" and not isinstance(named, Indicator):
        return [Diagnostic(
            "E103", f"{target} is not an indicator, so it cannot be given a value", span,
            _paths_hint(goal, target.period),
        )]
    if wants == "goal" and target.path:
        return [Diagnostic(
            "E103", f"{target} is not a goal: money is expected of a goal or a total", span,
            f"write `expect {goal.code} = £X`",
        )]
    return []


def _paths_hint(goal: Goal, period: str | None) -> str:
    items = goal.items
    if goal.periods:
        chosen = next((p for p in goal.periods if p.name == period), goal.periods[0])
        items = chosen.items
    names = [".".join((goal.code, *path)) for path, _ in walk_indicators(items)]
    return f"its indicators are: {', '.join(names)}" if names else "it has no indicators"

