"""Boundary examples (`cquin examples --boundaries`): every threshold made tangible.

For each indicator, every value at which its rule changes what it pays (a row's
threshold, a straight line's two ends) is tried just below, at and just above, and
written as an `example` block with the exact money the evaluator gives, ready to paste
into the rulebook. Decisions:

- "Just below" and "just above" are the nearest values the writer of a return could
  give: for a percent, one step of 0.1 percentage points (or, for a threshold written
  with more decimal places, one unit in its last place: 62.55% gives 62.54% and 62.56%);
  for a number, the whole numbers either side (a threshold of 212.5 gives 212 and 213;
  of 200, 199 and 201). A threshold with no exact decimal (a third of a baseline) is
  met "at" as a fraction, `1/3`, for a percent, and skipped "at" for a number.
- Values a return cannot hold (below 0%, above 100%, a negative number) are left out.
- Evidence has no threshold: its two examples are `achieved` and `not achieved`.
- A `denominator < N` row (or `minimum denominator N`) is tried with none of N - 1
  (`0/19`: too few to assess) and none of N (`0/20`: assessed, and failed).
- So that the money moves only with the indicator tried, every other indicator of its
  goal, and of every scheme gate, is given a value that meets it in full (found the same
  way, from its own thresholds); other goals are left unmeasured.
- Each example expects the goal's money and the indicator's status, as evaluated.
"""

from __future__ import annotations

import math
from fractions import Fraction

from attrs import frozen

from ..semantics.compile import CompiledGoal, CompiledIndicator, CompiledScheme, key_name
from ..semantics.money import as_written, finite_places, percent_as_written
from ..semantics.rules import Linear, Observation
from ..syntax import printer
from ..syntax.formatter import format_text
from ..syntax.model import (
    Evidence,
    Example,
    ExampleInput,
    ExpectMoney,
    ExpectStatus,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Target,
)
from .examples import run_example

PERCENT_STEP = Fraction(1, 1000)
"""0.1 percentage points: the coarsest step a percent is tried by either side of a threshold."""


@frozen
class Trial:
    """One value to try an indicator at, and why: `just below 60%`."""

    value: MeasuredValue
    why: str


def thresholds(indicator: CompiledIndicator) -> list[Fraction]:
    """The values at which the indicator's rule changes what it pays, in order."""
    if indicator.rule is None:
        return []
    found: set[Fraction] = set()
    for row in indicator.rule.rows:
        if row.threshold is not None:
            found.add(row.threshold)
        if isinstance(row.pays, Linear):
            found.update((row.pays.start, row.pays.end))
    return sorted(found)


def trials(indicator: CompiledIndicator) -> list[Trial]:
    """Just below, at and just above each threshold (see the module docstring); the same
    value reached from two thresholds is tried once, with both reasons."""
    if indicator.measure == "evidence":
        return [Trial(Evidence(True), "achieved"), Trial(Evidence(False), "not achieved")]
    percent = indicator.measure == "percent"
    found: dict[Fraction, list[str]] = {}
    written: dict[Fraction, MeasuredValue] = {}
    for threshold in thresholds(indicator):
        said = percent_as_written(threshold) if percent else as_written(threshold)
        step = _step(threshold, percent)
        below = (math.ceil(threshold / step) - 1) * step
        above = (math.floor(threshold / step) + 1) * step
        for value, why in ((below, f"just below {said}"), (threshold, f"at {said}"),
                           (above, f"just above {said}")):
            measured = _measured(value, percent)
            if measured is None:
                continue
            found.setdefault(value, []).append(why)
            written[value] = measured
    tried = [Trial(written[value], " and ".join(found[value])) for value in sorted(found)]
    return tried + _denominators(indicator) if percent else tried


def _denominators(indicator: CompiledIndicator) -> list[Trial]:
    """For a `denominator < N` row (or `minimum denominator N`): none of N - 1 and none
    of N, the smallest return the row takes and the smallest it does not."""
    limits = sorted({row.denominator_below for row in indicator.rule.rows
                     if row.denominator_below is not None} if indicator.rule else set())
    found: list[Trial] = []
    for limit in limits:
        if limit > 1:
            found.append(Trial(Ratio(0, limit - 1), f"a denominator just below {limit}"))
        if limit > 0:
            found.append(Trial(Ratio(0, limit), f"a denominator of {limit}"))
    return found


