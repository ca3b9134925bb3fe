"""Why each number in a result is what it is: a trace a finance officer can recompute.

The trace is built from the same pieces the evaluator uses, never a second copy of
them: the compiled tree's money and weights (`compile.compile_scheme`, and
`compile.goal_share` for a goal's money before the penny split), each rule's first
matching row (`rules.CompiledRule.apply`), the combining of items and periods and the
gates (`evaluate.combine`, `evaluate.combine_periods`, `evaluate.gated`). `explain` then
checks every goal's attainment and earned money against `evaluate.evaluate` and refuses
to give a trace that disagrees with the money.

Every number in `to_dict()` is exact: attainments and weights as fractions (`"8/15"`),
money as pounds with two decimals, an unrounded amount as a fraction of pounds, so a
reader can parse each back with `Fraction` and redo the sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from attrs import evolve, frozen

from ..base.diagnostics import CquinError, Diagnostic
from ..base.span import NOWHERE
from ..engine.evaluate import evaluate, evaluation_inputs
from ..engine.measurements import Measurements, did_you_mean
from ..engine.result import GoalResult, Result
from ..semantics.as_of import is_due, month_name, month_words
from ..semantics.combine import combine, combine_periods, gated
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledScheme,
    goal_share,
    quantity_text,
    rule_text,
    threshold_text,
)
from ..semantics.money import (
    PENNY,
    cquin_value_exact,
    decimal_places,
    earned_percent,
    exact_decimal,
    exact_pounds,
    finite_places,
    money,
    percent_text,
    pounds,
    round_half_up,
)
from ..semantics.rules import CompiledRow, Linear, Observation
from ..syntax.model import (
    Baseline,
    CombineMode,
    LinearPay,
    Measure,
    PayRule,
    Pounds,
    Scheme,
    Scope,
    Status,
    Threshold,
    ValueIs,
)
from .target_report import explain_lines
from .targets import Targets, targets_for_explain

ZERO = Fraction(0)
ONE = Fraction(1)
MINUS = "−"
TIMES = "×"


# ---- how numbers are written --------------------------------------------------------


def fraction(value: Fraction) -> str:
    """`8/15`, `1`, `0`: exact, and what `Fraction()` reads back."""
    return str(value)


def _terminates(value: Fraction, places: int = 6) -> bool:
    return bool((value * 10**places).denominator == 1)


def _about(value: Fraction) -> str:
    """`8/15 ≈ 0.533333`, or just `0.4` when the decimal is exact."""
    if _terminates(value):
        return exact_decimal(value)
    return f"{fraction(value)} ≈ {decimal_places(value, 6)}"


def _share(value: Fraction) -> str:
    """A weight or share as people write it: `40%`, or `1/3` when the percent has no end."""
    if _terminates(value * 100):
        return percent_text(value)
    return fraction(value)


def _level(value: Fraction, measure: Measure) -> str:
    """A measured level or threshold: `68%` for a percent, `212` for a number, exact."""
    if measure == "percent":
        return _share(value)
    return exact_decimal(value) if _terminates(value) else fraction(value)


def _exact_pounds(amount: Fraction) -> str:
    """Unrounded money: `£320,000.00`, `£31,710.7525`, `£266,666.666667 (= 800000/3)`."""
    text = exact_pounds(amount)
    return text if finite_places(amount) is not None else f"{text} (= £{fraction(amount)})"


# ---- the trace ----------------------------------------------------------------------


@frozen
class RowTrace:
    """One row the rule tried, in order, until one matched.

    `implied` says why a row is not written in the rulebook: `minimum denominator N`
    adds a first row, and `pay P when …` a last `0% otherwise`.
    """

    line: int
    text: str
    check: str
    matched: bool
    implied: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "row": self.text,
            "check": self.check,
            "matched": self.matched,
            "implied": self.implied,
        }


@frozen
class LinearTrace:
    """`(value − start) / (end − start)`, held to 0..1."""

    value: Fraction
    start: Fraction
    end: Fraction
    start_text: str
    end_text: str
    share: Fraction
    attainment: Fraction
    measure: Measure

    @property
    def text(self) -> str:
        value, start, end = (_level(v, self.measure) for v in (self.value, self.start, self.end))
        words = f"({value} {MINUS} {start}) / ({end} {MINUS} {start}) = {_about(self.share)}"
        resolved = [text for text in (self.start_text, self.end_text) if " = " in text]
        if resolved:
            words = f"{'; '.join(resolved)}; {words}"
        if self.share > 1:
            words += ", capped at 1"
        elif self.share < 0:
            words += ", raised to 0"
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": fraction(self.value),
            "from": fraction(self.start),
            "to": fraction(self.end),
            "from_resolved": self.start_text,
            "to_resolved": self.end_text,
            "share": fraction(self.share),
            "attainment": fraction(self.attainment),
            "text": self.text,
        }


@frozen
class IndicatorTrace:
    """One indicator in one period: what was measured, which row paid, and what it gave."""

    goal: str
    path: tuple[str, ...]
    period: str
    title: str | None
    line: int
    measure: Measure
    weight: Fraction
    is_gate: bool
    measured: str | None
    value: Fraction | None
    origin: str | None
    rule: str
    rule_line: int
    rows: tuple[RowTrace, ...]
    linear: LinearTrace | None
    attainment: Fraction
    status: Status

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        return self.name if self.period == "year" else f"{self.name} {self.period}"

    @property
    def row(self) -> RowTrace | None:
        """The row that matched; None when not reported."""
        return next((row for row in self.rows if row.matched), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "indicator",
            "goal": self.goal,
            "name": self.name,
            "period": self.period,
            "title": self.title,
            "line": self.line,
            "measure": self.measure,
            "weight": fraction(self.weight),
            "gate": self.is_gate,
            "measured": self.measured,
            "value": None if self.value is None else fraction(self.value),
            "origin": self.origin,
            "rule": self.rule,
            "rule_line": self.rule_line,
            "rows": [row.to_dict() for row in self.rows],
            "linear": self.linear.to_dict() if self.linear else None,
            "attainment": fraction(self.attainment),
            "attainment_decimal": decimal_places(self.attainment, 6),
            "status": self.status,
        }

    def lines(self, *, qualified: bool = False) -> list[str]:
        """The indicator's lines; `qualified` names it with its goal (`FLU.uptake`)."""
        weight = "a gate: below 1 it pays nothing" if self.is_gate else "weight "
        weight += "" if self.is_gate else _share(self.weight)
        label = f"{self.goal}.{self.label}" if qualified else self.label
        head = f"{label} ({weight})"
        if self.title:
            head += f' "{self.title}"'
        found = [f"{head}, line {self.line}"]
        if self.measured is None and self.status == "not yet due":
            found.append("  measurement: none yet; the period is not yet due, so it is "
                         "neither paid nor failed")
        elif self.measured is None:
            found.append("  measurement: not reported, so it pays 0")
        else:
            where = f", from {self.origin}" if self.origin else ""
            value = ""
            if self.value is not None and self.measure != "evidence":
                level = _level(self.value, self.measure)
                if level != self.measured:
                    value = f" = {level}"
            found.append(f"  measurement: {self.measured}{value}{where}")
        found.append(f"  rule (line {self.rule_line}): {self.rule}")
        for row in self.rows:
            implied = f" [{row.implied}]" if row.implied else ""
            if row.check == "otherwise":
                verdict = "otherwise: this row pays"
            else:
                verdict = f"{row.check}? " + ("yes: this row pays" if row.matched else "no")
            found.append(f"  line {row.line}: {row.text}{implied} — {verdict}")
        if self.linear is not None:
            found.append(f"    {self.linear.text}")
        found.append(f"  attainment: {_about(self.attainment)} ({self.status})")
        return found


