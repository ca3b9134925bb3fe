"""Hypothesis strategies for valid rulebook models, built from model.py, not from files.

Every scheme drawn here should check clean: money and weights add up exactly, pay rules
are monotone, reachable and fit their measure. So a property that fails on one of them
is a bug in the stage under test (or in these strategies), never a bad input.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import pairwise
from typing import Literal, TypeVar

from attrs import evolve
from hypothesis import strategies as st

from cquin_rules.semantics.rules import Linear, compile_rule
from cquin_rules.syntax.model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    REPORTING_FREQUENCIES,
    Achieved,
    Baseline,
    Combine,
    CombineMode,
    Comparison,
    DenominatorBelow,
    Direction,
    Evidence,
    Example,
    ExampleInput,
    Expectation,
    ExpectMoney,
    ExpectStatus,
    FinancialYear,
    Fixed,
    FixedPay,
    FrameworkRef,
    Goal,
    Header,
    Indicator,
    Item,
    LinearPay,
    Located,
    Measure,
    MeasuredValue,
    NumberValue,
    Part,
    PayRule,
    PercentValue,
    Period,
    Pounds,
    Quantity,
    Ratio,
    Reported,
    Row,
    Scheme,
    Scope,
    ShareOfContract,
    Target,
    Threshold,
    ValueIs,
    goal_indicators,
)

T = TypeVar("T")
Key = tuple[str, tuple[str, ...], str]

ONE = Fraction(1)
ZERO = Fraction(0)
PAY_GRID = tuple(Fraction(k, 100) for k in range(0, 101, 5))
#: Keywords that are fine as indicator and part names (section 2).
KEYWORD_NAMES = ("total", "value", "weight", "pay", "baseline", "gate", "measure", "linear",
                 "period", "part", "national", "local", "achieved", "reported", "expect")
#: Words a goal code may not be: they mean the totals in `expect` lines (E101), or
#: compete with `expect` at the start of an example line.
RESERVED_CODES = frozenset({"total", "national", "local", "expect"})

# ---- names and text -----------------------------------------------------------------

plain_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,9}", fullmatch=True)
names = st.one_of(plain_names, plain_names, plain_names, st.sampled_from(KEYWORD_NAMES))
goal_codes = st.from_regex(r"[A-Z][A-Z0-9]{0,5}", fullmatch=True)
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=0, max_size=30
) | st.sampled_from(['say "hello"', "back\\slash", "Dr O’Brien", "£5 ✓", ""])

OPTIONAL_TEXT = st.none() | texts


def unique_names(draw: st.DrawFn, count: int, source: st.SearchStrategy[str] = names
                 ) -> list[str]:
    return draw(st.lists(source, min_size=count, max_size=count, unique=True))


def partition(draw: st.DrawFn, total: int, count: int) -> list[int]:
    """`count` positive whole numbers adding up to `total`."""
    if count == 1:
        return [total]
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=count - 1,
                                max_size=count - 1, unique=True)))
    edges = [0, *cuts, total]
    return [b - a for a, b in pairwise(edges)]


def pick(draw: st.DrawFn, choices: Sequence[T]) -> T:
    """One of `choices` (cheaper than building a `sampled_from` for every draw)."""
    return choices[draw(st.integers(0, len(choices) - 1))]


def loc(value: T) -> Located[T]:
    return Located(value)


def is_finite_decimal(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


# ---- thresholds and pay rules -------------------------------------------------------


def _scale(measure: Measure) -> tuple[Fraction, Fraction]:
    """The range of a measure's values used for thresholds: percent 0–1, number 0–1000."""
    return (ZERO, ONE) if measure == "percent" else (ZERO, Fraction(1000))


def _values(measure: Measure, baseline: Fraction | None) -> st.SearchStrategy[Fraction]:
    """Candidate threshold values strictly inside the measure's range."""
    if measure == "percent":
        plain = st.integers(1, 199).map(lambda k: Fraction(k, 200))
    else:
        plain = st.integers(1, 9999).map(lambda k: Fraction(k, 10))
    if baseline is None:
        return plain
    low, high = _scale(measure)
    unit = Fraction(1, 100) if measure == "percent" else ONE
    near = st.integers(-20, 20).map(lambda k: baseline + k * unit)
    relative = st.integers(50, 150).map(lambda k: baseline * Fraction(k, 100))
    return st.one_of(plain, near, relative).filter(lambda v: low < v < high)


