"""Two drafts of a scheme compared in meaning and in money (`cquin diff`).

Drafts go back and forth between commissioner and provider; what a contracts manager
needs is not a text diff but what changed in the deal: goals added or removed, money,
thresholds, rules, periods, leads and status. The comparison is of the typed models, whose
equality leaves out layout and comments, so a reformatted draft shows no change. Rules
are compared by their sentences from `semantics/wording.py`, the words every report uses.

Given the same measurements, each draft is evaluated goal by goal and the difference is
exact (pennies; totals are sums of the goal lines, so they add up). Given estimates, each
draft is forecast with the same seed and scenario count (`forecast.py`), so the two
columns differ only because the drafts do.

A measurements or estimates CSV row that names an indicator only one draft has is
dropped for the other draft (it is no error that an old draft lacks a new indicator); a
row that names something neither draft has is still E103.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Literal, TypeVar

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..engine.result import Result
from ..semantics.compile import CompiledScheme, compile_scheme
from ..semantics.money import cquin_value_exact, national_value_exact, pounds
from ..semantics.wording import STATUS_MEANINGS, rule_rows, rule_sentence
from ..syntax import printer
from ..syntax.model import (
    Combine,
    Example,
    Goal,
    Header,
    Indicator,
    Item,
    Located,
    Part,
    Period,
    Pounds,
    Scheme,
    ShareOfContract,
)
from .forecast import Forecast, Outlook

T = TypeVar("T")
S = TypeVar("S", Scheme, CompiledScheme)
Kind = Literal["added", "removed", "changed"]

#: What each negotiation colour means (section 4), for sentences about status.
STATUS_WORDS = {colour: f"{colour} ({meaning})" for colour, meaning in STATUS_MEANINGS.items()}


@frozen
class Change:
    """One change of meaning: where it is (`scheme`, `FLU`, `FLU.uptake`, `REC.plan Q2`,
    `example "a typical year"`), whether it was added, removed or changed, and a sentence."""

    where: str
    kind: Kind
    words: str

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "kind": self.kind, "words": self.words}


# ---- meaning ----------------------------------------------------------------------------


def _moved(label: str, old: str | None, new: str | None) -> str | None:
    """A sentence saying how `label` moved, or None when it did not."""
    if old == new:
        return None
    if old is None:
        return f"{label} is now {new} (it was not given)"
    if new is None:
        return f"{label} ({old}) was removed"
    return f"{label} changed from {old} to {new}"


def _amount(amount: Pounds | ShareOfContract, pounds_worth: Fraction | None) -> str:
    if isinstance(amount, Pounds):
        return printer.money(amount.amount)
    worth = f" ({pounds(pounds_worth)})" if pounds_worth is not None else ""
    return f"{printer.percent(amount.share)} of contract{worth}"


def _located(value: Located[T] | None, show: Callable[[T], str]) -> str | None:
    return None if value is None else show(value.value)


def _header_facts(header: Header) -> list[tuple[str, str | None]]:
    """Each header statement as (what a person calls it, its value in words)."""
    cquin = header.cquin_value
    national = header.national_value
    framework = header.framework
    return [
        ("the title", header.title),
        ("the provider", _located(header.provider, str)),
        ("the commissioners", ", ".join(c.value for c in header.commissioners) or None),
        ("the year", _located(header.year, str)),
        ("the framework", framework.name if framework else None),
        ("the contract value", _located(header.contract_value, printer.money)),
        ("the outturn value", _located(header.outturn_value, printer.money)),
        ("the cquin value", None if cquin is None else
         _amount(cquin.value, cquin_value_exact(header))),
        ("the national value", None if national is None else
         _amount(national.value, national_value_exact(header))),
        ("the payment on account", _located(header.payment_on_account, printer.percent)),
        ("the reconciliation months",
         _located(header.reconcile_months, lambda ms: ", ".join(map(str, ms)))),
        ("deemed achieved", _located(header.deemed_achieved, str)),
    ]


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:] + "."


def header_changes(old: Header, new: Header) -> list[Change]:
    found = []
    for (label, before), (_, after) in zip(_header_facts(old), _header_facts(new),
                                           strict=True):
        moved = _moved(label, before, after)
        if moved:
            found.append(Change("scheme", "changed", _capital(moved)))
    return found


def _share_words(weight: Located[Fraction] | None, value: Located[Fraction] | None
                 ) -> str | None:
    if weight is not None:
        return f"weight {printer.percent(weight.value)}"
    if value is not None:
        return f"value {printer.money(value.value)}"
    return None


def _combine_words(combine: Combine | None) -> str:
    if combine is None or combine.mode == "weighted":
        return "weighted"
    if combine.mode == "minimum":
        return "the weakest"
    if combine.mode == "all":
        return "all"
    return f"at least {combine.count}"


def _scope(goal: Goal) -> str:
    return goal.scope.value if goal.scope else "local"


def _goal_summary(goal: Goal, available: Fraction) -> str:
    share = _share_words(goal.weight, goal.value)
    money = "a gate, no money" if goal.is_gate else pounds(available)
    return f"{goal.code} \u201c{goal.title}\u201d, {_scope(goal)}, {money}" + (
        f" ({share})" if share and not goal.is_gate else "")


def _status(status: str | None) -> str | None:
    return None if status is None else STATUS_WORDS.get(status, status)


def goal_changes(old: Goal, new: Goal, old_money: Fraction, new_money: Fraction
                 ) -> list[Change]:
    """Every change of meaning inside one goal present in both drafts."""
    code = old.code
    said: list[str | None] = [
        _moved("the title", old.title, new.title),
        _moved("the scope", _scope(old), _scope(new)),
        _moved("the domains", _located(old.domains, ", ".join),
               _located(new.domains, ", ".join)),
        _moved("the share", _share_words(old.weight, old.value),
               _share_words(new.weight, new.value)),
        _moved("the money available", pounds(old_money), pounds(new_money)),
        _moved("being a scheme gate", "yes" if old.is_gate else "no",
               "yes" if new.is_gate else "no"),
        _moved("how its items combine", _combine_words(old.combine),
               _combine_words(new.combine)),
        _moved("the commissioner", _located(old.commissioner, str),
               _located(new.commissioner, str)),
        _moved("the lead", old.lead, new.lead),
        _moved("the status", _status(old.status), _status(new.status)),
        _moved("the rationale", old.rationale, new.rationale),
    ]
    found = [Change(code, "changed", _capital(s)) for s in said if s]
    found += _period_changes(code, old.periods, new.periods)
    found += item_changes(code, old.items, new.items)
    return found


def _period_changes(code: str, old: Sequence[Period], new: Sequence[Period]) -> list[Change]:
    found: list[Change] = []
    before = {p.name: p for p in old}
    after = {p.name: p for p in new}
    for name, period in before.items():
        if name not in after:
            found.append(Change(f"{code} {name}", "removed",
                                f"Period {name} ({printer.percent(period.share.value)} of "
                                f"the goal) removed."))
    for name, period in after.items():
        where = f"{code} {name}"
        if name not in before:
            found.append(Change(where, "added", f"Period {name} added: "
                                f"{printer.percent(period.share.value)} of the goal."))
            continue
        was = before[name]
        for said in (
            _moved("the period's share", printer.percent(was.share.value),
                   printer.percent(period.share.value)),
            _moved("how its items combine", _combine_words(was.combine),
                   _combine_words(period.combine)),
        ):
            if said:
                found.append(Change(where, "changed", _capital(said)))
        found += item_changes(code, was.items, period.items, period=name)
    return found


def _where(code: str, path: tuple[str, ...], period: str | None) -> str:
    name = ".".join((code, *path))
    return name if period in (None, "year") else f"{name} {period}"


def _item_kind(item: Item) -> str:
    return "indicator" if isinstance(item, Indicator) else "part"


def item_changes(code: str, old: Sequence[Item], new: Sequence[Item], *,
                 period: str | None = None, path: tuple[str, ...] = ()) -> list[Change]:
    """Changes among sibling indicators and parts, matched by name."""
    found: list[Change] = []
    before = {item.name: item for item in old}
    after = {item.name: item for item in new}
    for name, item in before.items():
        if name not in after or _item_kind(after[name]) != _item_kind(item):
            found.append(Change(_where(code, (*path, name), period), "removed",
                                _capital(f"{_item_kind(item)} {name} removed")))
    for name, item in after.items():
        where = _where(code, (*path, name), period)
        was = before.get(name)
        if was is None or _item_kind(was) != _item_kind(item):
            found.append(Change(where, "added", _capital(
                f"{_item_kind(item)} {name} added" + _added_detail(item))))
        elif isinstance(item, Indicator) and isinstance(was, Indicator):
            found += indicator_changes(where, was, item)
        elif isinstance(item, Part) and isinstance(was, Part):
            for said in (
                _moved("the title", was.title, item.title),
                _moved("the share", _share_words(was.weight, was.value),
                       _share_words(item.weight, item.value)),
                _moved("how its items combine", _combine_words(was.combine),
                       _combine_words(item.combine)),
            ):
                if said:
                    found.append(Change(where, "changed", _capital(said)))
            found += item_changes(code, was.items, item.items, period=period,
                                  path=(*path, name))
    return found


def _added_detail(item: Item) -> str:
    share = _share_words(item.weight, item.value)
    detail = f" ({share})" if share else ""
    if isinstance(item, Indicator):
        return f"{detail}: {rule_sentence(rule_rows(item))}".rstrip(".")
    return detail


def _indicator_facts(indicator: Indicator) -> list[tuple[str, str | None]]:
    baseline = indicator.baseline
    minimum = indicator.minimum_denominator
    return [
        ("the title", indicator.title),
        ("the measure", indicator.measure_kind),
        ("the direction", _located(indicator.direction, lambda d: f"{d} is better")),
        ("the share", _share_words(indicator.weight, indicator.value)),
        ("being a gate", "yes" if indicator.is_gate else "no"),
        ("the baseline", None if baseline is None else printer.quantity(baseline.value)),
        ("the minimum denominator", None if minimum is None else str(minimum.value)),
        ("the source", indicator.source),
        ("the reporting", indicator.reported),
        ("the definition", indicator.definition),
        ("the exclusions", indicator.exclusions),
    ]


def indicator_changes(where: str, old: Indicator, new: Indicator) -> list[Change]:
    found = []
    for (label, before), (_, after) in zip(_indicator_facts(old), _indicator_facts(new),
                                           strict=True):
        moved = _moved(label, before, after)
        if moved:
            found.append(Change(where, "changed", _capital(moved)))
    was, now = rule_sentence(rule_rows(old)), rule_sentence(rule_rows(new))
    if was != now:
        found.append(Change(where, "changed", f"The pay rule changed. Was: {was} "
                            f"Now: {now}"))
    return found


def example_changes(old: Sequence[Example], new: Sequence[Example]) -> list[Change]:
    """Worked examples added, removed or rewritten (tests, not terms: listed last)."""
    found: list[Change] = []
    before = {e.name: e for e in old}
    after = {e.name: e for e in new}
    for name in before:
        if name not in after:
            found.append(Change(f'example "{name}"', "removed", "Worked example removed."))
    for name, example in after.items():
        if name not in before:
            found.append(Change(f'example "{name}"', "added", "Worked example added."))
        elif before[name] != example:
            found.append(Change(f'example "{name}"', "changed",
                                "Worked example changed (its measurements or expected "
                                "money)."))
    return found


def meaning_changes(old: Scheme, new: Scheme) -> list[Change]:
    """Every change of meaning from `old` to `new`: header, goals (in the new draft's order,
    removed ones first), then worked examples. Empty exactly when the models are equal."""
    if old == new:
        return []
    old_money = {g.code: g.available for g in compile_scheme(old).goals}
    new_money = {g.code: g.available for g in compile_scheme(new).goals}
    found = header_changes(old.header, new.header)
    before = {goal.code: goal for goal in old.goals}
    after = {goal.code: goal for goal in new.goals}
    for code, goal in before.items():
        if code not in after:
            found.append(Change(code, "removed", "Goal removed: "
                                + _goal_summary(goal, old_money[code]) + "."))
    for code, goal in after.items():
        if code not in before:
            found.append(Change(code, "added", "Goal added: "
                                + _goal_summary(goal, new_money[code]) + "."))
        else:
            found += goal_changes(before[code], goal, old_money[code], new_money[code])
    if [g.code for g in old.goals if g.code in after] != \
            [g.code for g in new.goals if g.code in before]:
        found.append(Change("scheme", "changed", "The goals are in a different order."))
    found += example_changes(old.examples, new.examples)
    if not found:  # equal in every statement compared, yet unequal: say so, never hide it
        found.append(Change("scheme", "changed", "The drafts differ in a detail this "
                            "comparison does not name; compare the files."))
    return found


# ---- money ------------------------------------------------------------------------------


@frozen
class GoalMoney:
    """A goal under both drafts on the same measurements (None where a draft lacks it)."""

    code: str
    title: str
    old_available: Fraction | None
    new_available: Fraction | None
    old_earned: Fraction | None
    new_earned: Fraction | None
    old_status: str | None
    new_status: str | None

    @property
    def difference(self) -> Fraction:
        """New earned minus old earned (a goal missing from a draft earns nothing there)."""
        return (self.new_earned or Fraction(0)) - (self.old_earned or Fraction(0))

    @property
    def changed(self) -> bool:
        return (self.old_earned, self.old_available) != (self.new_earned, self.new_available)


@frozen
class MoneyComparison:
    """What each draft pays, goal by goal; the totals are sums of the goal lines."""

    goals: tuple[GoalMoney, ...]

    @property
    def old_total(self) -> Fraction:
        return sum((g.old_earned or Fraction(0) for g in self.goals), Fraction(0))

    @property
    def new_total(self) -> Fraction:
        return sum((g.new_earned or Fraction(0) for g in self.goals), Fraction(0))

    @property
    def old_available(self) -> Fraction:
        return sum((g.old_available or Fraction(0) for g in self.goals), Fraction(0))

    @property
    def new_available(self) -> Fraction:
        return sum((g.new_available or Fraction(0) for g in self.goals), Fraction(0))

    @property
    def difference(self) -> Fraction:
        return self.new_total - self.old_total

    @property
    def changed(self) -> bool:
        return any(goal.changed for goal in self.goals)


def _union(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """Codes in the old draft's order, then those only the new draft has."""
    return [*old, *(code for code in new if code not in old)]