@frozen
class Term:
    """One item as its parent combines it."""

    name: str
    weight: Fraction | None
    attainment: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": None if self.weight is None else fraction(self.weight),
            "attainment": fraction(self.attainment),
        }


@frozen
class CombineTrace:
    """How items' attainments made their parent's, then the gates."""

    mode: CombineMode
    at_least: int | None
    terms: tuple[Term, ...]
    combined: Fraction
    gates: tuple[Term, ...]
    attainment: Fraction

    @property
    def text(self) -> str:
        values = ", ".join(f"{t.name} {fraction(t.attainment)}" for t in self.terms)
        if not self.terms:
            words = "no weighted items: 1 (the gates decide)"
        elif self.mode == "minimum":
            words = f"combine minimum: the smallest of {values} = {fraction(self.combined)}"
        elif self.mode == "all":
            words = f"combine all: {values}; every one 1? " + (
                "yes: 1" if self.combined == 1 else "no: 0"
            )
        elif self.mode == "at least":
            met = sum(1 for t in self.terms if t.attainment >= 1)
            words = (
                f"combine at least {self.at_least}: {values}; {met} of {len(self.terms)} met"
                f" ({'enough' if self.combined == 1 else 'not enough'}): {fraction(self.combined)}"
            )
        else:
            parts = " + ".join(
                f"{t.name} {_share(t.weight or ZERO)} {TIMES} {fraction(t.attainment)}"
                for t in self.terms
            )
            words = f"combine weighted: {parts} = {_about(self.combined)}"
        for gate in self.gates:
            passed = gate.attainment >= 1
            words += f"; gate {gate.name} {fraction(gate.attainment)}: " + (
                "passes" if passed else "below 1, so 0"
            )
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "at_least": self.at_least,
            "terms": [term.to_dict() for term in self.terms],
            "combined": fraction(self.combined),
            "gates": [gate.to_dict() for gate in self.gates],
            "attainment": fraction(self.attainment),
            "text": self.text,
        }


