"""A goal as the template's rows: what each column says of it, and what the columns cannot say."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ...syntax import printer
from ...syntax.model import (
    Achieved,
    Combine,
    DenominatorBelow,
    Fixed,
    Goal,
    Header,
    Indicator,
    LinearPay,
    PayRule,
    Quantity,
    Reported,
    Scheme,
    Threshold,
    ValueIs,
    goal_indicators,
)
from .template import (
    Cell,
    _exact_float,
)


def _cannot_say(goal: Goal) -> list[str]:
    """Why the template's columns cannot hold `goal` (empty when they can)."""
    reasons: list[str] = []
    if goal.is_gate:
        reasons.append("a scheme gate")
    for period in goal.periods:
        if period.combine is not None and period.combine.mode != "weighted":
            reasons.append(f"`combine {period.combine.mode}` in period {period.name}")
        if len(period.items) != 1 or not isinstance(period.items[0], Indicator):
            reasons.append(f"period {period.name} holds more than one indicator")
        else:
            only = period.items[0]
            if only.value is not None or (only.weight is not None and only.weight.value != 1):
                reasons.append(f"a weight inside period {period.name}")
    for _, path, indicator in goal_indicators(goal):
        if len(path) > 1:
            reasons.append("parts")
        if indicator.value is not None:
            reasons.append(f"{'.'.join(path)} has a value in pounds")
    numbers = _goal_numbers(goal)
    if any(_exact_float(number) is None for number in numbers):
        reasons.append("a number with more digits than a spreadsheet keeps")
    return list(dict.fromkeys(reasons))


def _goal_numbers(goal: Goal) -> list[Fraction]:
    numbers = [x.value for x in (goal.weight, goal.value) if x is not None]
    for period in goal.periods:
        numbers.append(period.share.value)
    for _, _, indicator in goal_indicators(goal):
        numbers += [x.value for x in (indicator.weight,) if x is not None]
        if indicator.baseline is not None:
            numbers.append(indicator.baseline.value.value)
        threshold = full_pay_threshold(indicator.pay)
        if isinstance(threshold, Fixed):
            numbers.append(threshold.quantity.value)
    return numbers


def full_pay_threshold(rule: PayRule | None) -> Threshold | str | None:
    """Where the rule first pays in full: a threshold, `achieved`, `reported`, or None.

    This is what the template calls the final indicator value (payment threshold); a
    small-numbers row (`denominator < N`) is not it.
    """
    if rule is None:
        return None
    for row in rule.rows:
        payout, condition = row.payout, row.condition
        if isinstance(payout, LinearPay):
            return payout.end
        if payout.share != 1:
            continue
        if isinstance(condition, ValueIs):
            return condition.threshold
        if isinstance(condition, Achieved):
            return "not achieved" if condition.negated else "achieved"
        if isinstance(condition, Reported):
            return "reported"
        if isinstance(condition, DenominatorBelow):
            continue
        return None
    return None


def rule_words(rule: PayRule | None) -> str:
    """The pay rule in the language's own words: one line, or a table's rows one a line."""
    if rule is None:
        return ""
    lines = printer.pay_rule(rule)
    if len(lines) == 1:
        return lines[0].removeprefix("pay ")
    return "\n".join(" ".join(line.split()) for line in lines[1:-1])


def combination_words(combine: Combine | None) -> str | None:
    """The combination cell: the words after `combine` (`all`, `minimum`, `at least 2`);
    empty for the weighted sum, which is what a blank cell means."""
    if combine is None or combine.mode == "weighted":
        return None
    if combine.mode == "at least":
        return f"at least {combine.count}"
    return combine.mode


def _threshold_cell(threshold: Threshold | str | None) -> Cell:
    if threshold is None:
        return Cell(None)
    if isinstance(threshold, str):
        return Cell(threshold)
    if isinstance(threshold, Fixed):
        quantity = threshold.quantity
        return Cell(quantity.value, "percent" if quantity.kind == "percent" else "number")
    return Cell(printer.threshold(threshold))


