"""The model written back as canonical rulebook text.

`parse(print_scheme(m))` gives back `m` for every valid model (spans aside), so the
formatter, the spreadsheet importer and the property tests can all trust one writer.
Comments are not in the model; `cquin fmt` keeps them by other means.

The language writes only finite decimals, so every percent, number and money value
in the model must be one (the parser only produces those); money must be whole pence.
A value that cannot be written raises `ValueError` rather than printing something
that would read back differently.
"""

from __future__ import annotations

from fractions import Fraction

from attrs import evolve

from ..base.limits import current, text_size
from .model import (
    Achieved,
    Baseline,
    Combine,
    Condition,
    DenominatorBelow,
    Evidence,
    Example,
    ExampleInput,
    Expectation,
    ExpectMoney,
    Fixed,
    FixedPay,
    Goal,
    Header,
    Indicator,
    Item,
    LinearPay,
    Located,
    MeasuredValue,
    NumberValue,
    Part,
    Payout,
    PayRule,
    PercentValue,
    Period,
    Pounds,
    Quantity,
    Ratio,
    Reported,
    Row,
    Scheme,
    ShareOfContract,
    Target,
    Threshold,
    ValueIs,
)

INDENT = "  "


def print_scheme(scheme: Scheme) -> str:
    """The whole rulebook in the canonical layout: header, then goals, then examples.

    The printer says what the model holds, with exact literals; the layout (alignment,
    one-line blocks, spacing) is the formatter's alone, so printed text is always what
    `cquin fmt` would write.
    """
    from .formatter import format_text  # the layout parser is built only when printing

    blocks = [_header(scheme.header)]
    blocks.extend(_goal(goal) for goal in scheme.goals)
    blocks.extend(_example(example) for example in scheme.examples)
    text = "\n\n".join("\n".join(lines) for lines in blocks) + "\n"
    # The model was bounded when it was read; its canonical text may be larger than the
    # file it came from (an import near the size limit), so only the size is let through.
    chosen = current(None)
    room = evolve(chosen, max_file_size=max(chosen.max_file_size, text_size(text, 1 << 62)))
    formatted, diagnostics = format_text(text, limits=room)
    if formatted is None:
        raise ValueError(f"the printer wrote text that does not parse: {diagnostics}")
    return formatted


# ---- literals -----------------------------------------------------------------------


def decimal(value: Fraction) -> str:
    """`value` as the shortest exact decimal (`12.5`, `250`); ValueError when it has none."""
    if value < 0:
        raise ValueError(f"the language cannot write the negative number {value}")
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 64:
            raise ValueError(f"{value} is not a finite decimal, so it cannot be written")
    scaled = int(value * 10**places)
    if places == 0:
        return str(scaled)
    whole, fraction = divmod(scaled, 10**places)
    return f"{whole}.{fraction:0{places}d}".rstrip("0").rstrip(".")


def percent(share: Fraction) -> str:
    """A fraction of one as a percent literal: 5/8 is `62.5%`."""
    return decimal(share * 100) + "%"


def points(share: Fraction) -> str:
    """Percentage points: 1/20 is `5pp`."""
    return decimal(share * 100) + "pp"