@frozen
class PartTrace:
    path: tuple[str, ...]
    period: str
    title: str | None
    line: int
    weight: Fraction
    items: tuple[ItemTrace, ...]
    combine: CombineTrace

    is_gate = False

    @property
    def label(self) -> str:
        return "part " + ".".join(self.path)

    @property
    def attainment(self) -> Fraction:
        return self.combine.attainment

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "part",
            "name": ".".join(self.path),
            "period": self.period,
            "title": self.title,
            "line": self.line,
            "weight": fraction(self.weight),
            "items": [item.to_dict() for item in self.items],
            "combine": self.combine.to_dict(),
            "attainment": fraction(self.attainment),
        }

    def lines(self) -> list[str]:
        title = f' "{self.title}"' if self.title else ""
        found = [f"{self.label} (weight {_share(self.weight)}){title}, line {self.line}"]
        for item in self.items:
            found += ["  " + line for line in item.lines()]
        found.append(f"  {self.combine.text}")
        return found


ItemTrace = IndicatorTrace | PartTrace


@frozen
class PeriodTrace:
    name: str
    share: Fraction
    line: int
    items: tuple[ItemTrace, ...]
    combine: CombineTrace
    status: Status

    @property
    def attainment(self) -> Fraction:
        return self.combine.attainment

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "share": fraction(self.share),
            "line": self.line,
            "items": [item.to_dict() for item in self.items],
            "combine": self.combine.to_dict(),
            "attainment": fraction(self.attainment),
            "status": self.status,
        }

    def lines(self) -> list[str]:
        found = [f"period {self.name} (share {_share(self.share)}), line {self.line}"]
        for item in self.items:
            found += ["  " + line for line in item.lines()]
        found.append(f"  {self.combine.text} ({self.status})")
        return found


@frozen
class MoneyTrace:
    """A goal's available money: its `value`, or its weight of the cquin value, to the penny."""

    weight: Fraction | None
    value: Fraction | None
    cquin_value: Fraction
    exact: Fraction
    available: Fraction
    gate: bool = False

    @property
    def text(self) -> str:
        if self.gate:
            return "none: a scheme gate carries no money"
        if self.weight is not None:
            words = (
                f"weight {_share(self.weight)} {TIMES} cquin value {pounds(self.cquin_value)}"
                f" = {_exact_pounds(self.exact)}"
            )
        else:
            words = f"value {_exact_pounds(self.exact)} as written"
        if self.available != self.exact:
            floor = Fraction(int(self.exact / PENNY)) * PENNY
            if self.available > floor:
                how = f"{pounds(floor)} plus the left-over penny (largest remainder)"
            else:
                how = f"{pounds(floor)}, rounded down (largest remainder)"
            words += f"; split to the penny: {how} = {pounds(self.available)}"
        return words

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": None if self.weight is None else fraction(self.weight),
            "value": None if self.value is None else money(self.value),
            "cquin_value": money(self.cquin_value),
            "exact": fraction(self.exact),
            "available": money(self.available),
            "gate": self.gate,
            "text": self.text,
        }


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
        shares = " + ".join(_share(p.share) for p in due)
        head = (f"to date ({', '.join(p.name for p in due)} due): available "
                f"{pounds(self.available)} {TIMES} ({shares}) = {pounds(available)}")
        if self.to_date_rule is not None:
            return (f"{head}, rounded half up to the penny; earned {pounds(earned)}: "
                    f"{self.to_date_rule}")
        terms = " + ".join(f"{_share(p.share)} {TIMES} {fraction(p.attainment)}" for p in due)
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
            f" = {_exact_pounds(exact)}"
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
    """What it would take for each indicator not fully met (`targets.py`)."""

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


