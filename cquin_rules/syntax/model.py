"""The typed model of a rulebook: what the text says, in the domain's words.

Every node is frozen and slotted and keeps the span of source it came from. Spans are
left out of equality, so two texts that differ only in layout or comments give equal
models (a law the tests check). Numbers are exact `Fraction`s throughout: percentages
are stored as fractions of one (62.5% is 5/8), money in pounds (£1,234.56 is
123456/100).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Generic, Literal, TypeVar

from attrs import field, frozen

from ..base.span import NOWHERE, Span

T = TypeVar("T")


def _span() -> Span:
    return field(default=NOWHERE, eq=False, repr=False)


@frozen
class Located(Generic[T]):
    """A statement's value with the span of the whole statement (diagnostics point here)."""

    value: T
    span: Span = _span()


# ---- literals and measured values ---------------------------------------------------

LiteralKind = Literal["percent", "number", "points"]


@frozen
class Quantity:
    """A number as written: `90%` (percent, 9/10), `250` (number), `5pp` (points, 1/20)."""

    value: Fraction
    kind: LiteralKind
    span: Span = _span()


# ---- threshold expressions (section 5) --------------------------------------------


@frozen
class Fixed:
    """A threshold written as a literal: `90%`, `250`."""

    quantity: Quantity
    span: Span = _span()


@frozen
class Baseline:
    """`baseline`, `baseline + A`, `baseline - A` or `baseline * P%`."""

    operator: Literal["", "+", "-", "*"]
    operand: Quantity | None
    span: Span = _span()


Threshold = Fixed | Baseline


# ---- pay rules (section 6) ----------------------------------------------------------


@frozen
class FixedPay:
    """A row paying a fixed share: `50%`."""

    share: Fraction
    span: Span = _span()


@frozen
class LinearPay:
    """`linear from A to B`: 0 at A or worse, 1 at B or better, straight between."""

    start: Threshold
    end: Threshold
    span: Span = _span()


Payout = FixedPay | LinearPay

Comparison = Literal[">=", ">", "<=", "<"]


@frozen
class ValueIs:
    """`value OP threshold`."""

    comparison: Comparison
    threshold: Threshold
    span: Span = _span()


@frozen
class DenominatorBelow:
    """`denominator < N`: small numbers, usually not assessable."""

    limit: int
    span: Span = _span()


@frozen
class Achieved:
    """`achieved` (or `not achieved` when `negated`), for evidence measures."""

    negated: bool = False
    span: Span = _span()


@frozen
class Reported:
    """`reported`: pays when a measurement is supplied at all (DH §16, §60)."""

    span: Span = _span()


Condition = ValueIs | DenominatorBelow | Achieved | Reported


@frozen
class Row:
    """One row of a pay table; `condition` None is the `otherwise` row."""

    payout: Payout
    condition: Condition | None
    span: Span = _span()


PayForm = Literal["linear", "when", "table"]


@frozen
class PayRule:
    """An ordered table of rows; the first whose condition holds gives the attainment.

    One-line forms are kept as tables with `form` saying how they were written, so the
    evaluator sees one shape and the formatter can write them back as they were.
    """

    form: PayForm
    rows: tuple[Row, ...]
    span: Span = _span()


# ---- indicators, parts, periods, goals (sections 4 and 5) ---------------------------

Measure = Literal["percent", "number", "evidence"]
Direction = Literal["higher", "lower"]


@frozen
class Indicator:
    name: str
    title: str | None
    measure: Located[Measure] | None = None
    direction: Located[Direction] | None = None
    weight: Located[Fraction] | None = None
    value: Located[Fraction] | None = None
    gate: Located[bool] | None = None
    baseline: Located[Quantity] | None = None
    minimum_denominator: Located[int] | None = None
    source: str | None = None
    reported: str | None = None
    definition: str | None = None
    exclusions: str | None = None
    pay: PayRule | None = None
    span: Span = _span()

    @property
    def measure_kind(self) -> Measure:
        return self.measure.value if self.measure else "percent"

    @property
    def is_gate(self) -> bool:
        return self.gate is not None


CombineMode = Literal["weighted", "minimum", "all", "at least"]


@frozen
class Combine:
    """How items' attainments make their parent's: `at least` uses `count`."""

    mode: CombineMode
    count: int | None = None
    span: Span = _span()


@frozen
class Part:
    name: str
    title: str | None
    weight: Located[Fraction] | None = None
    value: Located[Fraction] | None = None
    combine: Combine | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


Item = Indicator | Part

PERIOD_NAMES = ("Q1", "Q2", "Q3", "Q4", "H1", "H2", "year", *(f"M{i}" for i in range(1, 13)))

#: The contract month (1 = April) in which each period ends.
PERIOD_END_MONTH: dict[str, int] = {
    "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12, "year": 12,
    **{f"M{i}": i for i in range(1, 13)},
}


@frozen
class Period:
    name: str
    share: Located[Fraction]
    combine: Combine | None = None
    items: tuple[Item, ...] = ()
    span: Span = _span()


Scope = Literal["national", "local"]
DOMAINS = ("safety", "effectiveness", "experience", "innovation")
NEGOTIATION_STATUSES = ("purple", "green", "amber", "red", "blue")
REPORTING_FREQUENCIES = ("monthly", "quarterly", "annually")