def threshold_for(draw: st.DrawFn, value: Fraction, measure: Measure,
                  baseline: Fraction | None) -> Threshold:
    """An expression that resolves to `value`: a literal or baseline arithmetic."""
    kind: Literal["percent", "number"] = "percent" if measure == "percent" else "number"
    options: list[Threshold] = [Fixed(Quantity(value, kind))]
    if baseline is not None:
        delta_kind: Literal["points", "number"] = "points" if measure == "percent" else "number"
        if value == baseline:
            options.append(Baseline("", None))
        elif value > baseline:
            options.append(Baseline("+", Quantity(value - baseline, delta_kind)))
        else:
            options.append(Baseline("-", Quantity(baseline - value, delta_kind)))
        if baseline != 0 and is_finite_decimal(value / baseline):
            options.append(Baseline("*", Quantity(value / baseline, "percent")))
    return pick(draw, options)


@st.composite
def pay_setups(draw: st.DrawFn, measure: Measure) -> tuple[
        Direction | None, Quantity | None, int | None, PayRule]:
    """(direction the rule shows, baseline, minimum denominator, pay rule) for a measure."""
    if measure == "evidence":
        return None, None, None, draw(st.sampled_from(_EVIDENCE_RULES))
    base: Fraction | None = None
    if draw(st.booleans()):
        base = draw(_values(measure, None))
    baseline = None if base is None else Quantity(base, "percent" if measure == "percent"
                                                  else "number")
    form = draw(st.sampled_from(("linear", "when", "table", "table", "reported")))
    if form == "reported":
        return None, baseline, None, PayRule("when", (Row(FixedPay(ONE), Reported()),
                                                      Row(FixedPay(ZERO), None)))
    direction: Direction = draw(st.sampled_from(("higher", "lower")))
    higher = direction == "higher"
    values = _values(measure, base)

    def expr(value: Fraction) -> Threshold:
        return threshold_for(draw, value, measure, base)

    def linear(start: Fraction, end: Fraction) -> LinearPay:
        return LinearPay(expr(start), expr(end))

    if form == "linear":
        low, high = sorted(draw(st.lists(values, min_size=2, max_size=2, unique=True)))
        rule = PayRule("linear", (Row(linear(low, high) if higher else linear(high, low), None),))
        minimum = draw(st.none() | st.integers(2, 50)) if measure == "percent" else None
        return direction, baseline, minimum, rule
    ops: tuple[Comparison, Comparison] = (">=", ">") if higher else ("<=", "<")
    if form == "when":
        rule = PayRule("when", (
            Row(FixedPay(ONE), ValueIs(pick(draw, ops), expr(draw(values)))),
            Row(FixedPay(ZERO), None),
        ))
        minimum = draw(st.none() | st.integers(2, 50)) if measure == "percent" else None
        return direction, baseline, minimum, rule
    bands: list[Fraction] = sorted(
        draw(st.lists(values, min_size=1, max_size=4, unique=True)),
        reverse=higher,
    )
    last = bands[-1]
    otherwise_payout: FixedPay | LinearPay | None = None
    floor = ZERO
    if draw(st.booleans()):
        ends = sorted(draw(st.lists(values, min_size=2, max_size=2, unique=True)))
        start, end = (ends[0], ends[1]) if higher else (ends[1], ends[0])
        floor = Linear(start, end).at(last)
        otherwise_payout = linear(start, end)
    allowed = [p for p in PAY_GRID if p >= floor] or [ONE]
    pays = sorted(draw(st.lists(st.sampled_from(allowed), min_size=len(bands),
                                max_size=len(bands))), reverse=True)
    pays[0] = ONE
    if otherwise_payout is None:
        otherwise_payout = FixedPay(pick(draw, [p for p in PAY_GRID if p <= pays[-1]]))
    rows = [Row(FixedPay(pay), ValueIs(pick(draw, ops), expr(band)))
            for pay, band in zip(pays, bands, strict=True)]
    rows.append(Row(otherwise_payout, None))
    minimum = None
    if measure == "percent" and draw(st.booleans()):
        if draw(st.booleans()):
            rows.insert(0, Row(FixedPay(ONE), DenominatorBelow(draw(st.integers(2, 50)))))
        else:
            minimum = draw(st.integers(2, 50))
    return direction, baseline, minimum, PayRule("table", tuple(rows))


