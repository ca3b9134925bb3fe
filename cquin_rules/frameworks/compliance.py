"""Does a scheme comply with its framework? The checks of section 8 (E301–E308, W501–W502).

Money is compared exactly. An amount is kept as `pounds + share × contract base`, so a
scheme that writes `cquin value 3% of contract` can be compared with a framework's
`2.5% of contract` even when it gives no contract value; only an amount in pounds
against a share of a contract nobody stated cannot be decided, and that is said.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..semantics.money import contract_base, pounds
from ..syntax.model import (
    DOMAINS,
    FixedPay,
    Goal,
    Header,
    Indicator,
    Pounds,
    Scheme,
    goal_indicators,
)
from .framework import Framework, percent

ALL_OR_NOTHING_HINT = (
    "DH §69: agree in advance how intermediate achievement is recognised, to avoid an "
    '"all or nothing" approach; for example `pay linear from 80% to 95%`, or a pay table '
    "with a row paying part (`50% when value >= 85%`)"
)


@frozen
class _Money:
    """`pounds + share × contract base`: an amount that may wait for the contract value."""

    pounds: Fraction = Fraction(0)
    share: Fraction = Fraction(0)

    def __add__(self, other: _Money) -> _Money:
        return _Money(self.pounds + other.pounds, self.share + other.share)

    def times(self, factor: Fraction) -> _Money:
        return _Money(self.pounds * factor, self.share * factor)

    def minus_share(self, share: Fraction, base: Fraction | None) -> Fraction | None:
        """The sign-carrying difference from `share` of the contract; None if undecidable."""
        if base is not None:
            return self.pounds + (self.share - share) * base
        if self.pounds == 0:
            return self.share - share
        if self.share == share:
            return self.pounds
        return None


def _amount(amount: object) -> _Money:
    if isinstance(amount, Pounds):
        return _Money(pounds=amount.amount)
    return _Money(share=amount.share)  # type: ignore[attr-defined]


def _goal_money(goal: Goal, cquin: _Money | None) -> _Money | None:
    if goal.value is not None and goal.weight is None:
        return _Money(pounds=goal.value.value)
    if goal.weight is not None and goal.value is None and cquin is not None:
        return cquin.times(goal.weight.value)
    return None


def _described(money: _Money, base: Fraction | None) -> str:
    if base is not None:
        return pounds(money.pounds + money.share * base)
    if money.pounds == 0:
        return f"{percent(money.share)} of contract"
    return pounds(money.pounds)


def _written(amount: object, money: _Money, base: Fraction | None) -> str:
    """An amount as the scheme wrote it, with its pounds when they can be worked out."""
    if isinstance(amount, Pounds):
        return pounds(amount.amount)
    text = f"{percent(money.share)} of contract"
    return f"{text} ({_described(money, base)})" if base is not None else text


def _on(header: Header) -> str:
    if header.outturn_value is not None:
        return f"the outturn value {pounds(header.outturn_value.value)}"
    if header.contract_value is not None:
        return f"the contract value {pounds(header.contract_value.value)}"
    return "the contract value"


def _scheme_line(header: Header) -> Span:
    return Span(header.span.line, header.span.column, header.span.line, header.span.column + 6)


def _indicators(goals: Iterable[Goal]) -> list[tuple[Goal, tuple[str, ...], Indicator]]:
    """Each indicator once, as (goal, path, indicator): a name repeated across periods is
    the same indicator measured at different times."""
    found: dict[tuple[str, tuple[str, ...]], tuple[Goal, tuple[str, ...], Indicator]] = {}
    for goal in goals:
        for _period, path, indicator in goal_indicators(goal):
            found.setdefault((goal.code, path), (goal, path, indicator))
    return list(found.values())


def _all_or_nothing(indicator: Indicator) -> bool:
    if indicator.measure_kind == "evidence" or indicator.pay is None:
        return False
    return all(
        isinstance(row.payout, FixedPay) and row.payout.share in (0, 1)
        for row in indicator.pay.rows
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def check_framework(
    scheme: Scheme, framework: Framework, *, from_command_line: bool
) -> list[Diagnostic]:
    """Every way `scheme` breaks `framework`, and the framework's warnings."""
    header = scheme.header
    named = f"the framework {framework.name}"
    if from_command_line or header.framework is None:
        at_framework = _scheme_line(header)
    else:
        at_framework = header.framework.span
    found: list[Diagnostic] = []

    def report(code: str, message: str, span: Span, hint: str | None = None) -> None:
        found.append(Diagnostic(code, message, span, hint))

    # Scheme gates (section 4) carry no money: they count for no limit, domain or weight.
    goals = [goal for goal in scheme.goals if not goal.is_gate]
    base = contract_base(header)
    cquin = _amount(header.cquin_value.value) if header.cquin_value else None
    add_contract = "add `contract value £X` to the scheme header"

    # E304: the year.
    if framework.year is not None:
        year = framework.year.value
        if header.year is None:
            report("E304", f"the scheme gives no year; {named} is for {year}", at_framework,
                   f"add `year {year}` to the scheme header")
        elif header.year.value != year:
            report("E304", f"the scheme is for {header.year.value}, but {named} is for {year}",
                   header.year.span, f"check against the framework for {header.year.value}, "
                   "or correct the year")

    # E302: the cquin value, capped or exact.
    if framework.cquin_value is not None and header.cquin_value is not None and cquin:
        limit = framework.cquin_value.value
        difference = cquin.minus_share(limit.share, base)
        allowed = f"{percent(limit.share)} of contract"
        if base is not None:
            allowed += f" ({pounds(limit.share * base)} on {_on(header)})"
        stated = _written(header.cquin_value.value, cquin, base)
        if difference is None:
            report("E302", f"cannot tell whether the cquin value {stated} is "
                   f"{'within ' if limit.at_most else ''}{allowed} as {named} requires: the "
                   "scheme gives no contract value", header.cquin_value.span, add_contract)
        elif limit.at_most and difference > 0:
            report("E302", f"the cquin value {stated} is above the cap of {allowed} set by "
                   f"{named}", header.cquin_value.span,
                   f"lower it to at most {percent(limit.share)} of contract, and the goals' "
                   "money with it")
        elif not limit.at_most and difference != 0:
            report("E302", f"the cquin value {stated} is not the {allowed} set by {named}",
                   header.cquin_value.span,
                   f"write `cquin value {percent(limit.share)} of contract`")

    # E303: the national goals' money.
    if framework.national_value is not None:
        share = framework.national_value.value
        national = _Money()
        decidable = True
        for goal in goals:
            if goal.scope_kind == "national":
                money = _goal_money(goal, cquin)
                if money is None:
                    decidable = False
                else:
                    national = national + money
        at = header.national_value.span if header.national_value else at_framework
        wanted = f"{percent(share)} of contract"
        if base is not None:
            wanted += f" ({pounds(share * base)} on {_on(header)})"
        difference = national.minus_share(share, base) if decidable else None
        if difference is None:
            if decidable:
                report("E303", f"cannot tell whether the national goals' money "
                       f"{_described(national, base)} is {wanted} as {named} requires: the "
                       "scheme gives no contract value", at, add_contract)
        elif difference != 0:
            report("E303", f"the national goals' money is {_described(national, base)}, but "
                   f"{named} ties {wanted} to national goals", at,
                   "mark the national goals `national` and give them "
                   f"{percent(share)} of contract between them")

    # E306: the size of contract the framework applies to.
    if framework.contract_minimum is not None:
        minimum = framework.contract_minimum.value
        contract = header.contract_value or header.outturn_value
        if contract is None:
            report("E306", f"{named} applies only to contracts {minimum}; the scheme gives no "
                   "contract value", at_framework, add_contract)
        elif not minimum.admits(contract.value):
            report("E306", f"the contract value {pounds(contract.value)} is too small for "
                   f"{named}, which applies only to contracts {minimum}", at_framework,
                   "check the scheme against the rules for contracts of its size")

    # E301: the required domains.
    if framework.required_domains is not None:
        covered = {d for goal in goals if goal.domains for d in goal.domains.value}
        missing = [d for d in DOMAINS if d in framework.required_domains.value
                   and d not in covered]
        if missing:
            words = " or ".join(missing)
            report("E301", f"no goal covers the domain{'s' * (len(missing) > 1)} {words}, "
                   f"which {named} requires", at_framework,
                   "add a goal with `domain " + ", ".join(missing) + "`, or add the "
                   "domain to a goal that covers it (DH §33: at least one area for "
                   "improvement in each domain)")

    # E307 and W502: how many goals and indicators.
    indicators = _indicators(goals)
    national_indicators = [i for i in indicators if i[0].scope_kind == "national"]
    counts = (
        ("goals", len(goals), framework.goals_at_most, framework.warn_goals_more_than),
        ("indicators", len(indicators), framework.indicators_at_most,
         framework.warn_indicators_more_than),
        ("national indicators", len(national_indicators),
         framework.national_indicators_at_most, None),
    )
    for what, count, most, warning in counts:
        if most is not None and count > most.value:
            report("E307", f"the scheme has {_plural(count, what[:-1])}; {named} allows at "
                   f"most {most.value}", at_framework,
                   f"merge or drop {what} to keep to {most.value}")
        elif warning is not None and count > warning.value:
            report("W502", f"the scheme has {_plural(count, what[:-1])}; {named} advises no "
                   f"more than {warning.value}, to keep the scheme manageable", at_framework,
                   f"consider merging {what}")

    # E308: equal weights.
    if framework.equal_weights is not None and cquin is not None and len(goals) > 1:
        shares = [(goal, _goal_money(goal, cquin)) for goal in goals]
        known = [(goal, money) for goal, money in shares if money is not None]
        differences = [
            (money + known[0][1].times(Fraction(-1))).minus_share(Fraction(0), base)
            for _goal, money in known[1:]
        ]
        if any(difference not in (None, 0) for difference in differences):
            listed = ", ".join(f"{goal.code} {_goal_share(goal)}" for goal, _ in known)
            each = percent(Fraction(1, len(goals)))
            report("E308", f"the goals are not equally weighted ({listed}); {named} requires "
                   "every goal to carry the same share", at_framework,
                   f"give each of the {len(goals)} goals `weight {each}`"
                   if Fraction(100, len(goals)).denominator == 1
                   else "give every goal the same weight, or the same value")

    # W501: all-or-nothing payment.
    if framework.warn_all_or_nothing is not None:
        for goal, path, indicator in indicators:
            if _all_or_nothing(indicator):
                name = ".".join((goal.code, *path))
                report("W501", f"indicator {name} pays all or nothing (only 0% or 100%)",
                       indicator.span, ALL_OR_NOTHING_HINT)
    return found


def _goal_share(goal: Goal) -> str:
    if goal.weight is not None:
        return percent(goal.weight.value)
    return pounds(goal.value.value) if goal.value is not None else "(no weight)"