@frozen
class Goal:
    code: str
    title: str
    scope: Located[Scope] | None = None
    domains: Located[tuple[str, ...]] | None = None
    weight: Located[Fraction] | None = None
    value: Located[Fraction] | None = None
    combine: Combine | None = None
    items: tuple[Item, ...] = ()
    periods: tuple[Period, ...] = ()
    lead: str | None = None
    rationale: str | None = None
    status: str | None = None
    commissioner: Located[str] | None = None
    gate: Located[bool] | None = None
    span: Span = _span()

    @property
    def scope_kind(self) -> Scope:
        return self.scope.value if self.scope else "local"

    @property
    def is_gate(self) -> bool:
        """A scheme gate (section 4): no money of its own; unless met, no goal pays."""
        return self.gate is not None


# ---- the scheme header (section 3) --------------------------------------------------


@frozen
class ShareOfContract:
    """`2.5% of contract` (taken on the outturn when one is given)."""

    share: Fraction
    span: Span = _span()


@frozen
class Pounds:
    """`£3,000,000`."""

    amount: Fraction
    span: Span = _span()


Amount = ShareOfContract | Pounds


@frozen
class FinancialYear:
    """`2018/19`."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.start}/{self.end % 100:02d}"


@frozen
class FrameworkRef:
    """`framework NAME` (built in) or `framework "PATH"` (a file beside the rulebook)."""

    name: str
    is_path: bool
    span: Span = _span()


@frozen
class Header:
    title: str
    provider: Located[str] | None = None
    commissioners: tuple[Located[str], ...] = ()
    year: Located[FinancialYear] | None = None
    framework: FrameworkRef | None = None
    contract_value: Located[Fraction] | None = None
    outturn_value: Located[Fraction] | None = None
    cquin_value: Located[Amount] | None = None
    national_value: Located[Amount] | None = None
    payment_on_account: Located[Fraction] | None = None
    reconcile_months: Located[tuple[int, ...]] | None = None
    deemed_achieved: Located[str] | None = None
    span: Span = _span()


# ---- measured values (sections 10 and 11) -------------------------------------------


@frozen
class PercentValue:
    """`68%`."""

    value: Fraction


@frozen
class Ratio:
    """`140/200`: a percent with its denominator (for `denominator < N` rows)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)


@frozen
class NumberValue:
    """`212`: a count or other plain number, for `measure number`."""

    value: Fraction


@frozen
class Evidence:
    """`achieved` / `not achieved` (or `yes` / `no`)."""

    achieved: bool


MeasuredValue = PercentValue | Ratio | NumberValue | Evidence


# ---- examples (section 11) ----------------------------------------------------------


@frozen
class Target:
    """`GOAL.part.indicator [PERIOD]`; `path` is empty when a whole goal is meant."""

    goal: str
    path: tuple[str, ...] = ()
    period: str | None = None
    span: Span = _span()

    def __str__(self) -> str:
        text = ".".join((self.goal, *self.path))
        return f"{text} {self.period}" if self.period else text


@frozen
class ExampleInput:
    target: Target
    measured: MeasuredValue
    span: Span = _span()


Total = Literal["total", "national", "local"]
Status = Literal["met", "partially met", "not met", "not reported", "deemed met",
                 "not yet due"]


@frozen
class ExpectMoney:
    """`expect GOAL = £X` or `expect total|national|local = £X`."""

    target: Target | Total
    amount: Fraction
    span: Span = _span()


@frozen
class ExpectStatus:
    """`expect GOAL[.indicator] [PERIOD] status met`."""

    target: Target
    status: Status
    span: Span = _span()


Expectation = ExpectMoney | ExpectStatus


@frozen
class Example:
    name: str
    inputs: tuple[ExampleInput, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    span: Span = _span()


# ---- the whole rulebook -------------------------------------------------------------


@frozen
class Scheme:
    """A parsed rulebook: one header, its goals and its examples, in source order."""

    header: Header
    goals: tuple[Goal, ...] = ()
    examples: tuple[Example, ...] = ()
    span: Span = _span()


def item_lists(goal: Goal) -> list[tuple[str, tuple[Item, ...]]]:
    """A goal's items by period: one `(period, items)` per period block, or `("year",
    items)` for a goal assessed on the year."""
    if goal.periods:
        return [(period.name, period.items) for period in goal.periods]
    return [("year", goal.items)]


def walk_items(
    items: tuple[Item, ...], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Item]]:
    """Every part and indicator under `items`, each with its path, parents first."""
    for item in items:
        path = (*prefix, item.name)
        yield path, item
        if isinstance(item, Part):
            yield from walk_items(item.items, path)


def find_item(items: tuple[Item, ...], path: tuple[str, ...]) -> Item | None:
    """The part or indicator at `path` (part names, then its own name) under `items`."""
    for item in items:
        if item.name != path[0]:
            continue
        if len(path) == 1:
            return item
        if isinstance(item, Part):
            return find_item(item.items, path[1:])
    return None


def walk_indicators(
    items: tuple[Item, ...], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Indicator]]:
    """Every indicator under `items` with its path (part names then its own name)."""
    found: list[tuple[tuple[str, ...], Indicator]] = []
    for item in items:
        if isinstance(item, Indicator):
            found.append(((*prefix, item.name), item))
        else:
            found.extend(walk_indicators(item.items, (*prefix, item.name)))
    return found


def goal_indicators(goal: Goal) -> list[tuple[str, tuple[str, ...], Indicator]]:
    """Every indicator of a goal as (period, path, indicator); period is `year` when the
    goal has no period blocks."""
    if goal.periods:
        return [
            (period.name, path, indicator)
            for period in goal.periods
            for path, indicator in walk_indicators(period.items)
        ]
    return [("year", path, indicator) for path, indicator in walk_indicators(goal.items)]