def compare_money(old: Result, new: Result) -> MoneyComparison:
    before = {g.code: g for g in old.goals}
    after = {g.code: g for g in new.goals}
    rows = []
    for code in _union([g.code for g in old.goals], [g.code for g in new.goals]):
        was, now = before.get(code), after.get(code)
        rows.append(GoalMoney(
            code=code, title=(now or was).title,  # type: ignore[union-attr]
            old_available=was.available if was else None,
            new_available=now.available if now else None,
            old_earned=was.earned if was else None,
            new_earned=now.earned if now else None,
            old_status=was.status if was else None,
            new_status=now.status if now else None,
        ))
    return MoneyComparison(tuple(rows))


@frozen
class OutlookPair:
    """One goal's (or the total's) forecast under both drafts."""

    code: str
    old: Outlook | None
    new: Outlook | None

    @property
    def changed(self) -> bool:
        return _figures(self.old) != _figures(self.new)


def _figures(outlook: Outlook | None) -> tuple[Fraction, ...] | None:
    if outlook is None:
        return None
    return (outlook.available, outlook.expected, outlook.p10, outlook.p50, outlook.p90,
            outlook.probability_all, outlook.at_risk)


@frozen
class ForecastComparison:
    """Expected earnings and income at risk under both drafts, same seed and scenarios."""

    scenarios: int
    seed: int
    goals: tuple[OutlookPair, ...]
    total: OutlookPair

    @property
    def changed(self) -> bool:
        return self.total.changed or any(pair.changed for pair in self.goals)