_EVIDENCE_RULES = (
    PayRule("when", (Row(FixedPay(ONE), Achieved()), Row(FixedPay(ZERO), None))),
    PayRule("table", (Row(FixedPay(ONE), Achieved()), Row(FixedPay(ZERO), None))),
    PayRule("table", (Row(FixedPay(ONE), Achieved()), Row(FixedPay(Fraction(1, 2)), None))),
    PayRule("table", (Row(FixedPay(ZERO), Achieved(negated=True)), Row(FixedPay(ONE), None))),
    PayRule("when", (Row(FixedPay(ONE), Reported()), Row(FixedPay(ZERO), None))),
)


# ---- indicators, parts, periods -----------------------------------------------------


@st.composite
def indicators(draw: st.DrawFn, name: str, share: tuple[str, Fraction] | None = None,
               gate: bool = False) -> Indicator:
    """One indicator; `share` is ("weight", P) or ("value", £X) when its parent weighs items."""
    measure: Measure = draw(st.sampled_from(("percent", "percent", "number", "evidence")))
    direction, baseline, minimum, rule = draw(pay_setups(measure))
    must_declare = measure == "percent" and direction == "lower"  # section 5: E405 otherwise
    declared = direction if direction and (draw(st.booleans()) or must_declare) else None
    return Indicator(
        name=name,
        title=draw(OPTIONAL_TEXT),
        measure=None if measure == "percent" and draw(st.booleans()) else loc(measure),
        direction=None if declared is None else loc(declared),
        weight=loc(share[1]) if share and share[0] == "weight" else None,
        value=loc(share[1]) if share and share[0] == "value" else None,
        gate=loc(True) if gate else None,
        baseline=None if baseline is None else loc(baseline),
        minimum_denominator=None if minimum is None else loc(minimum),
        source=draw(OPTIONAL_TEXT),
        reported=draw(st.none() | st.sampled_from(REPORTING_FREQUENCIES)),
        definition=draw(OPTIONAL_TEXT),
        exclusions=draw(OPTIONAL_TEXT),
        pay=rule,
    )


@st.composite
def combines(draw: st.DrawFn, count: int) -> Combine | None:
    mode: CombineMode | None = draw(st.sampled_from(
        (None, None, "weighted", "minimum", "all", "at least")))
    if mode is None:
        return None
    if mode == "at least":
        return Combine(mode, draw(st.integers(1, count)))
    return Combine(mode)


def _whole_pence(amount: Fraction | None) -> bool:
    return amount is not None and (amount * 100).denominator == 1


@st.composite
def item_lists(draw: st.DrawFn, money: Fraction | None, depth: int = 0
               ) -> tuple[Combine | None, tuple[Item, ...]]:
    """The items of a goal, part or period, and how they combine.

    Items carry weights totalling 100%, values totalling `money` (only when the parent's
    money is known exactly in whole pence), or nothing (equal shares); gates carry none.
    """
    count: int = draw(st.integers(1, 4 if depth == 0 else 3))
    gates: int = draw(st.sampled_from((0, 0, 0, 1)))
    combine: Combine | None = draw(combines(count))
    weighted = combine is None or combine.mode == "weighted"
    modes = ["none", "weight"] + (["value"] if _whole_pence(money) and money and
                                  money * 100 >= count else [])
    mode = pick(draw, modes) if weighted else "none"
    shares: list[tuple[str, Fraction] | None] = [None] * count
    if mode == "weight":
        shares = [("weight", Fraction(k, 100)) for k in partition(draw, 100, count)]
    elif mode == "value":
        assert money is not None
        shares = [("value", Fraction(k, 100))
                  for k in partition(draw, int(money * 100), count)]
    all_names = unique_names(draw, count + gates)
    items: list[Item] = []
    for name, share in zip(all_names, shares, strict=False):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            items.append(draw(parts(name, share, depth + 1)))
        else:
            items.append(draw(indicators(name, share)))
    for name in all_names[count:]:
        gate = draw(indicators(name, None, gate=True))
        items.insert(draw(st.integers(0, len(items))), gate)
    return combine, tuple(items)


