"""Does a scheme comply with its framework? The checks of section 8, one function per code.

Each check takes the scheme and framework as one `Compliance` and returns its own
diagnostics (E301–E308, W501–W502); `check_framework` runs them all. W503 (a goal with
zero weight) is the checker's, framework or not. Money is compared exactly (`amounts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import cached_property

from attrs import define

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..semantics.money import contract_base, exact_pounds
from ..syntax.model import (
    DOMAINS,
    FixedPay,
    Goal,
    Header,
    Indicator,
    Located,
    Scheme,
    goal_indicators,
)
from .amounts import Money, amount_of, described, goal_money, goal_share, on, written
from .framework import Framework, percent

__all__ = ["ALL_OR_NOTHING_HINT", "CHECKS", "Compliance", "check_framework"]

ALL_OR_NOTHING_HINT = (
    "DH §69: agree in advance how intermediate achievement is recognised, to avoid an "
    '"all or nothing" approach; for example `pay linear from 80% to 95%`, or a pay table '
    "with a row paying part (`50% when value >= 85%`)"
)
_ADD_CONTRACT = "add `contract value £X` to the scheme header"

Count = tuple[str, int, Located[int] | None, Located[int] | None]


@define
class Compliance:
    """One scheme held to one framework: what every check needs, worked out once."""

    scheme: Scheme
    framework: Framework
    from_command_line: bool

    @property
    def header(self) -> Header:
        return self.scheme.header

    @property
    def named(self) -> str:
        return f"the framework {self.framework.name}"

    @cached_property
    def at_framework(self) -> Span:
        """The header's `framework` statement, or the scheme line when the framework came
        from the command line (or the header names none)."""
        header = self.header
        if self.from_command_line or header.framework is None:
            return Span(header.span.line, header.span.column, header.span.line,
                        header.span.column + 6)
        return header.framework.span

    @cached_property
    def goals(self) -> list[Goal]:
        """The goals that carry money: scheme gates count for no limit, domain or weight."""
        return [goal for goal in self.scheme.goals if not goal.is_gate]

    @cached_property
    def base(self) -> Fraction | None:
        return contract_base(self.header)

    @cached_property
    def cquin(self) -> Money | None:
        value = self.header.cquin_value
        return amount_of(value.value) if value is not None else None

    @cached_property
    def indicators(self) -> list[tuple[Goal, tuple[str, ...], Indicator]]:
        return _indicators(self.goals)

    def counts(self) -> list[Count]:
        """(what, how many, the framework's limit, its warning level) for E307 and W502."""
        framework = self.framework
        national = [i for i in self.indicators if i[0].scope_kind == "national"]
        return [
            ("goals", len(self.goals), framework.goals_at_most,
             framework.warn_goals_more_than),
            ("indicators", len(self.indicators), framework.indicators_at_most,
             framework.warn_indicators_more_than),
            ("national indicators", len(national), framework.national_indicators_at_most, None),
        ]


def _diagnostic(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, span, hint)


def _indicators(goals: Iterable[Goal]) -> list[tuple[Goal, tuple[str, ...], Indicator]]:
    """Each indicator once, as (goal, path, indicator): a name repeated across periods is
    the same indicator measured at different times."""
    found: dict[tuple[str, tuple[str, ...]], tuple[Goal, tuple[str, ...], Indicator]] = {}
    for goal in goals:
        for _period, path, indicator in goal_indicators(goal):
            found.setdefault((goal.code, path), (goal, path, indicator))
    return list(found.values())


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


# ---- one check per code ------------------------------------------------------------------


def check_year(c: Compliance) -> list[Diagnostic]:
    """E304: the scheme's year is the framework's."""
    if c.framework.year is None:
        return []
    year = c.framework.year.value
    if c.header.year is None:
        return [_diagnostic("E304", f"the scheme gives no year; {c.named} is for {year}",
                            c.at_framework, f"add `year {year}` to the scheme header")]
    if c.header.year.value != year:
        return [_diagnostic(
            "E304", f"the scheme is for {c.header.year.value}, but {c.named} is for {year}",
            c.header.year.span,
            f"check against the framework for {c.header.year.value}, or correct the year",
        )]
    return []


def check_cquin_value(c: Compliance) -> list[Diagnostic]:
    """E302: the cquin value within the framework's cap, or exactly its share."""
    stated = c.header.cquin_value
    if c.framework.cquin_value is None or stated is None or c.cquin is None:
        return []
    limit = c.framework.cquin_value.value
    difference = c.cquin.minus_share(limit.share, c.base)
    allowed = f"{percent(limit.share)} of contract"
    if c.base is not None:
        allowed += f" ({exact_pounds(limit.share * c.base)} on {on(c.header)})"
    text = written(stated.value, c.cquin, c.base)
    if difference is None:
        return [_diagnostic(
            "E302", f"cannot tell whether the cquin value {text} is "
            f"{'within ' if limit.at_most else ''}{allowed} as {c.named} requires: the "
            "scheme gives no contract value", stated.span, _ADD_CONTRACT,
        )]
    if limit.at_most and difference > 0:
        return [_diagnostic(
            "E302", f"the cquin value {text} is above the cap of {allowed} set by {c.named}",
            stated.span, f"lower it to at most {percent(limit.share)} of contract, and the "
            "goals' money with it",
        )]
    if not limit.at_most and difference != 0:
        return [_diagnostic(
            "E302", f"the cquin value {text} is not the {allowed} set by {c.named}",
            stated.span, f"write `cquin value {percent(limit.share)} of contract`",
        )]
    return []


def check_national_value(c: Compliance) -> list[Diagnostic]:
    """E303: the national goals' money is the framework's share of contract."""
    if c.framework.national_value is None:
        return []
    share = c.framework.national_value.value
    national = Money()
    for goal in c.goals:
        if goal.scope_kind == "national":
            money = goal_money(goal, c.cquin)
            if money is None:
                return []
            national = national + money
    at = c.header.national_value.span if c.header.national_value else c.at_framework
    wanted = f"{percent(share)} of contract"
    if c.base is not None:
        wanted += f" ({exact_pounds(share * c.base)} on {on(c.header)})"
    difference = national.minus_share(share, c.base)
    if difference is None:
        return [_diagnostic(
            "E303", f"cannot tell whether the national goals' money "
            f"{described(national, c.base)} is {wanted} as {c.named} requires: the "
            "scheme gives no contract value", at, _ADD_CONTRACT,
        )]
    if difference != 0:
        return [_diagnostic(
            "E303", f"the national goals' money is {described(national, c.base)}, but "
            f"{c.named} ties {wanted} to national goals", at,
            "mark the national goals `national` and give them "
            f"{percent(share)} of contract between them",
        )]
    return []


def check_contract_size(c: Compliance) -> list[Diagnostic]:
    """E306: the contract is as large as the framework applies to."""
    if c.framework.contract_minimum is None:
        return []
    minimum = c.framework.contract_minimum.value
    contract = c.header.contract_value or c.header.outturn_value
    if contract is None:
        return [_diagnostic(
            "E306", f"{c.named} applies only to contracts {minimum}; the scheme gives no "
            "contract value", c.at_framework, _ADD_CONTRACT,
        )]
    if not minimum.admits(contract.value):
        return [_diagnostic(
            "E306", f"the contract value {exact_pounds(contract.value)} is too small for "
            f"{c.named}, which applies only to contracts {minimum}", c.at_framework,
            "check the scheme against the rules for contracts of its size",
        )]
    return []


def check_domains(c: Compliance) -> list[Diagnostic]:
    """E301: some goal covers each domain the framework requires (DH §33)."""
    if c.framework.required_domains is None:
        return []
    covered = {d for goal in c.goals if goal.domains for d in goal.domains.value}
    missing = [d for d in DOMAINS if d in c.framework.required_domains.value
               and d not in covered]
    if not missing:
        return []
    words = " or ".join(missing)
    return [_diagnostic(
        "E301", f"no goal covers the domain{'s' * (len(missing) > 1)} {words}, "
        f"which {c.named} requires", c.at_framework,
        "add a goal with `domain " + ", ".join(missing) + "`, or add the domain to a goal "
        "that covers it (DH §33: at least one area for improvement in each domain)",
    )]


def check_counts(c: Compliance) -> list[Diagnostic]:
    """E307: no more goals, indicators or national indicators than the framework allows."""
    return [
        _diagnostic("E307", f"the scheme has {_plural(count, what[:-1])}; {c.named} allows "
                    f"at most {most.value}", c.at_framework,
                    f"merge or drop {what} to keep to {most.value}")
        for what, count, most, _warning in c.counts()
        if most is not None and count > most.value
    ]


def warn_counts(c: Compliance) -> list[Diagnostic]:
    """W502: more goals or indicators than the framework advises (where not already E307)."""
    return [
        _diagnostic("W502", f"the scheme has {_plural(count, what[:-1])}; {c.named} advises "
                    f"no more than {warning.value}, to keep the scheme manageable",
                    c.at_framework, f"consider merging {what}")
        for what, count, most, warning in c.counts()
        if warning is not None and count > warning.value
        and not (most is not None and count > most.value)
    ]


def check_equal_weights(c: Compliance) -> list[Diagnostic]:
    """E308: every goal carries the same money where the framework requires it."""
    goals = c.goals
    if c.framework.equal_weights is None or c.cquin is None or len(goals) <= 1:
        return []
    known = [(goal, money) for goal in goals
             if (money := goal_money(goal, c.cquin)) is not None]
    differences = [
        (money + known[0][1].times(Fraction(-1))).minus_share(Fraction(0), c.base)
        for _goal, money in known[1:]
    ]
    if all(difference in (None, 0) for difference in differences):
        return []
    listed = ", ".join(f"{goal.code} {goal_share(goal)}" for goal, _ in known)
    each = percent(Fraction(1, len(goals)))
    return [_diagnostic(
        "E308", f"the goals are not equally weighted ({listed}); {c.named} requires every "
        "goal to carry the same share", c.at_framework,
        f"give each of the {len(goals)} goals `weight {each}`"
        if Fraction(100, len(goals)).denominator == 1
        else "give every goal the same weight, or the same value",
    )]


def _all_or_nothing(indicator: Indicator) -> bool:
    if indicator.measure_kind == "evidence" or indicator.pay is None:
        return False
    return all(
        isinstance(row.payout, FixedPay) and row.payout.share in (0, 1)
        for row in indicator.pay.rows
    )


def warn_all_or_nothing(c: Compliance) -> list[Diagnostic]:
    """W501: an indicator that pays only 0% or 100%, under `warn all or nothing` (DH §69)."""
    if c.framework.warn_all_or_nothing is None:
        return []
    return [
        _diagnostic("W501", f"indicator {'.'.join((goal.code, *path))} pays all or nothing "
                    "(only 0% or 100%)", indicator.span, ALL_OR_NOTHING_HINT)
        for goal, path, indicator in c.indicators
        if _all_or_nothing(indicator)
    ]


#: Every check, by the code it reports, in the order its findings are listed.
CHECKS: dict[str, Callable[[Compliance], list[Diagnostic]]] = {
    "E304": check_year,
    "E302": check_cquin_value,
    "E303": check_national_value,
    "E306": check_contract_size,
    "E301": check_domains,
    "E307": check_counts,
    "W502": warn_counts,
    "E308": check_equal_weights,
    "W501": warn_all_or_nothing,
}


def check_framework(
    scheme: Scheme, framework: Framework, *, from_command_line: bool
) -> list[Diagnostic]:
    """Every way `scheme` breaks `framework` (E301–E308) and its warnings (W501, W502).

    Diagnostics carry no path: the caller says which rulebook with `Diagnostic.at`.
    """
    compliance = Compliance(scheme, framework, from_command_line)
    return [found for check in CHECKS.values() for found in check(compliance)]