def compare_forecasts(old: Forecast, new: Forecast) -> ForecastComparison:
    before = {o.code: o for o in old.goals}
    after = {o.code: o for o in new.goals}
    pairs = tuple(OutlookPair(code, before.get(code), after.get(code))
                  for code in _union(list(before), list(after)))
    return ForecastComparison(old.scenarios, old.seed, pairs,
                              OutlookPair("total", old.total, new.total))


# ---- the whole comparison ---------------------------------------------------------------


@frozen
class Comparison:
    """Two drafts compared: the changes of meaning, and the money when data was given."""

    old_name: str
    new_name: str
    old_title: str
    new_title: str
    changes: tuple[Change, ...]
    money: MoneyComparison | None = None
    forecast: ForecastComparison | None = None

    @property
    def changed(self) -> bool:
        """What the exit status reports: the money when measurements or estimates were
        given, else the meaning."""
        if self.money is not None:
            return self.money.changed
        if self.forecast is not None:
            return self.forecast.changed
        return bool(self.changes)


def compare(old: Scheme, new: Scheme, old_name: str, new_name: str, *,
            results: tuple[Result, Result] | None = None,
            forecasts: tuple[Forecast, Forecast] | None = None) -> Comparison:
    return Comparison(
        old_name=old_name, new_name=new_name,
        old_title=old.header.title, new_title=new.header.title,
        changes=tuple(meaning_changes(old, new)),
        money=None if results is None else compare_money(*results),
        forecast=None if forecasts is None else compare_forecasts(*forecasts),
    )


