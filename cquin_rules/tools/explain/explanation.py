"""A whole explanation and each goal's: what a goal earns and why, the totals, and
picking one goal or indicator out by name (`cquin explain RULEBOOK DATA FLU.uptake`)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from attrs import frozen

from ...base.diagnostics import CquinError, Diagnostic
from ...base.span import NOWHERE
from ...engine.measurements import did_you_mean
from ...semantics.as_of import month_name, month_words
from ...semantics.money import decimal_places, earned_percent, money, pounds, round_half_up
from ...syntax.model import Scope, Status
from ..target_report import explain_lines
from ..targets import Targets
from .trace import (
    TIMES,
    ZERO,
    CombineTrace,
    IndicatorTrace,
    ItemTrace,
    MoneyTrace,
    PeriodTrace,
    fraction,
    share_words,
    unrounded_pounds,
)


@frozen
class GoalTrace:
    """A goal: its money, its items (or periods), how they combine, and what it earns."""

    code: str
    title: str
    scope: Scope
    line: int
    money: MoneyTrace
    items: tuple[ItemTrace, ...]
    periods: tuple[PeriodTrace, ...]
    combine: CombineTrace | None
    attainment: Fraction
    status: Status
    to_date: tuple[Fraction, Fraction] | None = None
    """(available, earned) to date when explained as of a month (see `evaluate`)."""
    scheme_rule: str | None = None
    """Why the scheme overrides what the items give: a scheme gate, `deemed achieved`."""
    commissioner: str | None = None
    due: tuple[str, ...] = ()
    """As of a month, the periods due so far (`year` for a goal without periods)."""
    to_date_rule: str | None = None
    """Why the scheme overrides the to-date earned money: `deemed achieved`, a gate."""

    @property
    def available(self) -> Fraction:
        return self.money.available

    @property
    def to_date_text(self) -> str | None:
        """How the to-date figures are made: the due periods' shares, then their attainments
        (or the scheme's own rule to date: `deemed achieved`, a scheme gate)."""
        if self.to_date is None:
            return None
        available, earned = self.to_date
        if not self.due:
            return (f"to date: nothing due yet: {pounds(available)} available, "
                    f"{pounds(earned)} earned")
        if len(self.due) == max(len(self.periods), 1):
            every = "every period is due" if self.periods else "the year is due"
            return (f"to date: {every}, so the year-end figures: "
                    f"{pounds(available)} available, {pounds(earned)} earned")
        due = [p for p in self.periods if p.name in self.due]
        shares = " + ".join(share_words(p.share) for p in due)
        head = (f"to date ({', '.join(p.name for p in due)} due): available "
                f"{pounds(self.available)} {TIMES} ({shares}) = {pounds(available)}")
        if self.to_date_rule is not None:
            return (f"{head}, rounded half up to the penny; earned {pounds(earned)}: "
                    f"{self.to_date_rule}")
        terms = " + ".join(f"{share_words(p.share)} {TIMES} {fraction(p.attainment)}" for p in due)
        return (f"{head}; earned {pounds(self.available)} {TIMES} ({terms}) = "
                f"{pounds(earned)}, each rounded half up to the penny")

    @property
    def earned_exact(self) -> Fraction:
        return self.attainment * self.available

    @property
    def earned(self) -> Fraction:
        return round_half_up(self.earned_exact)

    @property
    def earned_text(self) -> str:
        exact = self.earned_exact
        words = (
            f"{fraction(self.attainment)} {TIMES} {pounds(self.available)}"
            f" = {unrounded_pounds(exact)}"
        )
        if exact == self.earned:
            return f"{words} exactly"
        return f"{words}, rounded half up to the penny: {pounds(self.earned)}"

    def indicators(self) -> list[IndicatorTrace]:
        """Every indicator trace of the goal, in rulebook order (period by period)."""
        found: list[IndicatorTrace] = []

        def walk(items: tuple[ItemTrace, ...]) -> None:
            for item in items:
                if isinstance(item, IndicatorTrace):
                    found.append(item)
                else:
                    walk(item.items)

        walk(self.items)
        for period in self.periods:
            walk(period.items)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "scope": self.scope,
            "line": self.line,
            "money": self.money.to_dict(),
            "available": money(self.available),
            "items": [item.to_dict() for item in self.items],
            "periods": [period.to_dict() for period in self.periods],
            "combine": self.combine.to_dict() if self.combine else None,
            "attainment": fraction(self.attainment),
            "attainment_decimal": decimal_places(self.attainment, 6),
            "earned_exact": fraction(self.earned_exact),
            "earned": money(self.earned),
            "earned_text": self.earned_text,
            "status": self.status,
            **({} if self.to_date is None else {"to_date": {
                "available": money(self.to_date[0]), "earned": money(self.to_date[1]),
                "text": self.to_date_text}}),
            "scheme_rule": None if self.scheme_rule is None else {
                "text": self.scheme_rule, "attainment": fraction(self.attainment)},
            "commissioner": self.commissioner,
        }

    def lines(self) -> list[str]:
        found = [f'{self.code} "{self.title}" ({self.scope}), line {self.line}']
        found.append(f"  available: {self.money.text}")
        for item in self.items:
            found += ["  " + line for line in item.lines()]
        for period in self.periods:
            found += ["  " + line for line in period.lines()]
        if self.combine is not None:
            found.append(f"  {self.combine.text}")
        else:
            found.append("  no items: attainment 0")
        if self.scheme_rule is not None:
            found.append(f"  {self.scheme_rule}: attainment {fraction(self.attainment)}")
        found.append(f"  earned: {self.earned_text} ({self.status})")
        if self.to_date_text is not None:
            found.append(f"  {self.to_date_text}")
        return found

    def to_text(self) -> str:
        return "\n".join(self.lines()) + "\n"