@st.composite
def parts(draw: st.DrawFn, name: str, share: tuple[str, Fraction] | None, depth: int) -> Part:
    money = share[1] if share and share[0] == "value" else None
    combine, items = draw(item_lists(money, depth))
    return Part(
        name=name,
        title=draw(OPTIONAL_TEXT),
        weight=loc(share[1]) if share and share[0] == "weight" else None,
        value=loc(share[1]) if share and share[0] == "value" else None,
        combine=combine,
        items=items,
    )


PERIOD_FAMILIES = (("Q1", "Q2", "Q3", "Q4"), ("H1", "H2"), ("year",),
                   tuple(f"M{i}" for i in range(1, 13)))


@st.composite
def periods(draw: st.DrawFn) -> tuple[Period, ...]:
    family: tuple[str, ...] = draw(st.sampled_from(PERIOD_FAMILIES))
    chosen = sorted(draw(st.lists(st.sampled_from(family), min_size=1,
                                  max_size=min(4, len(family)), unique=True)),
                    key=family.index)
    shares = partition(draw, 100, len(chosen)) if len(chosen) > 1 else [100]
    result = []
    for name, share in zip(chosen, shares, strict=True):
        combine, items = draw(item_lists(None, 1))
        result.append(Period(name, loc(Fraction(share, 100)), combine, items))
    return tuple(result)


def counted_items(items: tuple[Item, ...]) -> int:
    """How many of `items` a combine counts: gates are not among them."""
    return sum(1 for item in items if not (isinstance(item, Indicator) and item.is_gate))


@st.composite
def goal_combines(draw: st.DrawFn, goal_periods: tuple[Period, ...]) -> Combine | None:
    """A goal's `combine` over period blocks: the default of each period without its own
    (section 6), so `at least K` asks no more than the smallest such period holds."""
    taking = [counted_items(p.items) for p in goal_periods if p.combine is None]
    return draw(combines(min(taking, default=3)))


# ---- goals and the header -----------------------------------------------------------


@st.composite
def goals(draw: st.DrawFn, code: str, share: tuple[str, Fraction],
          national: bool, commissioners: Sequence[str] = ()) -> Goal:
    scope: Located[Scope] | None = Located("national")
    if not national:
        scope = draw(st.sampled_from((None, Located[Scope]("local"))))
    domains = draw(st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=4, unique=True))
    money = share[1] if share[0] == "value" else None
    combine: Combine | None = None
    items: tuple[Item, ...] = ()
    goal_periods: tuple[Period, ...] = ()
    if draw(st.integers(0, 3)) == 0:
        goal_periods = draw(periods())
        combine = draw(goal_combines(goal_periods))
    else:
        combine, items = draw(item_lists(money))
    return Goal(
        code=code,
        title=draw(texts),
        scope=scope,
        domains=loc(tuple(domains)),
        weight=loc(share[1]) if share[0] == "weight" else None,
        value=loc(share[1]) if share[0] == "value" else None,
        combine=combine,
        items=items,
        periods=goal_periods,
        lead=draw(OPTIONAL_TEXT),
        rationale=draw(OPTIONAL_TEXT),
        status=draw(st.none() | st.sampled_from(NEGOTIATION_STATUSES)),
        commissioner=_commissioner(draw, commissioners),
    )


def _commissioner(draw: st.DrawFn, commissioners: Sequence[str]) -> Located[str] | None:
    """None, or one of the header's commissioners (a goal's `commissioner` line)."""
    if not commissioners:
        return None
    return draw(st.none() | st.sampled_from(commissioners).map(loc))