def money(amount: Fraction) -> str:
    """`£3,000,000` for whole pounds, `£1,234.56` otherwise."""
    if amount < 0 or (amount * 100).denominator != 1:
        raise ValueError(f"money must be whole pence and not negative, not {amount}")
    pence = int(amount * 100)
    whole, part = divmod(pence, 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"


def string(text: str) -> str:
    """A string literal; only `\\` and `"` need (and have) escapes."""
    if "\n" in text or "\r" in text or "\x00" in text:
        raise ValueError(f"a string cannot hold a line break or NUL: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quantity(value: Quantity) -> str:
    if value.kind == "percent":
        return percent(value.value)
    if value.kind == "points":
        return points(value.value)
    return decimal(value.value)


def _integer(value: int) -> str:
    if value < 0:
        raise ValueError(f"the language cannot write the negative number {value}")
    return str(value)


# ---- header -------------------------------------------------------------------------


def _amount(amount: Pounds | ShareOfContract) -> str:
    if isinstance(amount, Pounds):
        return money(amount.amount)
    return f"{percent(amount.share)} of contract"


def _header(header: Header) -> list[str]:
    body: list[str] = []
    if header.provider is not None:
        body.append(f"provider {string(header.provider.value)}")
    body.extend(f"commissioner {string(c.value)}" for c in header.commissioners)
    if header.year is not None:
        body.append(f"year {header.year.value}")
    if header.framework is not None:
        ref = header.framework
        body.append(f"framework {string(ref.name) if ref.is_path else ref.name}")
    if header.contract_value is not None:
        body.append(f"contract value {money(header.contract_value.value)}")
    if header.outturn_value is not None:
        body.append(f"outturn value {money(header.outturn_value.value)}")
    if header.cquin_value is not None:
        body.append(f"cquin value {_amount(header.cquin_value.value)}")
    if header.national_value is not None:
        body.append(f"national value {_amount(header.national_value.value)}")
    if header.payment_on_account is not None:
        body.append(f"payment on account {percent(header.payment_on_account.value)}")
    if header.reconcile_months is not None:
        months = ", ".join(_integer(m) for m in header.reconcile_months.value)
        body.append(f"reconcile at months {months}")
    if header.deemed_achieved is not None:
        body.append(f"deemed achieved {string(header.deemed_achieved.value)}")
    return _block(f"scheme {string(header.title)}", body)


def _block(opening: str, body: list[str]) -> list[str]:
    return [f"{opening} {{", *(INDENT + line for line in body), "}"]


# ---- goals, parts, periods ----------------------------------------------------------


def _share(weight: Located[Fraction] | None, value: Located[Fraction] | None) -> list[str]:
    lines = []
    if weight is not None:
        lines.append(f"weight {percent(weight.value)}")
    if value is not None:
        lines.append(f"value {money(value.value)}")
    return lines


def _combine(combine: Combine | None) -> list[str]:
    if combine is None:
        return []
    if combine.mode == "at least":
        if combine.count is None:
            raise ValueError("`combine at least` needs a count")
        return [f"combine at least {_integer(combine.count)}"]
    return [f"combine {combine.mode}"]


def _titled(keyword: str, name: str, title: str | None) -> str:
    return f"{keyword} {name}" + ("" if title is None else f" {string(title)}")


def _goal(goal: Goal) -> list[str]:
    body: list[str] = []
    if goal.scope is not None:
        body.append(goal.scope.value)
    if goal.commissioner is not None:
        body.append(f"commissioner {string(goal.commissioner.value)}")
    if goal.domains is not None:
        body.append("domain " + ", ".join(goal.domains.value))
    if goal.gate is not None:
        body.append("gate")
    body.extend(_share(goal.weight, goal.value))
    body.extend(_combine(goal.combine))
    if goal.lead is not None:
        body.append(f"lead {string(goal.lead)}")
    if goal.rationale is not None:
        body.append(f"rationale {string(goal.rationale)}")
    if goal.status is not None:
        body.append(f"status {goal.status}")
    body.extend(_items(goal.items))
    for period in goal.periods:
        body.extend(_period(period))
    return _block(f"goal {goal.code} {string(goal.title)}", body)


def _items(items: tuple[Item, ...]) -> list[str]:
    lines: list[str] = []
    for item in items:
        lines.extend(_indicator(item) if isinstance(item, Indicator) else _part(item))
    return lines


def _part(part: Part) -> list[str]:
    body = [*_share(part.weight, part.value), *_combine(part.combine), *_items(part.items)]
    return _block(_titled("part", part.name, part.title), body)


def _period(period: Period) -> list[str]:
    body = [*_combine(period.combine), *_items(period.items)]
    return _block(f"period {period.name} {percent(period.share.value)}", body)


# ---- indicators and pay rules -------------------------------------------------------


def _indicator(indicator: Indicator) -> list[str]:
    body: list[str] = []
    if indicator.measure is not None:
        body.append(f"measure {indicator.measure.value}")
    if indicator.direction is not None:
        body.append(f"{indicator.direction.value} is better")
    body.extend(_share(indicator.weight, indicator.value))
    if indicator.gate is not None and indicator.gate.value:
        body.append("gate")
    if indicator.baseline is not None:
        body.append(f"baseline {quantity(indicator.baseline.value)}")
    if indicator.minimum_denominator is not None:
        body.append(f"minimum denominator {_integer(indicator.minimum_denominator.value)}")
    if indicator.source is not None:
        body.append(f"source {string(indicator.source)}")
    if indicator.reported is not None:
        body.append(f"reported {indicator.reported}")
    if indicator.definition is not None:
        body.append(f"definition {string(indicator.definition)}")
    if indicator.exclusions is not None:
        body.append(f"exclusions {string(indicator.exclusions)}")
    if indicator.pay is not None:
        body.extend(pay_rule(indicator.pay))
    return _block(_titled("indicator", indicator.name, indicator.title), body)


def pay_rule(rule: PayRule) -> list[str]:
    """The `pay` statement, one-line when it was written so and still fits that shape."""
    rows = rule.rows
    if rule.form == "linear" and len(rows) == 1 and rows[0].condition is None:
        line = rows[0].payout
        if isinstance(line, LinearPay):
            return [f"pay {payout(line)}"]
    if (
        rule.form == "when"
        and len(rows) == 2
        and isinstance(rows[0].payout, FixedPay)
        and rows[0].condition is not None
        and rows[1].condition is None
        and rows[1].payout == FixedPay(Fraction(0))
    ):
        return [f"pay {payout(rows[0].payout)} when {condition(rows[0].condition)}"]
    return _table(rows)


def _table(rows: tuple[Row, ...]) -> list[str]:
    lines = []
    for row in rows:
        tail = "otherwise" if row.condition is None else f"when {condition(row.condition)}"
        lines.append(f"{payout(row.payout)} {tail}")
    return _block("pay", lines)


def payout(pays: Payout) -> str:
    """`62.5%` or `linear from 60% to baseline + 5pp`."""
    if isinstance(pays, FixedPay):
        return percent(pays.share)
    return f"linear from {threshold(pays.start)} to {threshold(pays.end)}"


def condition(cond: Condition) -> str:
    if isinstance(cond, ValueIs):
        return f"value {cond.comparison} {threshold(cond.threshold)}"
    if isinstance(cond, DenominatorBelow):
        return f"denominator < {_integer(cond.limit)}"
    if isinstance(cond, Achieved):
        return "not achieved" if cond.negated else "achieved"
    assert isinstance(cond, Reported)
    return "reported"


def threshold(expression: Threshold) -> str:
    if isinstance(expression, Fixed):
        return quantity(expression.quantity)
    assert isinstance(expression, Baseline)
    if expression.operator == "" or expression.operand is None:
        return "baseline"
    return f"baseline {expression.operator} {quantity(expression.operand)}"


# ---- examples -----------------------------------------------------------------------


def _target(target: Target) -> str:
    return str(target)


def measured(value: MeasuredValue) -> str:
    """A measured value as written in examples and measurement files."""
    if isinstance(value, PercentValue):
        return percent(value.value)
    if isinstance(value, Ratio):
        return f"{_integer(value.numerator)}/{_integer(value.denominator)}"
    if isinstance(value, NumberValue):
        return decimal(value.value)
    assert isinstance(value, Evidence)
    return "achieved" if value.achieved else "not achieved"


def _input(line: ExampleInput) -> str:
    return f"{_target(line.target)} = {measured(line.measured)}"


def _expectation(expectation: Expectation) -> str:
    if isinstance(expectation, ExpectMoney):
        target = expectation.target
        name = target if isinstance(target, str) else _target(target)
        return f"expect {name} = {money(expectation.amount)}"
    return f"expect {_target(expectation.target)} status {expectation.status}"


def example_lines(example: Example) -> list[str]:
    """An example block's lines, before the formatter lays them out (`print_scheme`)."""
    return _example(example)


def _example(example: Example) -> list[str]:
    body = [_input(i) for i in example.inputs] + [_expectation(e) for e in example.expectations]
    return _block(f"example {string(example.name)}", body)
