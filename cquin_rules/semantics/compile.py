"""The evaluable rule tree: everything evaluation needs, resolved once.

`compile_scheme` turns a model `Scheme` into plain frozen data (money per goal, weights
as Fractions, compiled pay rules), so evaluating a set of measurements is a walk over
this tree with no lookups into the text. Decisions, for a scheme that checks clean:

- The cquin and national values are exact (`P% of contract` on the outturn when one is
  given), then rounded to the penny, half up (section 7).
- Each goal's exact share (`value £X`, or weight x the rounded cquin value) is rounded
  to pennies by the largest-remainder method, so the goals total the cquin value.
- A period's `combine` is its own, else its goal's: the goal's `combine` is the default
  for the items of each period without one, and the periods combine by their shares.
- An item's weight is its `weight`, or its `value` / its parent's money, or an equal
  share among the parent's non-gate items. Gates carry no weight. A parent's money is
  the goal's available money, a period's share of it, or a part's share of its parent.

A scheme that does not check clean still compiles without raising: missing amounts
count as £0, mixed weights and values fall back to equal shares, a rule that cannot be
resolved is None (its indicator attains 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from attrs import evolve, field, frozen

from ..syntax import printer
from ..syntax.model import (
    Combine,
    CombineMode,
    Goal,
    Indicator,
    Measure,
    Part,
    PayRule,
    Period,
    Quantity,
    Row,
    Scheme,
    Scope,
    Threshold,
)
from .money import (
    cquin_value_exact,
    national_value_exact,
    percent_text,
    round_half_up,
    split_largest_remainder,
)
from .rules import CompiledRule, compile_rule
from .weights import item_weights
from .wording import RuleRow, rule_rows

IndicatorKey = tuple[str, tuple[str, ...], str]


@frozen
class CompiledIndicator:
    """One indicator in one period (`year` for goals without period blocks)."""

    goal: str
    path: tuple[str, ...]
    period: str
    weight: Fraction
    is_gate: bool
    rule: CompiledRule | None
    rule_text: str
    line: int
    node: Indicator = field(eq=False, repr=False)
    rule_rows: tuple[RuleRow, ...] = field(default=(), eq=False, repr=False)

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def measure(self) -> Measure:
        return self.node.measure_kind

    @property
    def key(self) -> IndicatorKey:
        return (self.goal, self.path, self.period)


@frozen
class CompiledPart:
    path: tuple[str, ...]
    period: str
    weight: Fraction
    combine: CombineMode
    at_least: int | None
    items: tuple[CompiledItem, ...]
    node: Part = field(eq=False, repr=False)

    is_gate = False


CompiledItem = CompiledIndicator | CompiledPart


@frozen
class CompiledPeriod:
    name: str
    share: Fraction
    combine: CombineMode
    at_least: int | None
    items: tuple[CompiledItem, ...]
    node: Period = field(eq=False, repr=False)


@frozen
class CompiledGoal:
    """A goal with its available money. `combine` is how its items combine; on a goal with
    periods it is the default each period without its own has already taken (`periods`
    always combine by their shares)."""

    code: str
    title: str
    scope: Scope
    domains: tuple[str, ...]
    available: Fraction
    combine: CombineMode
    at_least: int | None
    items: tuple[CompiledItem, ...]
    periods: tuple[CompiledPeriod, ...]
    node: Goal = field(eq=False, repr=False)
    rule_text: str = ""
    is_gate: bool = False
    """A scheme gate (section 4): no money; unless its attainment is 1, no goal pays."""
    commissioner: str | None = None
    """Who funds the goal: its `commissioner`, else the header's first (None when none)."""

    def indicators(self) -> list[CompiledIndicator]:
        """Every indicator of the goal, in source order (period by period)."""
        if self.periods:
            return [i for period in self.periods for i in indicators_in(period.items)]
        return indicators_in(self.items)


@frozen
class CompiledScheme:
    title: str
    provider: str | None
    year: str | None
    cquin_value: Fraction
    national_value: Fraction
    goals: tuple[CompiledGoal, ...]
    scheme: Scheme = field(eq=False, repr=False)
    deemed: str | None = None
    """`deemed achieved "reason"`: every goal deemed met, paying in full (section 3)."""
    commissioners: tuple[str, ...] = ()
    _index: dict[IndicatorKey, CompiledIndicator] = field(eq=False, repr=False, factory=dict)

    def goal(self, code: str) -> CompiledGoal | None:
        return next((goal for goal in self.goals if goal.code == code), None)

    def indicators(self) -> list[CompiledIndicator]:
        return [indicator for goal in self.goals for indicator in goal.indicators()]

    def indicator(
        self, goal: str, path: tuple[str, ...], period: str = "year"
    ) -> CompiledIndicator | None:
        return self._index.get((goal, path, period))