# ---- building the trace -------------------------------------------------------------


def explain(
    scheme_or_compiled: Scheme | CompiledScheme,
    measurements: Measurements | Mapping[str, object],
    *,
    as_of: int | None = None,
) -> Explanation:
    """The trace of evaluating `measurements`; its money is `evaluate`'s, to the penny.

    A plain mapping is read as `evaluate` reads it (CquinError when it has errors).
    `as_of` (a contract month) adds the to-date figures, as `evaluate` gives them.
    """
    compiled, measurements = evaluation_inputs(scheme_or_compiled, measurements)
    result = evaluate(compiled, measurements, as_of=as_of)
    goals = tuple(
        _Tracer(compiled, measurements, evaluated, as_of).goal(goal)
        for goal, evaluated in zip(compiled.goals, result.goals, strict=True)
    )
    explanation = Explanation(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        cquin_value=compiled.cquin_value,
        cquin_text=_cquin_text(compiled),
        goals=_scheme_rules(compiled, goals),
        by_commissioner=tuple(result.by_commissioner()),
        as_of=as_of,
        targets=targets_for_explain(compiled, measurements, as_of),
    )
    _agree(explanation, result)
    return explanation


def _scheme_rules(compiled: CompiledScheme, goals: tuple[GoalTrace, ...]
                  ) -> tuple[GoalTrace, ...]:
    """The goals' traces with the scheme's own rules applied, as `evaluate` applies them:
    `deemed achieved` pays every goal in full; a scheme gate not met pays no goal. As of a
    month the to-date money follows the gates as of that month (`evaluate`'s decisions);
    each trace's status is already the evaluated one."""
    if compiled.deemed is not None:
        words = (f'deemed achieved ("{compiled.deemed}"): deemed met in full, whatever was '
                 "measured")
        return tuple(evolve(goal, attainment=ONE, status="deemed met", scheme_rule=words,
                            to_date_rule="deemed achieved, so everything due is earned in "
                            "full" if goal.to_date is not None else None)
                     for goal in goals)
    gates = [goal for goal in goals if goal.money.gate]
    shut = [gate.code for gate in gates if gate.attainment < 1]
    shut_to_date = [gate.code for gate in gates if gate.to_date is not None
                    and gate.status not in ("met", "not yet due")]
    traced: list[GoalTrace] = []
    for goal in goals:
        if goal.money.gate:
            goal = evolve(goal, scheme_rule="a scheme gate: unless it is met, no goal pays")
        else:
            if shut:
                when = "" if goal.to_date is None else " over the year as measured"
                goal = evolve(goal, attainment=ZERO,
                              scheme_rule=f"the scheme gate {', '.join(shut)} is not met{when}, "
                              "so no goal pays")
            if shut_to_date:
                goal = evolve(goal, to_date_rule=f"the scheme gate {', '.join(shut_to_date)} "
                              "is not met to date, so no goal has earned anything to date")
        traced.append(goal)
    return tuple(traced)


def _agree(explanation: Explanation, result: Result) -> None:
    """A trace that disagrees with the money would mislead: that is a bug, never output."""
    for trace, goal in zip(explanation.goals, result.goals, strict=True):
        if (trace.attainment, trace.earned) != (goal.attainment, goal.earned):
            raise AssertionError(
                f"the explanation of {goal.code} disagrees with its evaluation "
                f"({trace.attainment} against {goal.attainment})"
            )


def _cquin_text(compiled: CompiledScheme) -> str:
    header = compiled.scheme.header
    located = header.cquin_value
    if located is None:
        return f"not given: {pounds(compiled.cquin_value)}"
    amount = located.value
    if isinstance(amount, Pounds):
        return f"{pounds(compiled.cquin_value)} as written"
    base_name, base = (
        ("outturn value", header.outturn_value)
        if header.outturn_value is not None
        else ("contract value", header.contract_value)
    )
    exact = cquin_value_exact(header) or ZERO
    words = f"{_share(amount.share)} of {base_name} "
    words += f"{pounds(base.value) if base else '(not given)'} = {_exact_pounds(exact)}"
    if exact != compiled.cquin_value:
        words += f", rounded half up to the penny: {pounds(compiled.cquin_value)}"
    return words