@st.composite
def scheme_gates(draw: st.DrawFn, code: str, commissioners: Sequence[str] = ()) -> Goal:
    """A scheme gate: `gate`, no money, no domain needed (one sometimes given)."""
    combine, items = draw(item_lists(None))
    domains = draw(st.lists(st.sampled_from(DOMAINS), max_size=2, unique=True))
    return Goal(
        code=code,
        title=draw(texts),
        scope=draw(st.sampled_from((None, Located[Scope]("local"), Located[Scope]("national")))),
        domains=loc(tuple(domains)) if domains else None,
        gate=loc(True),
        combine=combine,
        items=items,
        commissioner=_commissioner(draw, commissioners),
    )


framework_refs = st.one_of(
    names.map(lambda name: FrameworkRef(name, is_path=False)),
    texts.map(lambda path: FrameworkRef(path, is_path=True)),
)
pounds = st.integers(1_000, 10_000_000).map(Fraction)
contract_values = st.one_of(
    st.integers(1_000_000, 500_000_000).map(Fraction),
    st.integers(100_000_000, 50_000_000_000).map(lambda p: Fraction(p, 100)),
)


@st.composite
def schemes(draw: st.DrawFn, framework: bool = False, examples: bool = False) -> Scheme:
    """A valid scheme. `framework` adds a framework reference (which `check` would try to
    resolve), `examples` adds example blocks; both are for round trips through text."""
    contract = draw(st.none() | contract_values)
    outturn = draw(contract_values) if contract is not None and draw(st.booleans()) else None
    base = outturn if outturn is not None else contract
    cquin: Pounds | ShareOfContract
    if base is not None and draw(st.booleans()):
        cquin = ShareOfContract(Fraction(draw(st.integers(1, 500)), 10_000))
        exact = cquin.share * base
    else:
        cquin = Pounds(draw(pounds))
        exact = cquin.amount
    count: int = draw(st.integers(1, 6))
    codes = unique_names(draw, count + 1, goal_codes.filter(lambda c: c not in RESERVED_CODES))
    gate_code = codes.pop()
    commissioners = draw(st.lists(texts, max_size=2))
    national_flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    by_value = _whole_pence(exact) and exact * 100 >= count and draw(st.booleans())
    shares: list[tuple[str, Fraction]]
    if by_value:
        shares = [("value", Fraction(k, 100))
                  for k in partition(draw, int(exact * 100), count)]
    else:
        shares = [("weight", Fraction(k, 100)) for k in partition(draw, 100, count)]
    goal_list = [draw(goals(code, share, flag, commissioners))
                 for code, share, flag in zip(codes, shares, national_flags, strict=True)]
    if draw(st.integers(0, 3)) == 0:
        goal_list.insert(draw(st.integers(0, len(goal_list))),
                         draw(scheme_gates(gate_code, commissioners)))
    national_share = sum((s[1] for s, flag in zip(shares, national_flags, strict=True) if flag),
                         ZERO)
    national: Pounds | ShareOfContract | None = None
    if any(national_flags) or draw(st.booleans()):
        if by_value:
            national = Pounds(national_share)
        elif isinstance(cquin, ShareOfContract):
            national = ShareOfContract(cquin.share * national_share)
        else:
            national = Pounds(cquin.amount * national_share)
    header = Header(
        title=draw(texts),
        provider=draw(st.none() | texts.map(loc)),
        commissioners=tuple(loc(name) for name in commissioners),
        year=draw(st.none() | st.integers(2000, 2098).map(
            lambda y: loc(FinancialYear(y, y + 1)))),
        framework=draw(st.none() | framework_refs) if framework else None,
        contract_value=None if contract is None else loc(contract),
        outturn_value=None if outturn is None else loc(outturn),
        cquin_value=loc(cquin),
        national_value=None if national is None else loc(national),
        payment_on_account=draw(st.none() | st.integers(0, 100).map(
            lambda k: loc(Fraction(k, 100)))),
        reconcile_months=draw(st.none() | st.lists(
            st.integers(1, 12), min_size=1, max_size=4, unique=True).map(
                lambda ms: loc(tuple(sorted(ms))))),
        deemed_achieved=draw(texts.map(loc)) if draw(st.integers(0, 4)) == 0 else None,
    )
    scheme = Scheme(header, tuple(goal_list))
    if examples:
        found = draw(st.lists(example_blocks(scheme), max_size=2, unique_by=lambda e: e.name))
        scheme = Scheme(header, scheme.goals, tuple(found))
    return scheme


