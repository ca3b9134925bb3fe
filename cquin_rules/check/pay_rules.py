"""Pay rules: does each indicator's rule fit its measure, and does it pay sensibly?

Two stages. First the rule's *shape*: thresholds, baselines, conditions and payouts must
fit the measure (E401, E402, E406, E407, E408) and a declared direction must agree with
what the rule shows (E405). Only a rule whose shape is sound is then *analysed* over
every possible measurement (E403, E404, E409): a rule with a shape error would draw
knock-on findings that vanish once the shape is fixed.

The analysis is exact, not sampled. A measurement is a value in the measure's range
(percent [0, 1], number [0, ∞), evidence not achieved / achieved) and, for a percent
given as a fraction, a denominator (any positive integer) or none. Value and denominator
are taken as independent, which is exact for E404 and E409 (every value in range can be
supplied with no denominator, or with one above every `denominator < N` limit) and errs
only towards reporting for E403 at small denominators.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from math import lcm
from typing import Literal

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..base.span import NOWHERE
from ..semantics.compile import quantity_text, threshold_text
from ..semantics.money import as_written, percent_as_written, percent_text
from ..semantics.rules import COMPARE, CompiledRule, Linear, Observation, compile_rule, resolve
from ..syntax import printer
from ..syntax.model import (
    Achieved,
    Baseline,
    DenominatorBelow,
    Direction,
    Fixed,
    FixedPay,
    Indicator,
    LinearPay,
    Measure,
    Threshold,
    ValueIs,
)

ONE = Fraction(1)
ZERO = Fraction(0)


# ---- wording ----------------------------------------------------------------------


def percent(share: Fraction) -> str:
    """`62.5%` for 5/8, exact (a share with no finite decimal, such as a payment part way
    along a line, to four places)."""
    return percent_as_written(share, 4)


def measured(value: Fraction, measure: Measure) -> str:
    """A measurement as a commissioner writes it: `90%` for a percent, `250` for a number."""
    return percent(value) if measure == "percent" else as_written(value, 4)


# ---- shape: does the rule fit its measure? -----------------------------------------


def check_shape(indicator: Indicator, label: str) -> list[Diagnostic]:
    """E105, E401, E402, E406, E407, E408: every problem in the rule's shape."""
    measure = indicator.measure_kind
    found: list[Diagnostic] = []
    if indicator.pay is None:
        found.append(Diagnostic(
            "E105", f"indicator {label} has no pay rule", indicator.span,
            "add a rule, e.g. `pay 100% when value >= 90%` or `pay linear from 60% to 90%`",
        ))
    found += _check_declarations(indicator, label, measure)
    if indicator.pay is None:
        return found
    for row in indicator.pay.rows:
        payout = row.payout
        if isinstance(payout, FixedPay) and payout.share.numerator > payout.share.denominator:
            found.append(Diagnostic(
                "E402", f"a row of {label} pays {percent(payout.share)}: a row pays at most 100%",
                payout.span if payout.span != NOWHERE else row.span,
            ))
        if isinstance(payout, LinearPay):
            found += _check_linear(indicator, payout, label, measure)
        condition = row.condition
        if isinstance(condition, ValueIs):
            if measure == "evidence":
                found.append(Diagnostic(
                    "E408", f"{label} is measured as evidence, so it has no value to compare",
                    condition.span, "use `achieved` or `not achieved`",
                ))
            else:
                found += _check_threshold(indicator, condition.threshold, label, measure)
        elif isinstance(condition, Achieved) and measure != "evidence":
            word = "not achieved" if condition.negated else "achieved"
            found.append(Diagnostic(
                "E408", f"`{word}` is for evidence, but {label} is measured as a {measure}",
                condition.span,
                "compare the value instead, e.g. `value >= 90%`"
                if measure == "percent" else "compare the value instead, e.g. `value <= 20`",
            ))
        elif isinstance(condition, DenominatorBelow) and measure != "percent":
            found.append(Diagnostic(
                "E408", f"{label} is measured as {_a(measure)}, which has no denominator",
                condition.span, "`denominator < N` applies to percentages given as fractions",
            ))
    return found


def _a(measure: Measure) -> str:
    return "evidence" if measure == "evidence" else f"a {measure}"


