"""The outcome of evaluating a scheme: exact inside, rounded once at the edge.

Attainments are exact Fractions and money is whole pennies (each goal's earned money is
rounded once, half up; totals are sums of goal lines). `to_dict()` is the JSON document
of section 12, with money as strings with two decimals and attainments to six decimal
places; every report renders from it, so the numbers agree everywhere.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..semantics.as_of import month_name
from ..semantics.money import decimal_places, earned_percent, exact_decimal, money, percent_text
from ..semantics.wording import RuleRow, rule_sentence
from ..syntax.model import Evidence, MeasuredValue, PercentValue, Ratio, Scope, Status
from .measurements import Origin


@frozen
class Point:
    """One value of an indicator in one return."""

    file: str
    line: int
    period: str
    value: Fraction
    measured: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "period": self.period,
                "value": exact_decimal(self.value), "measured": self.measured}


@frozen
class Trajectory:
    """An indicator's values across the returns, in the order given, and the values at
    which its rule changes what it pays."""

    goal: str
    indicator: str
    measure: str
    thresholds: tuple[Fraction, ...]
    points: tuple[Point, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "indicator": self.indicator,
            "measure": self.measure,
            "thresholds": [exact_decimal(t) for t in self.thresholds],
            "points": [point.to_dict() for point in self.points],
        }


@frozen
class IndicatorResult:
    """One indicator in one period; `measured` is None when it was not reported."""

    goal: str
    path: tuple[str, ...]
    period: str
    measured: MeasuredValue | None
    attainment: Fraction
    status: Status
    rule: str
    line: int
    origin: Origin | None = None
    """The file and line the measurement came from (the later return when several gave it)."""
    rule_rows: tuple[RuleRow, ...] = ()
    """The rule's rows as data, each with its words (`wording.rule_rows`), including a row
    that `minimum denominator` implies: reports render these, never the rule text."""
    title: str | None = None
    definition: str | None = None
    data_source: str | None = None
    """The rulebook's `source "…"`: where the figure is published (not the data file)."""
    note: str | None = None
    """The measurement row's note, shown beside the value."""

    def about(self) -> dict[str, str]:
        """The metadata the rulebook and the return give (kept and shown, never evaluated):
        `title`, `definition`, `data_source`, `note`, each only when given."""
        found = {"title": self.title, "definition": self.definition,
                 "data_source": self.data_source, "note": self.note}
        return {key: value for key, value in found.items() if value}

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def value_text(self) -> str | None:
        """The measurement as an exact short decimal (`0.68`), or the evidence in words."""
        if self.measured is None:
            return None
        if isinstance(self.measured, Evidence):
            return "achieved" if self.measured.achieved else "not achieved"
        return exact_decimal(self.measured.value)

    @property
    def measured_text(self) -> str | None:
        """The measurement as a person writes it: `68%`, `140/200`, `212`, `achieved`."""
        measured = self.measured
        if isinstance(measured, PercentValue):
            return percent_text(measured.value)
        if isinstance(measured, Ratio):
            return f"{measured.numerator}/{measured.denominator}"
        return self.value_text

    def to_dict(self, *, source: bool = False) -> dict[str, Any]:
        """The indicator's entry; `source` adds the file and line its value came from."""
        document: dict[str, Any] = {
            "name": self.name,
            "period": self.period,
            "value": self.value_text,
            "measured": self.measured_text,
            "attainment": decimal_places(self.attainment, 6),
            "status": self.status,
            "rule": self.rule,
            "line": self.line,
            "rule_rows": [row.to_dict() for row in self.rule_rows],
            "rule_sentence": rule_sentence(self.rule_rows),
        }
        if source and self.origin is not None:
            document["source"] = {"file": self.origin.path, "line": self.origin.line}
        document.update(self.about())
        return document


@frozen
class GoalResult:
    """A goal's attainment and money; `periods` maps each period block to its status."""

    code: str
    title: str
    scope: Scope
    domains: tuple[str, ...]
    available: Fraction
    attainment: Fraction
    earned: Fraction
    status: Status
    indicators: tuple[IndicatorResult, ...]
    periods: tuple[tuple[str, Status], ...] = ()
    rule: str = ""
    """How the indicators make the goal's attainment, in words (`compile.goal_rule_text`)."""
    to_date: tuple[Fraction, Fraction] | None = None
    """(available, earned) to date, each to the penny, when evaluated as of a month."""
    is_gate: bool = False
    """A scheme gate: no money; unless met, no goal of the scheme pays."""
    commissioner: str | None = None
    """Who funds the goal (its own `commissioner`, else the header's first)."""
    lead: str | None = None
    rationale: str | None = None
    negotiation: str | None = None
    """The goal's `status purple|green|amber|red|blue` (negotiation, not attainment)."""

    def indicator(self, path: tuple[str, ...], period: str = "year") -> IndicatorResult | None:
        return next(
            (i for i in self.indicators if i.path == path and i.period == period), None
        )

    def period_status(self, period: str) -> Status | None:
        return dict(self.periods).get(period)

    def to_dict(self, *, sources: bool = False) -> dict[str, Any]:
        """The goal's entry; `sources` as for `IndicatorResult.to_dict`."""
        document: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "scope": self.scope,
            "domains": list(self.domains),
            "available": money(self.available),
            "attainment": decimal_places(self.attainment, 6),
            "earned": money(self.earned),
            "status": self.status,
        }
        if self.periods:
            document["periods"] = dict(self.periods)
        document["indicators"] = [indicator.to_dict(source=sources)
                                  for indicator in self.indicators]
        document["rule"] = self.rule
        if self.is_gate:
            document["gate"] = True
        if self.to_date is not None:
            document["to_date"] = {"available": money(self.to_date[0]),
                                   "earned": money(self.to_date[1])}
        about = {"lead": self.lead, "rationale": self.rationale,
                 "negotiation_status": self.negotiation}
        document.update({key: value for key, value in about.items() if value})
        return document