# ---- measurements and examples ------------------------------------------------------


def _thresholds(indicator: Indicator) -> list[Fraction]:
    """Every number the indicator's rule turns on: good places to measure."""
    rule = compile_rule(indicator)
    found: list[Fraction] = []
    if rule is None:
        return found
    for row in rule.rows:
        if row.threshold is not None:
            found.append(row.threshold)
        if isinstance(row.pays, Linear):
            found.extend([row.pays.start, row.pays.end])
    return found


@st.composite
def measured_values(draw: st.DrawFn, indicator: Indicator) -> MeasuredValue:
    """A value of the right kind for the indicator's measure, often on a threshold."""
    measure = indicator.measure_kind
    if measure == "evidence":
        return Evidence(draw(st.booleans()))
    low, high = _scale(measure)
    edges = [v for v in _thresholds(indicator) if low <= v <= high]
    if measure == "number":
        plain = st.integers(0, 20_000).map(lambda k: Fraction(k, 10))
        value = draw(st.sampled_from(edges) | plain if edges else plain)
        return NumberValue(value)
    if draw(st.booleans()):
        denominator: int = draw(st.integers(1, 300))
        return Ratio(draw(st.integers(0, denominator)), denominator)
    plain = st.integers(0, 1000).map(lambda k: Fraction(k, 1000))
    return PercentValue(draw(st.sampled_from(edges) | plain if edges else plain))


def indicator_keys(scheme: Scheme) -> list[tuple[Key, Indicator]]:
    """Every measurable indicator as ((goal, path, period), indicator)."""
    return [((goal.code, path, period), indicator)
            for goal in scheme.goals
            for period, path, indicator in goal_indicators(goal)]


@st.composite
def measurements_for(draw: st.DrawFn, scheme: Scheme, full: bool | None = None
                     ) -> dict[Key, MeasuredValue]:
    """Measured values keyed by (goal, path, period): all of them, or some when partial."""
    if full is None:
        full = draw(st.booleans())
    found: dict[Key, MeasuredValue] = {}
    for key, indicator in indicator_keys(scheme):
        if full or draw(st.integers(0, 4)) > 0:
            found[key] = draw(measured_values(indicator))
    return found


def better_direction(indicator: Indicator) -> Direction | None:
    """Which way the indicator's value is better, as its rule shows (None: it does not)."""
    if indicator.direction is not None:
        return indicator.direction.value
    rule = compile_rule(indicator)
    if rule is None or indicator.measure_kind == "evidence":
        return None
    for row in rule.rows:
        if isinstance(row.pays, Linear):
            return "higher" if row.pays.start < row.pays.end else "lower"
        if row.comparison is not None:
            return "higher" if row.comparison in (">=", ">") else "lower"
    return None


@st.composite
def improved(draw: st.DrawFn, indicator: Indicator, before: MeasuredValue | None
             ) -> MeasuredValue:
    """A measurement at least as good as `before` (any value beats none)."""
    if before is None:
        return draw(measured_values(indicator))
    if isinstance(before, Evidence):
        return Evidence(True)
    direction = better_direction(indicator)
    if direction is None:
        return before
    up = direction == "higher"
    if isinstance(before, Ratio):
        n, d = before.numerator, before.denominator
        better: int = draw(st.integers(n, d) if up else st.integers(0, n))
        return Ratio(better, d)
    value = before.value
    low, high = _scale(indicator.measure_kind)
    if isinstance(before, NumberValue):
        high = Fraction(10**6)
    candidates = [v for v in _thresholds(indicator) if (v >= value if up else v <= value)
                  and low <= v <= high]
    step = st.integers(0, 1000).map(lambda k: Fraction(k, 1000) * (high - value if up
                                                                   else value - low))
    delta = step.map(lambda s: value + s if up else value - s)
    new = draw(st.sampled_from(candidates) | delta if candidates else delta)
    return PercentValue(new) if isinstance(before, PercentValue) else NumberValue(new)