def key_name(key: IndicatorKey) -> str:
    """`GOAL.part.indicator`, then the period unless it is `year`: how messages name it."""
    goal, path, period = key
    name = ".".join((goal, *path))
    return name if period == "year" else f"{name} {period}"


def indicators_in(items: Sequence[CompiledItem]) -> list[CompiledIndicator]:
    """Every indicator among `items` and inside their parts, in source order."""
    found: list[CompiledIndicator] = []
    for item in items:
        if isinstance(item, CompiledIndicator):
            found.append(item)
        else:
            found.extend(indicators_in(item.items))
    return found


def compile_scheme(scheme: Scheme) -> CompiledScheme:
    """The scheme as an evaluable tree (see the module docstring for the decisions)."""
    header = scheme.header
    cquin_value = round_half_up(cquin_value_exact(header) or Fraction(0))
    national_value = round_half_up(national_value_exact(header) or Fraction(0))
    shares = [goal_share(goal, cquin_value) for goal in scheme.goals]
    total = round_half_up(sum(shares, Fraction(0)))
    available = split_largest_remainder(total, shares) if shares else []
    first = header.commissioners[0].value if header.commissioners else None
    goals = tuple(
        _compile_goal(goal, money, first)
        for goal, money in zip(scheme.goals, available, strict=True)
    )
    index = {indicator.key: indicator for goal in goals for indicator in goal.indicators()}
    return CompiledScheme(
        title=header.title,
        provider=header.provider.value if header.provider else None,
        year=str(header.year.value) if header.year else None,
        cquin_value=cquin_value,
        national_value=national_value,
        goals=goals,
        scheme=scheme,
        deemed=header.deemed_achieved.value if header.deemed_achieved else None,
        commissioners=tuple(c.value for c in header.commissioners),
        index=index,
    )


def goal_share(goal: Goal, cquin_value: Fraction) -> Fraction:
    """A goal's exact money before the penny split: its value, or its weight of the cquin
    value; a scheme gate's is nothing."""
    if goal.is_gate:
        return Fraction(0)
    if goal.value is not None:
        return goal.value.value
    if goal.weight is not None:
        return goal.weight.value * cquin_value
    return Fraction(0)


def _mode(combine: Combine | None) -> tuple[CombineMode, int | None]:
    if combine is None:
        return "weighted", None
    return combine.mode, combine.count


def _compile_goal(goal: Goal, available: Fraction, first: str | None) -> CompiledGoal:
    combine, at_least = _mode(goal.combine)
    periods = tuple(_compile_period(goal.code, period, available, goal.combine)
                    for period in goal.periods)
    items = () if goal.periods else _compile_items(goal.code, goal.items, (), "year", available)
    compiled = CompiledGoal(
        code=goal.code,
        title=goal.title,
        scope=goal.scope_kind,
        domains=goal.domains.value if goal.domains else (),
        available=available,
        combine=combine,
        at_least=at_least,
        items=items,
        periods=periods,
        node=goal,
        is_gate=goal.is_gate,
        commissioner=goal.commissioner.value if goal.commissioner else first,
    )
    return evolve(compiled, rule_text=goal_rule_text(compiled))


def _compile_period(code: str, period: Period, goal_money: Fraction,
                    default: Combine | None) -> CompiledPeriod:
    """A period block; without a `combine` of its own it takes its goal's (section 6)."""
    combine, at_least = _mode(period.combine or default)
    share = period.share.value
    return CompiledPeriod(
        name=period.name,
        share=share,
        combine=combine,
        at_least=at_least,
        items=_compile_items(code, period.items, (), period.name, share * goal_money),
        node=period,
    )


def _compile_items(
    code: str,
    items: tuple[Indicator | Part, ...],
    prefix: tuple[str, ...],
    period: str,
    money: Fraction,
) -> tuple[CompiledItem, ...]:
    weights = item_weights(items, money)
    compiled: list[CompiledItem] = []
    for item, weight in zip(items, weights, strict=True):
        path = (*prefix, item.name)
        if isinstance(item, Indicator):
            compiled.append(
                CompiledIndicator(
                    goal=code,
                    path=path,
                    period=period,
                    weight=weight,
                    is_gate=item.is_gate,
                    rule=compile_rule(item),
                    rule_text=rule_text(item.pay),
                    line=item.pay.span.line if item.pay else item.span.line,
                    node=item,
                    rule_rows=rule_rows(item),
                )
            )
        else:
            combine, at_least = _mode(item.combine)
            compiled.append(
                CompiledPart(
                    path=path,
                    period=period,
                    weight=weight,
                    combine=combine,
                    at_least=at_least,
                    items=_compile_items(code, item.items, path, period, weight * money),
                    node=item,
                )
            )
    return tuple(compiled)