def _step(threshold: Fraction, percent: bool) -> Fraction:
    """The smallest step a return would be written in, near this threshold."""
    if not percent:
        return Fraction(1)
    places = finite_places(threshold * 100)
    if places is None or places <= 1:
        return PERCENT_STEP
    return Fraction(1, 100 * 10**places)


def _measured(value: Fraction, percent: bool) -> MeasuredValue | None:
    """The value as a return writes it; None when a return cannot hold it."""
    if value < 0 or (percent and value > 1):
        return None
    if finite_places(value * (100 if percent else 1)) is None:
        if percent:
            return Ratio(value.numerator, value.denominator)
        return None
    return PercentValue(value) if percent else NumberValue(value)


def full_marks(indicator: CompiledIndicator) -> MeasuredValue | None:
    """A value that meets the indicator in full, found among its own trials and the ends
    of its range; None when no value does."""
    if indicator.rule is None:
        return None
    candidates = [trial.value for trial in trials(indicator)]
    if indicator.measure == "percent":
        candidates += [PercentValue(Fraction(1)), PercentValue(Fraction(0))]
    elif indicator.measure == "number":
        candidates.append(NumberValue(Fraction(0)))
    lower = indicator.node.direction is not None and indicator.node.direction.value == "lower"
    candidates.sort(key=lambda value: Observation.of(value).value, reverse=not lower)
    for value in candidates:
        attainment, _ = indicator.rule.apply(Observation.of(value))
        if attainment == 1:
            return value
    return None


def boundary_examples(compiled: CompiledScheme, goal: str | None = None) -> list[Example]:
    """The boundary examples of every goal (or of `goal`), with expectations evaluated on
    `compiled`; a value a return would refuse is left out."""
    gates = [g for g in compiled.goals if g.is_gate]
    examples: list[Example] = []
    for chosen in compiled.goals:
        if goal is not None and chosen.code != goal:
            continue
        for indicator in chosen.indicators():
            for trial in trials(indicator):
                example = _example(compiled, chosen, gates, indicator, trial)
                if example is not None:
                    examples.append(example)
    return examples


def _target(indicator: CompiledIndicator) -> Target:
    period = None if indicator.period == "year" else indicator.period
    return Target(indicator.goal, indicator.path, period)


def _example(compiled: CompiledScheme, goal: CompiledGoal, gates: list[CompiledGoal],
             tried: CompiledIndicator, trial: Trial) -> Example | None:
    inputs = [ExampleInput(_target(tried), trial.value)]
    others = [i for g in (goal, *gates) for i in g.indicators()]
    seen = {tried.key}
    for other in others:
        if other.key in seen:
            continue
        seen.add(other.key)
        value = full_marks(other)
        if value is not None:
            inputs.append(ExampleInput(_target(other), value))
    name = f"{key_name(tried.key)} = {printer.measured(trial.value)}"
    if trial.why != printer.measured(trial.value):
        name += f": {trial.why}"
    outcome = run_example(compiled, Example(name, tuple(inputs)))
    if outcome.result is None:
        return None
    result = outcome.result.goal(goal.code)
    assert result is not None
    found = result.indicator(tried.path, tried.period)
    assert found is not None
    expectations = (
        ExpectMoney(Target(goal.code), result.earned),
        ExpectStatus(_target(tried), found.status),
    )
    return Example(name, tuple(inputs), expectations)


def boundary_text(compiled: CompiledScheme, goal: str | None = None) -> str:
    """The boundary examples in the canonical layout, ready to paste at the end of the
    rulebook (empty when there are none)."""
    examples = boundary_examples(compiled, goal)
    if not examples:
        return ""
    blocks = ["\n".join(printer.example_lines(example)) for example in examples]
    text = 'scheme "boundaries" {\n}\n\n' + "\n\n".join(blocks) + "\n"
    formatted, diagnostics = format_text(text)
    if formatted is None:
        raise ValueError(f"the boundary examples do not parse: {diagnostics}")
    start = formatted.index("\nexample ") + 1
    return formatted[start:]