@frozen
class Explanation:
    """The trace of a whole evaluation; `to_dict()` for tools, `to_text()` for people."""

    scheme: str
    provider: str | None
    year: str | None
    cquin_value: Fraction
    cquin_text: str
    goals: tuple[GoalTrace, ...]
    as_of: int | None = None
    by_commissioner: tuple[tuple[str, Fraction, Fraction], ...] = ()
    """(name, available, earned) per commissioner, when goals name their commissioner."""
    targets: Targets | None = None
    """What it would take for each indicator not fully met (`tools/targets.py`)."""

    @property
    def available(self) -> Fraction:
        return sum((goal.available for goal in self.goals), ZERO)

    @property
    def to_date_text(self) -> str | None:
        """The to-date totals, sums of the goal lines, beside the year-end ones."""
        if self.as_of is None:
            return None
        figures = [goal.to_date or (ZERO, ZERO) for goal in self.goals]
        available = sum((a for a, _ in figures), ZERO)
        earned = sum((e for _, e in figures), ZERO)
        return (f"to date, as of {month_words(self.as_of)}: {pounds(earned)} earned of "
                f"{pounds(available)} due so far; the year-end figures above are unchanged")

    @property
    def earned(self) -> Fraction:
        return sum((goal.earned for goal in self.goals), ZERO)

    def goal(self, code: str) -> GoalTrace | None:
        return next((goal for goal in self.goals if goal.code == code), None)

    def select(self, name: str) -> GoalTrace | list[IndicatorTrace]:
        """The trace of `GOAL`, or of every period of `GOAL.indicator` (`GOAL.part.indicator`).

        Raises CquinError with E103, and a did-you-mean hint, for a name not in the scheme.
        """
        code, _, rest = name.partition(".")
        goal = self.goal(code)
        if goal is None:
            raise CquinError([_unknown(f"unknown goal {code}", code,
                                       [g.code for g in self.goals], "")])
        if not rest:
            return goal
        found = [i for i in goal.indicators() if i.name == rest]
        if not found:
            names = sorted({i.name for i in goal.indicators()})
            raise CquinError([_unknown(f"unknown indicator {name}", rest, names, f"{code}.")])
        return found

    def _scope_line(self, scope: Scope) -> str:
        goals = [goal for goal in self.goals if goal.scope == scope]
        earned = sum((goal.earned for goal in goals), ZERO)
        available = sum((goal.available for goal in goals), ZERO)
        return f"{scope}: {pounds(earned)} earned of {pounds(available)}"

    @property
    def total_text(self) -> str:
        lines = " + ".join(pounds(goal.earned) for goal in self.goals) or pounds(ZERO)
        return (
            f"total earned: {lines} = {pounds(self.earned)} of {pounds(self.available)}"
            f" ({earned_percent(self.earned, self.available)}%)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "provider": self.provider,
            "year": self.year,
            "cquin_value": money(self.cquin_value),
            "cquin_value_text": self.cquin_text,
            "goals": [goal.to_dict() for goal in self.goals],
            "available": money(self.available),
            "earned": money(self.earned),
            "earned_percent": earned_percent(self.earned, self.available),
            "earned_text": self.total_text,
            **({} if self.as_of is None else {"as_of": month_name(self.as_of),
                                               "to_date_text": self.to_date_text}),
            "by_commissioner": [
                {"name": name, "available": money(available), "earned": money(earned)}
                for name, available, earned in self.by_commissioner
            ],
            **({} if self.targets is None else {"targets": self.targets.to_dict()["targets"]}),
        }

    def to_text(self) -> str:
        heading = self.scheme
        details = ", ".join(x for x in (self.provider, self.year) if x)
        if details:
            heading += f" ({details})"
        found = [heading, f"cquin value: {self.cquin_text}", ""]
        for goal in self.goals:
            found += [*goal.lines(), ""]
        found.append(self.total_text)
        found.append(self._scope_line("national"))
        found.append(self._scope_line("local"))
        if self.to_date_text is not None:
            found.append(self.to_date_text)
        found += [
            f"{name}: {pounds(earned)} earned of {pounds(available)}"
            for name, available, earned in self.by_commissioner
        ]
        found += explain_lines(self.targets) if self.targets is not None else []
        return "\n".join(found) + "\n"


def _unknown(message: str, name: str, candidates: list[str], prefix: str) -> Diagnostic:
    hint = did_you_mean(name, candidates, prefix) or "the names are: " + ", ".join(
        prefix + c for c in candidates)
    return Diagnostic("E103", message, NOWHERE, hint)