# ---- one data file for two drafts -------------------------------------------------------


def _unknown_lines(diagnostics: Sequence[Diagnostic]) -> set[int] | None:
    """The rows that name something the draft lacks, when those are the only errors."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors or any(d.code != "E103" for d in errors):
        return None
    return {d.span.line for d in errors}


def _without_lines(text: str, lines: set[int]) -> str:
    """The text with those lines blanked (a blank row is skipped; line numbers stay)."""
    return "\n".join("" if number in lines else line
                     for number, line in enumerate(text.split("\n"), start=1))


def read_for_both(
    text: str, path: str, drafts: tuple[S, S],
    parse: Callable[[str, str, S], tuple[T | None, list[Diagnostic]]],
) -> tuple[tuple[T, T] | None, list[Diagnostic]]:
    """A CSV data file read for each draft, a row naming what only the other draft has
    dropped for the draft that lacks it (see the module docstring)."""
    first = [parse(text, path, draft) for draft in drafts]
    read: list[T] = []
    for index, (found, diagnostics) in enumerate(first):
        if found is not None:
            read.append(found)
            continue
        unknown = _unknown_lines(diagnostics)
        other = {d.span.line for d in first[1 - index][1] if d.code == "E103"}
        if unknown is None or unknown & other or text.lstrip().startswith(("[", "{")):
            return None, diagnostics
        again, problems = parse(_without_lines(text, unknown), path, drafts[index])
        if again is None:
            return None, problems
        read.append(again)
    return (read[0], read[1]), []

