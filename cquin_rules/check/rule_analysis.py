"""A pay rule analysed exactly over every possible measurement (E403, E404, E409).

A measurement is a value in the measure's range (percent [0, 1], number [0, ∞), evidence
not achieved / achieved) and, for a percent given as a fraction, a denominator (any
positive integer) or none. Value and denominator are taken as independent, which is exact
for E404 and E409 (every value in range can be supplied with no denominator, or with one
above every `denominator < N` limit) and errs only towards reporting for E403 at small
denominators.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from math import lcm
from typing import Literal

from attrs import frozen

from ..semantics.rules import COMPARE, CompiledRule, Linear, Observation
from ..syntax.model import (
    Direction,
    Measure,
)
from .rule_shape import measured, percent

ONE = Fraction(1)
ZERO = Fraction(0)


# ---- exact analysis over every measurement -----------------------------------------

Side = Literal["at", "above", "below"]


@frozen
class Sample:
    """One step of a rule's trace: what it pays at a value, or just above or below it.

    A sample with side `at` is a payment some measurement gets; `above` and `below` are
    limits (what measurements just beside the value get, arbitrarily close).
    """

    value: Fraction
    side: Side
    pays: Fraction
    row: int

    @property
    def attained(self) -> bool:
        return self.side == "at"


@frozen
class Perverse:
    """A better measurement (`better`) paid less than a worse one (`worse`)."""

    better: Sample
    worse: Sample
    denominator: str


@frozen
class Analysis:
    """What a rule does over every measurement: rows reached, the best pay some measurement
    gets, perverse rows, and `ceiling`: the first sample (in trace order) at the supremum
    of the pay, which is a limit rather than a payment when `ceiling.pays` exceeds `best`."""

    reached: frozenset[int]
    best: Fraction
    perverse: dict[int, Perverse]
    ceiling: Sample | None = None


def breakpoints(rule: CompiledRule, measure: Measure) -> list[Fraction]:
    """Every value where the matching row or a row's line can change, within the range.

    Conditions are half-lines that change only at their thresholds, and a line is
    straight except at its two ends, so between consecutive breakpoints the matching
    row is fixed and the pay is linear.
    """
    points = {ZERO, ONE} if measure == "percent" else {ZERO}
    for row in rule.rows:
        if row.threshold is not None:
            points.add(row.threshold)
        if isinstance(row.pays, Linear):
            points.update((row.pays.start, row.pays.end))
    if measure == "percent":
        return sorted(p for p in points if ZERO <= p <= ONE)
    return sorted(p for p in points if p >= ZERO)


def denominator_classes(rule: CompiledRule) -> list[tuple[int | None, str]]:
    """One representative denominator per class, with words for it.

    `denominator < N` rows match the same way for every denominator between two
    consecutive limits, so the lower end of each class stands for all of it.
    """
    limits = sorted({r.denominator_below for r in rule.rows if r.denominator_below is not None})
    classes: list[tuple[int | None, str]] = [(None, "")]
    if not limits:
        return classes
    starts = sorted({1, *(limit for limit in limits if limit > 1)})
    for index, start in enumerate(starts):
        if index + 1 < len(starts):
            end = starts[index + 1] - 1
            words = f"of {start}" if start == end else f"from {start} to {end}"
        else:
            words = f"of {start} or more"
        classes.append((start, f" (with a denominator {words})"))
    return classes


def trace(
    rule: CompiledRule, points: list[Fraction], denominator: int | None, unbounded: bool
) -> list[Sample]:
    """The pay at every breakpoint and, between them, at one interior point and at both
    ends of the interval (the limits of that interval's row), in increasing value.

    Between consecutive breakpoints one row matches and pays linearly, so the samples
    list every payment any measurement gets (`at` samples hold each constant payment,
    since a line reaches its ends only at breakpoints) and the trace is monotone exactly
    when the pay function is.
    """
    samples: list[Sample] = []

    def at(value: Fraction) -> Sample:
        pays, row = rule.apply(Observation(value, denominator))
        return Sample(value, "at", pays, row)

    for index, point in enumerate(points):
        samples.append(at(point))
        if index + 1 < len(points):
            following = points[index + 1]
            inside = at((point + following) / 2)
            row = rule.rows[inside.row]
            samples += [
                Sample(point, "above", row.pay(point), inside.row),
                inside,
                Sample(following, "below", row.pay(following), inside.row),
            ]
        elif unbounded:
            beyond = at(point + 1)
            row = rule.rows[beyond.row]
            samples += [Sample(point, "above", row.pay(point), beyond.row), beyond]
    return samples


def evidence_trace(rule: CompiledRule) -> list[Sample]:
    """Evidence has two measurements; not achieved is the worse."""
    samples = []
    for achieved in (False, True):
        value = Fraction(int(achieved))
        pays, row = rule.apply(Observation(value, None, achieved))
        samples.append(Sample(value, "at", pays, row))
    return samples


def perverse_samples(samples: Iterable[Sample]) -> list[tuple[Sample, Sample]]:
    """Samples (from worst to best measurement) paid less than some worse sample.

    Each is paired with the best-paid worse sample. Since every payment and every limit
    of the pay function is in the trace, a sample below the running maximum is exactly a
    better measurement (or measurements arbitrarily close to it) paid strictly less.
    """
    found: list[tuple[Sample, Sample]] = []
    highest: Sample | None = None
    for sample in samples:
        if highest is not None and sample.pays < highest.pays:
            found.append((sample, highest))
        if highest is None or sample.pays > highest.pays:
            highest = sample
    return found


def analyse(rule: CompiledRule, measure: Measure, direction: Direction) -> Analysis:
    """Rows reached, the best payment, and the rows that pay less for better, over every
    measurement (E404, E409, E403).

    A percent or number rule is traced as `trace` does, but on whole numbers over one
    common denominator (`_Scaled`): comparing and dividing Fractions was most of the time
    of checking a large rulebook. The samples are the same; `reference_analysis` keeps
    the Fraction form, and a test holds the two equal.
    """
    if measure == "evidence":
        return reference_analysis(rule, measure, direction)
    scaled = _Scaled(rule, measure)
    reached: set[int] = set()
    best_num, best_den = 0, 1
    ceiling: _Step | None = None
    perverse: dict[int, Perverse] = {}
    for denominator, words in denominator_classes(rule):
        samples = scaled.trace(denominator)
        for step in samples:
            _value, side, num, den, row = step
            if side == "at":
                reached.add(row)
                if num * best_den > best_num * den:
                    best_num, best_den = num, den
            if ceiling is None or num * ceiling[3] > ceiling[2] * den:
                ceiling = step
        if direction != "higher":
            samples.reverse()
        highest: _Step | None = None
        for step in samples:
            if highest is not None:
                num, den, high_num, high_den = step[2], step[3], highest[2], highest[3]
                if num * high_den < high_num * den:
                    if step[4] not in perverse:
                        perverse[step[4]] = Perverse(
                            scaled.sample(step), scaled.sample(highest), words
                        )
                    continue
                if num * high_den <= high_num * den:
                    continue
            highest = step
    best = ZERO if best_num == 0 else Fraction(best_num, best_den)
    return Analysis(frozenset(reached), best, perverse,
                    None if ceiling is None else scaled.sample(ceiling))


def reference_analysis(rule: CompiledRule, measure: Measure, direction: Direction) -> Analysis:
    """`analyse` in Fraction arithmetic throughout, sample by sample: the definition the
    scaled analysis is tested against."""
    reached: set[int] = set()
    best = ZERO
    ceiling: Sample | None = None
    perverse: dict[int, Perverse] = {}
    if measure == "evidence":
        traces = [(evidence_trace(rule), "")]
    else:
        points = breakpoints(rule, measure)
        traces = [
            (trace(rule, points, denominator, measure == "number"), words)
            for denominator, words in denominator_classes(rule)
        ]
    for samples, words in traces:
        for sample in samples:
            if sample.attained:
                reached.add(sample.row)
                best = max(best, sample.pays)
            if ceiling is None or sample.pays > ceiling.pays:
                ceiling = sample
        ordered = samples if direction == "higher" or measure == "evidence" else samples[::-1]
        for better, worse in perverse_samples(ordered):
            perverse.setdefault(better.row, Perverse(better, worse, words))
    return Analysis(frozenset(reached), best, perverse, ceiling)


#: A sample in whole numbers: the value times the common denominator, the side, the pay
#: as a numerator and a positive denominator (not reduced), and the row.
_Step = tuple[int, Side, int, int, int]


class _Scaled:
    """A percent or number rule with every threshold and line end multiplied by one
    common denominator (twice the least common multiple of theirs, so that the midpoint
    of two breakpoints is whole too): comparisons and lines become integer arithmetic."""

    def __init__(self, rule: CompiledRule, measure: Measure) -> None:
        rationals = [ZERO, ONE]
        for row in rule.rows:
            if row.threshold is not None:
                rationals.append(row.threshold)
            if isinstance(row.pays, Linear):
                rationals += (row.pays.start, row.pays.end)
        self.scale = scale = 2 * lcm(*(r.denominator for r in rationals))
        points = {0, scale} if measure == "percent" else {0}
        #: Each row: its comparison and scaled threshold (or None), its `denominator <`
        #: limit, whether it can match a value at all, and its pay.
        self.rows: list[tuple[str | None, int, int | None, bool, tuple[int, int, bool]]] = []
        for row in rule.rows:
            threshold = 0
            if row.threshold is not None:
                threshold = row.threshold.numerator * (scale // row.threshold.denominator)
                points.add(threshold)
            elif row.comparison is not None:
                raise AssertionError("a comparison row without a threshold")
            pays = row.pays
            pay: tuple[int, int, bool]
            if isinstance(pays, Linear):
                start = pays.start.numerator * (scale // pays.start.denominator)
                end = pays.end.numerator * (scale // pays.end.denominator)
                points.update((start, end))
                pay = (start, end, True)
            else:
                pay = (pays.numerator, pays.denominator, False)
            # Observations of a percent or number never carry `achieved`, so an
            # `achieved` row (without a comparison or a denominator) never matches.
            matchable = (
                row.comparison is not None
                or row.denominator_below is not None
                or row.achieved is None
            )
            self.rows.append((row.comparison, threshold, row.denominator_below, matchable, pay))
        if measure == "percent":
            self.points = sorted(p for p in points if 0 <= p <= scale)
        else:
            self.points = sorted(p for p in points if p >= 0)
        self.unbounded = measure == "number"

    def trace(self, denominator: int | None) -> list[_Step]:
        """`trace(rule, breakpoints(rule, measure), denominator, unbounded)`, scaled."""
        live: list[tuple[int, str | None, int, tuple[int, int, bool]]] = []
        for index, (comparison, threshold, below, matchable, pay) in enumerate(self.rows):
            if comparison is None:
                if below is not None:
                    matchable = denominator is not None and denominator < below
                if not matchable:
                    continue
            live.append((index, comparison, threshold, pay))
            if comparison is None:
                break
        pays = [row[4] for row in self.rows]
        fallback = len(self.rows) - 1

        def at(value: int) -> _Step:
            for index, comparison, threshold, pay in live:
                if comparison is None or COMPARE[comparison](value, threshold):
                    num, den = _pay(pay, value)
                    return (value, "at", num, den, index)
            return (value, "at", 0, 1, fallback)

        steps: list[_Step] = []
        points = self.points
        last = len(points) - 1
        for position, point in enumerate(points):
            steps.append(at(point))
            if position < last:
                following = points[position + 1]
                inside = at((point + following) // 2)
                pay = pays[inside[4]]
                steps += (
                    (point, "above", *_pay(pay, point), inside[4]),
                    inside,
                    (following, "below", *_pay(pay, following), inside[4]),
                )
            elif self.unbounded:
                beyond = at(point + self.scale)
                steps += ((point, "above", *_pay(pays[beyond[4]], point), beyond[4]), beyond)
        return steps

    def sample(self, step: _Step) -> Sample:
        value, side, num, den, row = step
        return Sample(Fraction(value, self.scale), side, Fraction(num, den), row)


def _pay(pay: tuple[int, int, bool], value: int) -> tuple[int, int]:
    """A row's pay at a scaled value: a share, or the line's (clamped) attainment."""
    first, second, linear = pay
    if not linear:
        return first, second
    num, den = value - first, second - first
    if den < 0:
        num, den = -num, -den
    if num <= 0:
        return 0, 1
    if num >= den:
        return 1, 1
    return num, den


def where(sample: Sample, measure: Measure) -> str:
    if measure == "evidence":
        return "when achieved" if sample.value else "when not achieved"
    value = measured(sample.value, measure)
    if sample.side == "at":
        return f"at {value}"
    return f"just {sample.side} {value}"


def pays_text(sample: Sample) -> str:
    return percent(sample.pays) if sample.attained else f"close to {percent(sample.pays)}"


#: Analyses already made, by `shape_key`: a large rulebook repeats a few rule shapes.
Analyses = dict[tuple[object, ...], Analysis]


def shape_key(rule: CompiledRule, measure: Measure, direction: Direction) -> tuple[object, ...]:
    """What `analyse` depends on, as whole numbers (quick to hash): rules with one key
    have the same analysis, whatever their rows' spans and sources."""
    key: list[object] = [measure, direction]
    for row in rule.rows:
        pays = row.pays
        threshold = row.threshold
        key.append((
            (pays.start.numerator, pays.start.denominator, pays.end.numerator,
             pays.end.denominator) if isinstance(pays, Linear)
            else (pays.numerator, pays.denominator),
            None if threshold is None else (threshold.numerator, threshold.denominator),
            row.comparison, row.denominator_below, row.achieved, row.reported,
        ))
    return tuple(key)