def _target_strategy(scheme: Scheme) -> st.SearchStrategy[Target]:
    keys = indicator_keys(scheme)
    return st.sampled_from(keys).map(
        lambda pair: Target(pair[0][0], pair[0][1], None if pair[0][2] == "year" and not
                            _has_periods(scheme, pair[0][0]) else pair[0][2]))


def _has_periods(scheme: Scheme, code: str) -> bool:
    return any(goal.code == code and goal.periods for goal in scheme.goals)


@st.composite
def example_blocks(draw: st.DrawFn, scheme: Scheme) -> Example:
    """An example naming real goals and indicators, with every kind of `expect` line."""
    values: dict[Key, MeasuredValue] = draw(measurements_for(scheme))
    inputs = tuple(
        ExampleInput(Target(goal, path, None if period == "year" and not
                            _has_periods(scheme, goal) else period), value)
        for (goal, path, period), value in values.items()
    )
    amounts = st.integers(0, 10**9).map(lambda p: Fraction(p, 100))
    goal_targets = st.sampled_from([g.code for g in scheme.goals]).map(Target)
    expectations: list[Expectation] = draw(st.lists(st.one_of(
        st.builds(ExpectMoney, st.sampled_from(["total", "national", "local"]), amounts),
        st.builds(ExpectMoney, goal_targets, amounts),
        st.builds(ExpectStatus, goal_targets | _target_strategy(scheme),
                  st.sampled_from(["met", "partially met", "not met", "not reported",
                                   "deemed met"])),
    ), max_size=4))
    return Example(draw(texts), inputs, tuple(expectations))


# ---- slips: schemes one change away from valid ---------------------------------------


def _slip_rule(rule: PayRule) -> PayRule:
    """The rule with every 100% row paying 90%: full payment becomes unreachable (E409)
    unless a line still reaches 100%."""
    rows = tuple(
        evolve(row, payout=FixedPay(Fraction(9, 10)))
        if isinstance(row.payout, FixedPay) and row.payout.share == ONE else row
        for row in rule.rows
    )
    return evolve(rule, rows=rows)


def _slip_items(items: tuple[Item, ...], target: int, seen: list[int]) -> tuple[Item, ...]:
    changed: list[Item] = []
    for item in items:
        if isinstance(item, Part):
            changed.append(evolve(item, items=_slip_items(item.items, target, seen)))
            continue
        if len(seen) == target and item.pay is not None:
            item = evolve(item, pay=_slip_rule(item.pay))
        seen.append(1)
        changed.append(item)
    return tuple(changed)


@st.composite
def slipped_schemes(draw: st.DrawFn) -> Scheme:
    """A valid scheme with one slip that can make full payment unreachable: an
    indicator's 100% rows pay 90%, or a goal, period or part asks for one item more
    than it has (on a goal with periods, through the goal's own `combine`)."""
    scheme: Scheme = draw(schemes())
    index = draw(st.integers(0, len(scheme.goals) - 1))
    goal = scheme.goals[index]
    kind = draw(st.sampled_from(("rule", "combine")))
    if kind == "rule":
        count = len(goal_indicators(goal))
        target = draw(st.integers(0, count - 1))
        if goal.periods:
            seen: list[int] = []
            goal = evolve(goal, periods=tuple(
                evolve(p, items=_slip_items(p.items, target, seen)) for p in goal.periods))
        else:
            goal = evolve(goal, items=_slip_items(goal.items, target, []))
    elif goal.periods:
        taking = [counted_items(p.items) for p in goal.periods]
        chosen = draw(st.integers(0, len(goal.periods) - 1))
        periods_now = tuple(
            evolve(p, combine=None) if i == chosen else p for i, p in enumerate(goal.periods))
        goal = evolve(goal, periods=periods_now,
                      combine=Combine("at least", taking[chosen] + 1))
    else:
        goal = evolve(goal, combine=Combine("at least", counted_items(goal.items) + 1))
    goals_now = tuple(goal if i == index else g for i, g in enumerate(scheme.goals))
    return evolve(scheme, goals=goals_now)
