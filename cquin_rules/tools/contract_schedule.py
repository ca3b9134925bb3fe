"""The CQUIN schedule for the contract (`cquin document`): one document model, as data.

A signed scheme is pasted into the NHS Standard Contract as a schedule. This module
works out everything that schedule says, in plain words, from the compiled scheme: the
parties and year, how the values are computed, each goal with its money, lead and
status, its indicators with their definitions and pay rules in words
(`semantics.wording`, one home for wording), and payment on account and reconciliation
(the scheme's, else its framework's: `schedule.schedule_terms`). The renderers
(`contract_schedule_render` for Markdown and HTML, `contract_schedule_docx` for Word)
only lay it out, so the three formats always say the same thing.

Money is exact inside; each amount shown is rounded half up to the penny once. A goal's
money is the evaluator's (`compile_scheme`: the goals add up to the cquin value); a
period's and an indicator's are their share of it, shown only where they carry money of
their own (periods always; items only when their parent combines `weighted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..semantics.as_of import month_words
from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
    compile_scheme,
    part_rule_text,
)
from ..semantics.money import contract_base, pounds, round_half_up
from ..semantics.wording import (
    list_words,
    measure_words,
    on_account_words,
    reconciliation_words,
    rule_sentence,
    share_words,
    status_words,
)
from ..syntax import printer
from ..syntax.model import PERIOD_END_MONTH, Amount, Header, Located, Pounds, Scheme
from .schedule import schedule_terms


@frozen
class Fact:
    """One labelled line of the schedule: `Provider: Northshire Health and Care NHS Trust`."""

    label: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "text": self.text}


@frozen
class IndicatorEntry:
    """An indicator (or a part) as the schedule states it: what is measured, how it pays."""

    name: str
    title: str | None
    period: str
    money: str | None
    """Its own money (`£240,000.00`), when its parent pays by weight; else None."""
    facts: tuple[Fact, ...]
    pays: str
    """The pay rule in one sentence (`wording.rule_sentence`); for a part, how its items
    make its pay (`compile.part_rule_text`)."""
    is_part: bool = False
    """A part (a group of indicators with money of its own), listed before its items."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "period": self.period,
                "money": self.money, "facts": [f.to_dict() for f in self.facts],
                "pays": self.pays, "part": self.is_part}


@frozen
class PeriodEntry:
    """A period block: when it ends and the money that rides on it."""

    name: str
    share: str
    ends: str
    money: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "share": self.share, "ends": self.ends,
                "money": self.money}


@frozen
class GoalEntry:
    """A goal's row of the schedule and the indicators under it."""

    code: str
    title: str
    money: str
    facts: tuple[Fact, ...]
    periods: tuple[PeriodEntry, ...]
    indicators: tuple[IndicatorEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "money": self.money,
                "facts": [f.to_dict() for f in self.facts],
                "periods": [p.to_dict() for p in self.periods],
                "indicators": [i.to_dict() for i in self.indicators]}


@frozen
class ContractSchedule:
    """The whole schedule: a title, the scheme's facts, the goals, and the totals."""

    title: str
    facts: tuple[Fact, ...]
    payment: tuple[Fact, ...]
    goals: tuple[GoalEntry, ...]
    total: str

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "facts": [f.to_dict() for f in self.facts],
                "payment": [f.to_dict() for f in self.payment],
                "goals": [g.to_dict() for g in self.goals], "total": self.total}


def contract_schedule(
    scheme: Scheme, base_dir: Path | None = None, path: str = "<text>"
) -> tuple[ContractSchedule, list[Diagnostic]]:
    """The schedule of `scheme` (as evaluated); diagnostics when its framework, needed for
    payment on account or reconciliation, cannot be read (then the defaults are shown)."""
    compiled = compile_scheme(scheme)
    on_account, months, found = schedule_terms(scheme, base_dir, path)
    payment = (
        Fact("Payment on account", _sentence(
            on_account_words(on_account)
            + f" ({pounds(round_half_up(on_account * compiled.cquin_value))})")),
        Fact("Reconciliation", _sentence(reconciliation_words(months))),
    )
    goals = tuple(_goal(goal) for goal in compiled.goals)
    total = pounds(sum((goal.available for goal in compiled.goals), Fraction(0)))
    return ContractSchedule(compiled.title, _scheme_facts(compiled), payment, goals,
                            total), found


def _sentence(words: str) -> str:
    """Words from `wording` as a sentence of the schedule: a capital and a full stop."""
    return words[:1].upper() + words[1:] + "."