def _quantity_cell(quantity: Quantity | None) -> Cell:
    if quantity is None:
        return Cell(None)
    return Cell(quantity.value, "percent" if quantity.kind == "percent" else "number")


def shown_share(money: Fraction, cquin: Fraction) -> Fraction:
    """`money`'s share of `cquin` as the weighting cell of a goal given in pounds shows it:
    to the fifteen significant digits a spreadsheet keeps (Excel shows no more, and
    openpyxl writes sixteen), so the cell reads back as exactly this share. A weighting
    equal to it, but not exactly the money's share, stands for the money (goal_money)."""
    return Fraction(Decimal(f"{float(money / cquin):.15g}"))


def goal_rows(goal: Goal, available: Fraction, *, carried: bool,
              cquin: Fraction | None = None) -> list[dict[str, Cell]]:
    """The template rows for one goal: one per indicator, the goal's columns on its first
    row only, so that its money is written once and a column of money adds up.

    A goal given in pounds has its weighting written as its share of `cquin` (the CQUIN
    value), to the precision a spreadsheet keeps (`shown_share`): the money is the goal's,
    the weighting is for reading. A scheme gate carries no money: its weighting and money
    cells are empty.
    """
    weighting = goal.weight.value if goal.weight else None
    if weighting is None and cquin and not goal.is_gate:
        weighting = shown_share(available, cquin)
    money = goal.value.value if goal.value else None if goal.is_gate else available
    goal_cells: dict[str, Cell] = {
        "goal_number": Cell(goal.code),
        "goal_name": Cell(goal.title),
        "domain": Cell(", ".join(goal.domains.value) if goal.domains else None),
        "goal_weighting": Cell(weighting, "percent"),
        "goal_value": Cell(money, "money"),
        "rationale": Cell(goal.rationale),
        "scope": Cell(goal.scope_kind),
        "commissioner": Cell(goal.commissioner.value if goal.commissioner else None),
        "lead": Cell(goal.lead),
        "status": Cell(goal.status),
        "combination": Cell(combination_words(goal.combine)),
    }
    shares = {period.name: period.share.value for period in goal.periods}
    rows: list[dict[str, Cell]] = []
    listed: list[tuple[str, tuple[str, ...], Indicator | None]] = [*goal_indicators(goal)]
    for period, path, indicator in listed or [("year", (), None)]:
        row = dict(goal_cells) if not rows else {}
        if indicator is not None:
            weight: Fraction | None = indicator.weight.value if indicator.weight else None
            if goal.periods and not carried:
                weight = shares[period]
            row |= {
                "indicator_number": Cell(".".join(path)),
                "indicator_name": Cell(indicator.title),
                "indicator_description": Cell(indicator.definition),
                "source": Cell(indicator.source),
                "frequency": Cell(indicator.reported),
                "baseline_value": _quantity_cell(
                    indicator.baseline.value if indicator.baseline else None),
                "final_period": Cell(period if goal.periods else None),
                "threshold": _threshold_cell(full_pay_threshold(indicator.pay)),
                "rules": Cell(rule_words(indicator.pay) or None),
                "indicator_weighting": Cell(weight, "percent"),
                "measure": Cell(indicator.measure.value if indicator.measure else None),
                "direction": Cell(indicator.direction.value if indicator.direction else None),
                "minimum_denominator": Cell(
                    indicator.minimum_denominator.value if indicator.minimum_denominator
                    else None, "integer"),
                "exclusions": Cell(indicator.exclusions),
                "gate": Cell("gate" if indicator.is_gate else None),
            }
        rows.append(row)
    if carried:
        rows[0]["rulebook_text"] = Cell(goal_text(goal))
    return rows


def goal_text(goal: Goal) -> str:
    """One goal block as canonical rulebook text."""
    return printer.print_scheme(Scheme(Header("-"), (goal,))).split("\n\n", 1)[1].rstrip("\n")


def _example_texts(scheme: Scheme) -> list[str]:
    return [
        printer.print_scheme(Scheme(Header("-"), (), (example,))).split("\n\n", 1)[1].rstrip()
        for example in scheme.examples
    ]