def _check_declarations(indicator: Indicator, label: str, measure: Measure) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if indicator.minimum_denominator is not None and measure != "percent":
        found.append(Diagnostic(
            "E408", f"{label} is measured as {_a(measure)}, which has no denominator",
            indicator.minimum_denominator.span,
            "`minimum denominator` applies to percentages given as fractions",
        ))
    if measure == "evidence" and indicator.direction and indicator.direction.value == "lower":
        found.append(Diagnostic(
            "E408", f"{label} is measured as evidence: achieved is always better",
            indicator.direction.span, "remove `lower is better`",
        ))
    baseline = indicator.baseline
    if baseline is not None:
        quantity = baseline.value
        if measure == "evidence":
            found.append(Diagnostic(
                "E408", f"{label} is measured as evidence, so a baseline has no meaning",
                baseline.span, "remove the baseline",
            ))
        elif measure == "percent" and quantity.kind != "percent":
            found.append(Diagnostic(
                "E408", f"the baseline of {label} is a plain number, but it measures a percent",
                baseline.span, f"write the baseline as a percentage, e.g. `baseline "
                f"{printer.decimal(quantity.value)}%`",
            ))
        elif measure == "number" and quantity.kind != "number":
            found.append(Diagnostic(
                "E408", f"the baseline of {label} is a percentage, but it measures a number",
                baseline.span, "write the baseline as a plain number, e.g. `baseline 250`",
            ))
        elif not _in_range(quantity.value, measure):
            found.append(Diagnostic(
                "E402", f"the baseline of {label}, {quantity_text(quantity)}, "
                f"is outside the range of {_a(measure)} measure", baseline.span,
            ))
    return found


def _as_percent(value: Fraction) -> str:
    return printer.percent(value / 100) if value > ONE else printer.percent(value)


def _in_range(value: Fraction, measure: Measure) -> bool:
    """Whether a measurement can be `value` (on its numerator: Fraction's own comparisons
    are slow, and a rulebook makes tens of thousands of these)."""
    numerator = value.numerator
    if measure == "percent":
        return 0 <= numerator <= value.denominator
    return numerator >= 0


def _baseline_sound(indicator: Indicator, measure: Measure) -> bool:
    if indicator.baseline is None:
        return False
    quantity = indicator.baseline.value
    return quantity.kind == measure and _in_range(quantity.value, measure)


def _check_linear(
    indicator: Indicator, payout: LinearPay, label: str, measure: Measure
) -> list[Diagnostic]:
    if measure == "evidence":
        return [Diagnostic(
            "E408", f"{label} is measured as evidence, so it cannot pay on a line",
            payout.span, "pay a share when `achieved`, e.g. `pay 100% when achieved`",
        )]
    found = _check_threshold(indicator, payout.start, label, measure)
    found += _check_threshold(indicator, payout.end, label, measure)
    if found:
        return found
    baseline = indicator.baseline.value if indicator.baseline else None
    start, end = resolve(payout.start, baseline), resolve(payout.end, baseline)
    if start is not None and start == end:
        found.append(Diagnostic(
            "E401", f"the line of {label} runs from {measured(start, measure)} to "
            f"{measured(start, measure)}: it needs two different ends",
            payout.span, "for all-or-nothing write `pay 100% when value >= …`",
        ))
    return found


def _check_threshold(
    indicator: Indicator, threshold: Threshold, label: str, measure: Measure
) -> list[Diagnostic]:
    """E406, E407, E408 for one threshold expression, then E402 once it means something."""
    if isinstance(threshold, Fixed):
        kind = threshold.quantity.kind
        value = threshold.quantity.value
        if measure == "percent" and kind != "percent":
            return [Diagnostic(
                "E408", f"{printer.decimal(value)} is a plain number, but {label} measures "
                "a percent", threshold.span,
                f"write it as a percentage, e.g. {_as_percent(value)}: "
                "a bare number for a percent is ambiguous",
            )]
        if measure == "number" and kind != "number":
            return [Diagnostic(
                "E408",
                f"{threshold_text(threshold)} is a percentage, but {label} measures a number",
                threshold.span,
                "write a plain number, or give a baseline and write `baseline * "
                f"{threshold_text(threshold)}`",
            )]
    else:
        found = _check_baseline_arithmetic(indicator, threshold, label, measure)
        if found:
            return found
        if not _baseline_sound(indicator, measure):
            return []
    resolved = resolve(threshold, indicator.baseline.value if indicator.baseline else None)
    if resolved is None or _in_range(resolved, measure):
        return []
    where = "below 0%" if resolved < ZERO else "above 100%"
    if measure == "number":
        where = "below 0"
    said = measured(resolved, measure)
    comes = (
        said if isinstance(threshold, Fixed)
        else f"{threshold_text(threshold)}, which comes to {said}"
    )
    return [Diagnostic(
        "E402", f"the threshold {comes}, is {where}: no measurement of {label} can be there",
        threshold.span,
    )]