def _scheme_facts(compiled: CompiledScheme) -> tuple[Fact, ...]:
    header = compiled.scheme.header
    facts: list[Fact] = []
    if compiled.provider:
        facts.append(Fact("Provider", compiled.provider))
    if compiled.commissioners:
        label = "Commissioner" if len(compiled.commissioners) == 1 else "Commissioners"
        facts.append(Fact(label, list_words(list(compiled.commissioners))))
    if compiled.year:
        facts.append(Fact("Year", f"{compiled.year} (April to March)"))
    if header.framework is not None:
        facts.append(Fact("Framework", header.framework.name))
    if header.contract_value is not None:
        facts.append(Fact("Contract value", pounds(header.contract_value.value)))
    if header.outturn_value is not None:
        facts.append(Fact("Outturn value", pounds(header.outturn_value.value)))
    facts.append(Fact("CQUIN value", _value_words(header.cquin_value, header,
                                                   compiled.cquin_value)))
    if header.national_value is not None:
        national = compiled.national_value
        facts.append(Fact("National goals", _value_words(header.national_value, header,
                                                          national)))
        facts.append(Fact("Local goals", f"{pounds(compiled.cquin_value - national)}: the "
                          "CQUIN value less the national part"))
    if compiled.deemed is not None:
        facts.append(Fact("Deemed achieved", f"every goal is deemed met and paid in full: "
                          f"{compiled.deemed}"))
    return tuple(facts)


def _value_words(amount: Located[Amount] | None, header: Header, rounded: Fraction) -> str:
    """`£3,000,000.00: 2.5% of the contract value (£120,000,000.00)`."""
    if amount is None:
        return pounds(rounded)
    value = amount.value
    if isinstance(value, Pounds):
        return pounds(rounded)
    base = "outturn value" if header.outturn_value is not None else "contract value"
    on = contract_base(header)
    of = f"the {base}" + (f" ({pounds(on)})" if on is not None else "")
    return f"{pounds(rounded)}: {share_words(value.share, of)}, rounded to the penny"


def _goal(goal: CompiledGoal) -> GoalEntry:
    node = goal.node
    facts: list[Fact] = [Fact("Scope", goal.scope)]
    if goal.is_gate:
        facts.append(Fact("Gate", "no money of its own; unless it is met, no goal pays"))
    if goal.domains:
        facts.append(Fact("Domains", list_words(list(goal.domains))))
    if node.weight is not None:
        facts.append(Fact("Share", share_words(node.weight.value, "the CQUIN value")))
    if goal.commissioner and node.commissioner is not None:
        facts.append(Fact("Commissioner", goal.commissioner))
    facts.append(Fact("Lead", node.lead or "not named"))
    facts.append(Fact("Status", status_words(node.status)))
    if node.rationale:
        facts.append(Fact("Rationale", node.rationale))
    facts.append(Fact("How it is paid", goal.rule_text))
    periods = tuple(
        PeriodEntry(period.name, printer.percent(period.share),
                    _month_end(period.name), pounds(round_half_up(period.share * goal.available)))
        for period in goal.periods
    )
    indicators: list[IndicatorEntry] = []
    if goal.periods:
        for period in goal.periods:
            money = period.share * goal.available
            indicators += _items(period.items, money, period.combine == "weighted")
    else:
        indicators += _items(goal.items, goal.available, goal.combine == "weighted")
    return GoalEntry(goal.code, goal.title, pounds(goal.available), tuple(facts), periods,
                     tuple(indicators))


def _month_end(period: str) -> str:
    return month_words(PERIOD_END_MONTH[period])


def _items(items: Sequence[CompiledItem], money: Fraction, weighted: bool
           ) -> list[IndicatorEntry]:
    found: list[IndicatorEntry] = []
    for item in items:
        own = item.weight * money if weighted and not item.is_gate else None
        if isinstance(item, CompiledPart):
            found.append(IndicatorEntry(
                name=".".join(item.path),
                title=item.node.title, period=item.period,
                money=None if own is None else pounds(round_half_up(own)), facts=(),
                pays=part_rule_text(item), is_part=True))
            found += _items(item.items, own if own is not None else Fraction(0),
                            own is not None and item.combine == "weighted")
        else:
            found.append(_indicator(item, own))
    return found


def _indicator(item: CompiledIndicator, own: Fraction | None) -> IndicatorEntry:
    node = item.node
    facts: list[Fact] = [Fact("Measure", measure_words(node))]
    if item.is_gate:
        facts.append(Fact("Gate", "unless it is met, its group pays nothing"))
    if node.definition:
        facts.append(Fact("Definition", node.definition))
    if node.exclusions:
        facts.append(Fact("Exclusions", node.exclusions))
    if node.source:
        facts.append(Fact("Source", node.source))
    if node.reported:
        facts.append(Fact("Reported", node.reported))
    if node.baseline is not None:
        facts.append(Fact("Baseline", printer.quantity(node.baseline.value)))
    if node.minimum_denominator is not None:
        facts.append(Fact("Minimum denominator", str(node.minimum_denominator.value)))
    return IndicatorEntry(
        name=item.name, title=node.title, period=item.period,
        money=None if own is None else pounds(round_half_up(own)),
        facts=tuple(facts), pays=rule_sentence(item.rule_rows),
    )