class _Tracer:
    """Walks one compiled goal, tracing each step as the evaluator takes it."""

    def __init__(
        self, compiled: CompiledScheme, measurements: Measurements, evaluated: GoalResult,
        as_of: int | None = None,
    ) -> None:
        self.compiled = compiled
        self.as_of = as_of
        self.measurements = measurements
        self.evaluated = evaluated
        self.names_commissioners = any(goal.node.commissioner for goal in compiled.goals)

    def goal(self, goal: CompiledGoal) -> GoalTrace:
        node = goal.node
        money_trace = MoneyTrace(
            weight=node.weight.value if node.weight is not None else None,
            value=node.value.value if node.value is not None else None,
            cquin_value=self.compiled.cquin_value,
            exact=goal_share(node, self.compiled.cquin_value),
            available=goal.available,
            gate=goal.is_gate,
        )
        items: tuple[ItemTrace, ...] = ()
        periods: tuple[PeriodTrace, ...] = ()
        combined: CombineTrace | None = None
        if goal.periods:
            statuses = dict(self.evaluated.periods)
            traced: list[PeriodTrace] = []
            for period in goal.periods:
                period_items = self.items(period.items)
                traced.append(
                    PeriodTrace(
                        name=period.name,
                        share=period.share,
                        line=period.node.span.line,
                        items=period_items,
                        combine=self.combine(period_items, period.combine, period.at_least),
                        status=statuses.get(period.name, "not reported"),
                    )
                )
            periods = tuple(traced)
            terms = tuple(Term(p.name, p.share, p.attainment) for p in periods)
            attainment = combine_periods(goal, [p.attainment for p in periods])
            combined = CombineTrace("weighted", None, terms, attainment, (), attainment)
        elif goal.items:
            items = self.items(goal.items)
            combined = self.combine(items, goal.combine, goal.at_least)
            attainment = combined.attainment
        else:
            attainment = ZERO
        return GoalTrace(
            code=goal.code,
            title=goal.title,
            scope=goal.scope,
            line=node.span.line,
            money=money_trace,
            items=items,
            periods=periods,
            combine=combined,
            attainment=attainment,
            status=self.evaluated.status,
            to_date=self.evaluated.to_date,
            commissioner=goal.commissioner if self.names_commissioners else None,
            due=self.due(goal),
        )

    def due(self, goal: CompiledGoal) -> tuple[str, ...]:
        """The goal's periods due as of the month (`year` when it has none and the year is)."""
        if self.as_of is None:
            return ()
        names = [period.name for period in goal.periods] or ["year"]
        return tuple(name for name in names if is_due(name, self.as_of))

    def items(self, items: tuple[CompiledItem, ...]) -> tuple[ItemTrace, ...]:
        traced: list[ItemTrace] = []
        for item in items:
            if isinstance(item, CompiledIndicator):
                traced.append(self.indicator(item))
            else:
                children = self.items(item.items)
                traced.append(
                    PartTrace(
                        path=item.path,
                        period=item.period,
                        title=item.node.title,
                        line=item.node.span.line,
                        weight=item.weight,
                        items=children,
                        combine=self.combine(children, item.combine, item.at_least),
                    )
                )
        return tuple(traced)

    def combine(
        self, items: tuple[ItemTrace, ...], mode: CombineMode, at_least: int | None
    ) -> CombineTrace:
        terms = tuple(
            Term(_short(item), item.weight, item.attainment) for item in items if not item.is_gate
        )
        gates = tuple(Term(_short(item), None, item.attainment) for item in items if item.is_gate)
        combined = combine(mode, at_least, [(t.weight or ZERO, t.attainment) for t in terms])
        attainment = gated(combined, (gate.attainment for gate in gates))
        return CombineTrace(mode, at_least, terms, combined, gates, attainment)

    def indicator(self, indicator: CompiledIndicator) -> IndicatorTrace:
        node = indicator.node
        evaluated = self.evaluated.indicator(indicator.path, indicator.period)
        measurement = self.measurements.get(indicator.key)
        rows: list[RowTrace] = []
        linear: LinearTrace | None = None
        attainment = ZERO
        value: Fraction | None = None
        origin: str | None = None
        if measurement is not None:
            if measurement.origin is not None:
                origin = f"{measurement.origin.path} line {measurement.origin.line}"
            observation = Observation.of(measurement.measured)
            value = observation.value
            if indicator.rule is not None:
                attainment, matched = indicator.rule.apply(observation)
                for index, row in enumerate(indicator.rule.rows[: matched + 1]):
                    rows.append(self.row(indicator, row, observation, index == matched))
                paid = indicator.rule.rows[matched]
                if isinstance(paid.pays, Linear):
                    linear = self.linear(indicator, paid, observation.value)
        return IndicatorTrace(
            goal=indicator.goal,
            path=indicator.path,
            period=indicator.period,
            title=node.title,
            line=node.span.line,
            measure=indicator.measure,
            weight=indicator.weight,
            is_gate=indicator.is_gate,
            measured=evaluated.measured_text if evaluated else None,
            value=value,
            origin=origin,
            rule=indicator.rule_text,
            rule_line=indicator.line,
            rows=tuple(rows),
            linear=linear,
            attainment=attainment,
            status=evaluated.status if evaluated else "not reported",
        )

    def row(
        self, indicator: CompiledIndicator, row: CompiledRow, observation: Observation,
        matched: bool,
    ) -> RowTrace:
        pay = indicator.node.pay
        line = row.span.line if row.span else indicator.line
        if row.source is None:
            limit = row.denominator_below
            text = f"100% when denominator < {limit}"
            implied = f"minimum denominator {limit}: not assessable, pays in full"
        else:
            text = _row_words(pay, row)
            implied = None
            if pay is not None and pay.form == "when" and row.source.condition is None:
                implied = "the one-line form pays 0% otherwise"
        return RowTrace(line, text, self.check(indicator, row, observation), matched, implied)

    def check(self, indicator: CompiledIndicator, row: CompiledRow, observation: Observation
              ) -> str:
        """The row's condition with the actual numbers: `212 <= 200 (baseline * 80% = …)`."""
        measure = indicator.measure
        if row.comparison is not None and row.threshold is not None:
            resolution = _resolution(_condition_threshold(row), indicator, row.threshold)
            words = (
                f"{_level(observation.value, measure)} {row.comparison} "
                f"{_level(row.threshold, measure)}"
            )
            return f"{words} ({resolution})" if resolution else words
        if row.denominator_below is not None:
            if observation.denominator is None:
                return "no denominator was given"
            return f"denominator {observation.denominator} < {row.denominator_below}"
        if row.achieved is not None:
            said = "achieved" if observation.achieved else "not achieved"
            return f"the evidence says {said}"
        if row.reported:
            return "a measurement was supplied"
        return "otherwise"

    def linear(self, indicator: CompiledIndicator, row: CompiledRow, value: Fraction
               ) -> LinearTrace:
        assert isinstance(row.pays, Linear)
        payout = row.source.payout if row.source is not None else None
        start, end = row.pays.start, row.pays.end
        start_written = payout.start if isinstance(payout, LinearPay) else None
        end_written = payout.end if isinstance(payout, LinearPay) else None
        return LinearTrace(
            value=value,
            start=start,
            end=end,
            start_text=_resolution(start_written, indicator, start)
            or _level(start, indicator.measure),
            end_text=_resolution(end_written, indicator, end) or _level(end, indicator.measure),
            share=(value - start) / (end - start),
            attainment=row.pays.at(value),
            measure=indicator.measure,
        )


def _short(item: ItemTrace) -> str:
    return item.path[-1]


def _row_words(pay: PayRule | None, row: CompiledRow) -> str:
    """The row as written: the one-line forms as the rulebook says them."""
    assert row.source is not None
    if pay is not None and pay.form == "linear":
        return rule_text(pay)
    return rule_text(PayRule("table", (row.source,)))


def _condition_threshold(row: CompiledRow) -> Threshold | None:
    condition = row.source.condition if row.source is not None else None
    return condition.threshold if isinstance(condition, ValueIs) else None


def _resolution(threshold: Threshold | None, indicator: CompiledIndicator, value: Fraction
                ) -> str | None:
    """`baseline * 80% = 250 × 80% = 200` for a threshold taken from the baseline."""
    if not isinstance(threshold, Baseline):
        return None
    baseline = indicator.node.baseline
    level = _level(value, indicator.measure)
    written = threshold_text(threshold)
    if baseline is None or threshold.operator == "" or threshold.operand is None:
        return f"{written} = {level}"
    operator = {"+": "+", "-": MINUS, "*": TIMES}[threshold.operator]
    base = quantity_text(baseline.value)
    return f"{written} = {base} {operator} {quantity_text(threshold.operand)} = {level}"


