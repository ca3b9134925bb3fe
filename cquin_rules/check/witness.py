"""What the checker proves, as measurements anyone can evaluate.

A clean check promises that every goal can be paid in full (E409, section 9). `witnesses`
backs the promise with evidence: from the same traces the checker reasons over
(`rule_analysis.trace`, every payment a rule makes at every breakpoint and between them),
it picks for each indicator the measurement its rule pays most for, and the one it pays
least for. Each item is measured on its own and every combine mode and gate is monotone,
so the set of best measurements pays each goal the most it can earn: in full when the
check is clean. The set of worst ones pays nothing (an indicator whose rule pays
something for every measurement is left out: not reported pays 0).

A trace sample at a value within a class of denominators (`denominator < N` rows) is
only a measurement when some denominator in that class can express the value; samples
that cannot be measured are passed over.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from ..semantics.compile import CompiledScheme, compile_scheme, key_name
from ..semantics.rules import CompiledRule
from ..syntax.model import (
    Evidence,
    Measure,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Scheme,
)
from .rule_analysis import breakpoints, denominator_classes, evidence_trace, trace

Witness = dict[str, MeasuredValue]


def witnesses(scheme: Scheme | CompiledScheme) -> tuple[Witness, Witness]:
    """(full, none): measurements by name (`GOAL.path PERIOD`, as `evaluate` reads a
    mapping) that pay each goal the most its rules allow, and that pay it nothing."""
    compiled = scheme if isinstance(scheme, CompiledScheme) else compile_scheme(scheme)
    full: Witness = {}
    none: Witness = {}
    for indicator in compiled.indicators():
        if indicator.rule is None:
            continue
        paid = list(measurable(indicator.rule, indicator.measure))
        if not paid:
            continue
        name = key_name(indicator.key)
        best = max(pays for pays, _ in paid)
        full[name] = next(value for pays, value in paid if pays == best)
        worst = next((value for pays, value in paid if pays == 0), None)
        if worst is not None:
            none[name] = worst
    return full, none


def measurable(rule: CompiledRule, measure: Measure) -> Iterator[tuple[Fraction, MeasuredValue]]:
    """Every payment in the rule's trace that a measurement gets, with that measurement,
    in trace order (no denominator first)."""
    if measure == "evidence":
        for sample in evidence_trace(rule):
            yield sample.pays, Evidence(bool(sample.value))
        return
    points = breakpoints(rule, measure)
    classes = [start for start, _ in denominator_classes(rule)]
    limits = [start for start in classes if start is not None]
    ends: dict[int | None, int | None] = {None: None}
    for index, limit in enumerate(limits):
        ends[limit] = limits[index + 1] - 1 if index + 1 < len(limits) else None
    for start in classes:
        for sample in trace(rule, points, start, measure == "number"):
            if not sample.attained:
                continue
            value = _measurement(sample.value, measure, start, ends[start])
            if value is not None:
                yield sample.pays, value


def _measurement(value: Fraction, measure: Measure, start: int | None, end: int | None
                 ) -> MeasuredValue | None:
    """`value` as a measurement with a denominator from `start` to `end` (None: no
    denominator, or no upper end), or None when no such denominator expresses it."""
    if measure == "number":
        return NumberValue(value)
    if start is None:
        return PercentValue(value)
    step = value.denominator
    denominator = -(-start // step) * step
    if end is not None and denominator > end:
        return None
    return Ratio(value.numerator * (denominator // step), denominator)