def _check_baseline_arithmetic(
    indicator: Indicator, threshold: Baseline, label: str, measure: Measure
) -> list[Diagnostic]:
    if indicator.baseline is None:
        return [Diagnostic(
            "E407", f"{threshold_text(threshold)} uses the baseline, but {label} has none",
            threshold.span, "add a `baseline` statement to the indicator",
        )]
    operand = threshold.operand
    if threshold.operator not in ("+", "-") or operand is None:
        return []
    sign, shown = threshold.operator, printer.decimal(operand.value * 100)
    if measure == "percent" and operand.kind == "percent":
        return [Diagnostic(
            "E406", f"`{threshold_text(threshold)}` is ambiguous: {shown} percentage points, or "
            f"{shown}% of the baseline?", threshold.span,
            f"write `baseline {sign} {shown}pp` for points, or `baseline * "
            f"{_relative(sign, operand.value)}` for a relative change",
        )]
    if measure == "percent" and operand.kind == "number":
        number = printer.decimal(operand.value)
        return [Diagnostic(
            "E406",
            f"`{threshold_text(threshold)}` mixes a plain number with a percentage baseline",
            threshold.span,
            f"write `baseline {sign} {number}pp` for percentage points, or `baseline * …%` "
            "for a relative change",
        )]
    if measure == "number" and operand.kind == "percent":
        return [Diagnostic(
            "E406", f"`{threshold_text(threshold)}` is ambiguous for a number measure: "
            f"{printer.decimal(operand.value)}, or {shown}% of the baseline?", threshold.span,
            f"write a number (`baseline {sign} 12`), or `baseline * "
            f"{_relative(sign, operand.value)}`",
        )]
    if measure == "number" and operand.kind == "points":
        return [Diagnostic(
            "E408", f"percentage points ({shown}pp) do not fit {label}, which measures a number",
            threshold.span, f"write a number: `baseline {sign} 12`",
        )]
    return []


def _relative(sign: str, change: Fraction) -> str:
    """`+ 5%` as a multiplier: `105%`, exact, as the language writes it."""
    multiplier = ONE + change if sign == "+" else ONE - change
    return printer.percent(multiplier) if multiplier >= 0 else percent(multiplier)


# ---- direction ---------------------------------------------------------------------


def shown_directions(rule: CompiledRule) -> set[Direction]:
    """The directions the rule itself shows.

    A line from A to B with A < B shows higher is better, A > B lower. A fixed row that
    pays more than the `otherwise` row under `>=`/`>` shows higher, under `<=`/`<` lower
    (and the reverse when it pays less).
    """
    shown: set[Direction] = set()
    fallback = rule.rows[-1].pays if rule.rows else None
    for row in rule.rows:
        if isinstance(row.pays, Linear):
            shown.add("higher" if row.pays.start < row.pays.end else "lower")
        elif row.comparison is not None and isinstance(fallback, Fraction):
            if row.pays == fallback:
                continue
            upward = row.comparison in (">=", ">")
            shown.add("higher" if upward == (row.pays > fallback) else "lower")
    return shown