# ---- the rule in words, as written (for reports) --------------------------------------


def goal_rule_text(goal: CompiledGoal) -> str:
    """How a goal's indicators make its attainment, in one short sentence a commissioner
    reads: `weighted: inpatient 40%, community 30%, early 30%`, `all of: x, y`,
    `the weakest of: x, y`, `at least 2 of: a, b, c`, `by period: Q2 50% (plan), Q4 50%
    (plan)`, with gates (`; unlocked by: audit`) and parts (`clinical (all of: a, b)`)."""
    if goal.periods:
        named = [
            (period.name, period.share,
             _combined_text(period.items, period.combine, period.at_least))
            for period in goal.periods
        ]
        return "by period: " + ", ".join(
            f"{name} {printer.percent(share)} ({inside})" for name, share, inside in named
        )
    if not goal.items:
        return "no indicators"
    text = _combined_text(goal.items, goal.combine, goal.at_least)
    weighed = [item for item in goal.items if not item.is_gate]
    return f"paid on {text}" if _lone(weighed, goal.combine) else text


def part_rule_text(part: CompiledPart) -> str:
    """How a part's items make its attainment, in the words of `goal_rule_text`."""
    text = _combined_text(part.items, part.combine, part.at_least)
    weighed = [item for item in part.items if not item.is_gate]
    return f"paid on {text}" if _lone(weighed, part.combine) else text


def _combined_text(items: Sequence[CompiledItem], mode: CombineMode, at_least: int | None
                   ) -> str:
    """Items combined by `mode`, then their gates; a lone item is just named."""
    weighed = [item for item in items if not item.is_gate]
    gates = [_item_text(item) for item in items if item.is_gate]
    names = [_item_text(item) for item in weighed]
    if not weighed:
        text = "in full" if gates else "nothing"
    elif _lone(weighed, mode):
        text = names[0]
    elif mode == "weighted":
        weights = {item.weight for item in weighed}
        if len(weights) == 1:
            text = "weighted equally: " + ", ".join(names)
        else:
            text = "weighted: " + ", ".join(
                _item_text(item, _weight_text(item)) for item in weighed
            )
    else:
        text = f"{_mode_text(mode, at_least)}: " + ", ".join(names)
    return f"{text}; unlocked by: {', '.join(gates)}" if gates else text


def _weight_text(item: CompiledItem) -> str:
    """A weight as written (`33.335%`); a share worked out from a `value £X`, to 2 places."""
    written = item.node.weight
    return printer.percent(written.value) if written is not None else percent_text(item.weight, 2)


def _lone(weighed: Sequence[CompiledItem], mode: CombineMode) -> bool:
    """One item that decides alone, so naming it says everything."""
    if len(weighed) != 1:
        return False
    return mode in ("minimum", "all") or (mode == "weighted" and weighed[0].weight == 1)


def _item_text(item: CompiledItem, share: str = "") -> str:
    """An indicator's name, or a part's name with how its own items combine."""
    name = f"{item.path[-1]} {share}" if share else item.path[-1]
    if isinstance(item, CompiledIndicator):
        return name
    return f"{name} ({_combined_text(item.items, item.combine, item.at_least)})"


def _mode_text(mode: CombineMode, at_least: int | None) -> str:
    if mode == "minimum":
        return "the weakest of"
    if mode == "all":
        return "all of"
    if mode == "at least":
        return f"at least {at_least or 0} of"
    return "weighted"


def rule_text(pay: PayRule | None) -> str:
    """`linear from 60% to 75%`, `100% when value >= 90%`, or a table's rows joined by `; `."""
    if pay is None or not pay.rows:
        return ""
    if pay.form in ("linear", "when"):
        first = pay.rows[0]
        return _payout_text(first) if first.condition is None else _row_text(first)
    return "; ".join(_row_text(row) for row in pay.rows)


def _row_text(row: Row) -> str:
    if row.condition is None:
        return f"{printer.payout(row.payout)} otherwise"
    return f"{printer.payout(row.payout)} when {printer.condition(row.condition)}"


def _payout_text(row: Row) -> str:
    return printer.payout(row.payout)


def threshold_text(threshold: Threshold) -> str:
    """A threshold exactly as the language writes it (`baseline + 12.34567pp`)."""
    return printer.threshold(threshold)


def quantity_text(quantity: Quantity) -> str:
    """A number exactly as the language writes it: `90%`, `5pp`, `250`."""
    return printer.quantity(quantity)