@frozen
class Result:
    """The whole scheme's outcome. Totals are sums of the goal lines, so they add up."""

    scheme: str
    provider: str | None
    year: str | None
    cquin_value: Fraction
    goals: tuple[GoalResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    commissioners: tuple[str, ...] = ()
    as_of: int | None = None
    """The contract month (1 = April) evaluated as of; None for the year end."""
    data_files: tuple[str, ...] = ()
    """The measurement files, in the order given (a later value replaces an earlier one)."""
    trajectories: tuple[Trajectory, ...] = ()
    """`returns.Trajectory` of each measured indicator, when several returns were given."""

    @property
    def available_to_date(self) -> Fraction:
        """The money of the periods due so far (the year's when not evaluated as of a month)."""
        return sum((g.to_date[0] if g.to_date else g.available for g in self.goals), Fraction(0))

    @property
    def earned_to_date(self) -> Fraction:
        return sum((g.to_date[1] if g.to_date else g.earned for g in self.goals), Fraction(0))

    deemed: str | None = None
    """The reason given by `deemed achieved`, when the scheme is deemed achieved."""
    names_commissioners: bool = False
    """Whether any goal names its commissioner: then money is given per commissioner."""

    def by_commissioner(self) -> list[tuple[str, Fraction, Fraction]]:
        """(name, available, earned) per commissioner in header order, when any goal names
        one; goals naming none count under the first (section 4)."""
        if not self.names_commissioners or not self.commissioners:
            return []
        return [
            (
                name,
                sum((g.available for g in self.goals if g.commissioner == name), Fraction(0)),
                sum((g.earned for g in self.goals if g.commissioner == name), Fraction(0)),
            )
            for name in self.commissioners
        ]

    @property
    def available(self) -> Fraction:
        return sum((goal.available for goal in self.goals), Fraction(0))

    @property
    def earned(self) -> Fraction:
        return sum((goal.earned for goal in self.goals), Fraction(0))

    @property
    def earned_percent(self) -> str:
        """Total earned / total available, one decimal place, half up (`56.7`)."""
        return earned_percent(self.earned, self.available)

    def available_in(self, scope: Scope) -> Fraction:
        return sum((g.available for g in self.goals if g.scope == scope), Fraction(0))

    def earned_in(self, scope: Scope) -> Fraction:
        return sum((g.earned for g in self.goals if g.scope == scope), Fraction(0))

    def goal(self, code: str) -> GoalResult | None:
        return next((goal for goal in self.goals if goal.code == code), None)

    def not_reported(self) -> list[tuple[str, str, str]]:
        """Every (goal, indicator, period) with no measurement, in rulebook order."""
        return [
            (goal.code, indicator.name, indicator.period)
            for goal in self.goals
            for indicator in goal.indicators
            if indicator.status == "not reported"
        ]

    def earned_percents(self) -> dict[str, Any]:
        """Earned ÷ available for the national and local money, and per commissioner when
        goals name theirs (one decimal place; 0.0 when nothing is available). A key of its
        own, so the section 12 `national` and `local` objects keep exactly their shape."""
        shares: dict[str, Any] = {
            scope: earned_percent(self.earned_in(scope), self.available_in(scope))
            for scope in ("national", "local")
        }
        rows = self.by_commissioner()
        if rows:
            shares["by_commissioner"] = {name: earned_percent(earned, available)
                                         for name, available, earned in rows}
        return shares

    def to_dict(self) -> dict[str, Any]:
        """The section 12 document, keys in a fixed order (keys added since come last)."""
        document: dict[str, Any] = {
            "scheme": self.scheme,
            "provider": self.provider,
            "year": self.year,
            "cquin_value": money(self.cquin_value),
            "earned": money(self.earned),
            "earned_percent": self.earned_percent,
            "national": {
                "available": money(self.available_in("national")),
                "earned": money(self.earned_in("national")),
            },
            "local": {
                "available": money(self.available_in("local")),
                "earned": money(self.earned_in("local")),
            },
            "goals": [self._goal_dict(goal) for goal in self.goals],
            "diagnostics": [diagnostic.to_dict() for diagnostic in self.diagnostics],
            "commissioners": list(self.commissioners),
            **self._shapes(),
        }
        document["earned_percents"] = self.earned_percents()
        if self.as_of is not None:
            document["as_of"] = month_name(self.as_of)
            document["to_date"] = {"available": money(self.available_to_date),
                                   "earned": money(self.earned_to_date)}
        if self.data_files:
            document["data_files"] = list(self.data_files)
        if self.trajectories:
            document["trajectories"] = [t.to_dict() for t in self.trajectories]
        return document

    def _goal_dict(self, goal: GoalResult) -> dict[str, Any]:
        document = goal.to_dict(sources=bool(self.data_files))
        if self.names_commissioners and goal.commissioner is not None:
            document["commissioner"] = goal.commissioner
        return document

    def _shapes(self) -> dict[str, Any]:
        """The keys that only some schemes have: `by_commissioner`, `deemed_achieved`."""
        document: dict[str, Any] = {}
        rows = self.by_commissioner()
        if rows:
            document["by_commissioner"] = [
                {"name": name, "available": money(available), "earned": money(earned)}
                for name, available, earned in rows
            ]
        if self.deemed is not None:
            document["deemed_achieved"] = self.deemed
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