def _direction(
    indicator: Indicator, rule: CompiledRule, label: str
) -> tuple[Direction, Diagnostic | None]:
    """The direction to judge the rule by, and E405 when the declaration contradicts it.

    A percent with no declaration is higher is better (section 5), so a percent rule that
    pays more for lower values without `lower is better` contradicts that default: E405 at
    the `pay` statement. A number has no default: its rule shows its direction."""
    shown = shown_directions(rule)
    declared = indicator.direction
    if declared is not None:
        if len(shown) == 1 and declared.value not in shown:
            word = "higher" if declared.value == "higher" else "lower"
            other = "lower" if word == "higher" else "higher"
            return declared.value, Diagnostic(
                "E405", f"{label} says {word} is better, but its rule pays more for {other} "
                "values", declared.span,
                f"write `{other} is better`, or turn the rule round",
            )
        return declared.value, None
    if shown == {"lower"} and indicator.measure_kind == "percent" and indicator.pay is not None:
        return "lower", Diagnostic(
            "E405", f"{label} pays more for lower values, but a percentage is read as higher "
            "is better unless the indicator says otherwise", indicator.pay.span,
            "if a lower value is better here, add the line `lower is better` to the indicator; "
            "if a higher value is better, turn the rule round",
        )
    if len(shown) == 1:
        return next(iter(shown)), None
    return "higher", None


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


def _where(sample: Sample, measure: Measure) -> str:
    if measure == "evidence":
        return "when achieved" if sample.value else "when not achieved"
    value = measured(sample.value, measure)
    if sample.side == "at":
        return f"at {value}"
    return f"just {sample.side} {value}"


def _pays(sample: Sample) -> str:
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


def check_indicator(
    indicator: Indicator, label: str, analyses: Analyses | None = None
) -> list[Diagnostic]:
    """Every problem with one indicator's pay rule (E105, E401–E409). `analyses` keeps
    rule analyses for other indicators of the same rulebook (`check` passes one)."""
    return assess_indicator(indicator, label, analyses)[0]


def assess_indicator(
    indicator: Indicator, label: str, analyses: Analyses | None = None
) -> tuple[list[Diagnostic], Analysis | None]:
    """`check_indicator`'s findings, and the rule's analysis over every measurement (None
    when the rule has an error in its own terms or its direction, so was not analysed)."""
    found = check_shape(indicator, label)
    if any(d.severity == "error" for d in found) or indicator.pay is None:
        return found, None
    rule = compile_rule(indicator)
    if rule is None:
        return found, None
    direction, contradiction = _direction(indicator, rule, label)
    if contradiction is not None:
        return [*found, contradiction], None
    measure = indicator.measure_kind
    if analyses is None:
        analysis = analyse(rule, measure, direction)
    else:
        key = shape_key(rule, measure, direction)
        known = analyses.get(key)
        if known is None:
            known = analyses[key] = analyse(rule, measure, direction)
        analysis = known
    for index, problem in sorted(analysis.perverse.items()):
        row = rule.rows[index]
        found.append(Diagnostic(
            "E403", f"a better result earns less under {label}: {_where(problem.better, measure)}"
            f" it pays {_pays(problem.better)}, but {_where(problem.worse, measure)}, a worse "
            f"result, it pays {_pays(problem.worse)}{problem.denominator}",
            row.span or indicator.pay.span,
            "rows are tried in order: put the strictest condition first, "
            "so paying more always needs a better result",
        ))
    for index, row in enumerate(rule.rows):
        if index in analysis.reached or row.is_otherwise or row.source is None:
            continue
        found.append(Diagnostic(
            "E404", f"this row of {label} can never apply: every measurement it covers is "
            "taken by an earlier row", row.span or indicator.pay.span,
            "rows are tried in order: put the stricter condition first",
        ))
    if analysis.best < ONE:
        found.append(Diagnostic(
            "E409", f"no measurement earns full payment under {label}: "
            f"{_most(analysis, measure)}", indicator.pay.span,
            "give some row 100% (and check that an earlier row does not shadow it)",
        ))
    return found, analysis


def share_text(share: Fraction) -> str:
    """A pay as an exact percent (`75%`, `62.5%`), or `about 66.6667%` when its decimal
    never ends: a number in a message is exact unless it says it is not."""
    for places in range(7):
        if (share * 100 * 10**places).denominator == 1:
            return percent_text(share, places)
    return f"about {percent_text(share, 4)}"


def _most(analysis: Analysis, measure: Measure) -> str:
    """The supremum of a rule's pay in words: the most it pays, or, when that is only
    approached (a line cut off by a row above it), what it comes close to and where."""
    ceiling = analysis.ceiling
    if ceiling is None or ceiling.pays <= analysis.best:
        return f"the most it pays is {share_text(analysis.best)}"
    return (f"it pays close to {share_text(ceiling.pays)} {_where(ceiling, measure)}, but never "
            f"that much: the most any measurement earns is {share_text(analysis.best)}")
