"""A pay rule's shape: do its thresholds, baselines, conditions and payouts fit the measure
(E401, E402, E406, E407, E408), and does a declared direction agree with what the rule
shows (E405)? Only a rule whose shape is sound is analysed further (rule_analysis)."""

from __future__ import annotations

from fractions import Fraction

from ..base.diagnostics import Diagnostic
from ..base.span import NOWHERE
from ..semantics.money import as_written, percent_as_written
from ..semantics.rules import CompiledRule, Linear, resolve
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
from ..syntax.printer import quantity as quantity_text
from ..syntax.printer import threshold as threshold_text

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


def direction_of(
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
