"""A plain-text table: goals down, money across, totals that add up.

This is the `table` format when the output is piped or written to a file (stable text
that scripts and tests compare); on a terminal the command line draws the same figures
with `terminal.render`, which wraps long titles instead of cutting them. The helpers here
(money in pounds, the as-of line, scheme notes, percents) are shared by every report.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..semantics.as_of import MONTH_NAMES
from ..semantics.money import decimal_places, earned_percent
from ..semantics.wording import STATUS_MEANINGS


def pounds(text: str) -> str:
    """`3000000.00` → `£3,000,000.00`."""
    amount = Decimal(text)
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.2f}"


def scheme_notes(document: dict[str, Any]) -> list[str]:
    """Sentences for the scheme-wide rules that decide the money: `deemed achieved`, and
    each scheme gate with what it did. Every report shows them."""
    notes = []
    if document.get("deemed_achieved") is not None:
        notes.append(
            f"Deemed achieved: {document['deemed_achieved']}. Every goal is deemed met and "
            "paid in full; measurements are shown but change no money."
            + (" To date, everything due so far is earned in full."
               if document.get("as_of") is not None else "")
        )
        return notes
    for goal in document["goals"]:
        if not goal.get("gate"):
            continue
        if document.get("as_of") is not None:
            notes.append(_gate_to_date(goal))
        elif goal["status"] == "met":
            notes.append(f"Scheme gate {goal['code']} is met: the goals pay as measured.")
        else:
            notes.append(f"Scheme gate {goal['code']} is {goal['status']}: no goal pays.")
    return notes


def _gate_to_date(goal: dict[str, Any]) -> str:
    """A scheme gate as of a month: its status is the status to date."""
    code, status = goal["code"], goal["status"]
    if status == "met":
        return f"Scheme gate {code} is met so far: the goals pay as measured to date."
    if status == "not yet due":
        return (f"Scheme gate {code} is not yet due: it stops no payment to date; at the "
                "year end no goal pays unless it is met.")
    return f"Scheme gate {code} is {status} to date: no goal pays."


def attainment_percent(attainment: str) -> str:
    """`0.533333` → `53.3%`, `1.000000` → `100%`: attainment as people read it (one
    decimal place, half up, a whole number without its `.0`)."""
    text = decimal_places(Fraction(Decimal(attainment)) * 100, 1)
    return text.removesuffix(".0") + "%"


def measured_words(indicator: dict[str, Any]) -> str:
    """The value as written, or why there is none: `not reported`, or `not yet due` for a
    period that has not ended (never "not reported" mid-year)."""
    if indicator.get("measured"):
        return str(indicator["measured"])
    return "not yet due" if indicator["status"] == "not yet due" else "not reported"


def negotiation_text(goal: dict[str, Any]) -> str:
    """`green (agreed)`: a goal's negotiation status colour and its meaning ("" if none)."""
    colour = goal.get("negotiation_status")
    if not colour:
        return ""
    return f"{colour} ({STATUS_MEANINGS.get(colour, colour)})"


def part_percent(part: dict[str, str]) -> str:
    """A subtotal's earned % (`53.3%`): earned ÷ available of its `available` and `earned`,
    one decimal place, the same arithmetic as the document's `earned_percents`."""
    return earned_percent(Fraction(Decimal(part["earned"])),
                          Fraction(Decimal(part["available"]))) + "%"


def scope_of(goal: dict[str, Any]) -> str:
    """A goal's scope, or `gate` for a scheme gate (it has no money to be national or local)."""
    return "gate" if goal.get("gate") else str(goal["scope"])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def as_of_line(document: dict[str, Any]) -> str | None:
    """`As of M6 (September), from Q1.csv, Q2.csv`: the month and the data files a report
    is drawn from; None for a year-end report from one file."""
    files = document.get("data_files") or []
    as_of = document.get("as_of")
    if as_of is None and len(files) < 2:
        return None
    names = ("the year end" if as_of is None
             else f"{as_of} ({MONTH_NAMES[int(as_of[1:]) - 1]})")
    text = f"As of {names}"
    if files:
        text += f", from {', '.join(files)}"
    return text


def goal_to_date(goal: dict[str, Any]) -> str:
    """`; to date £22,500.00 of £30,000.00` beside a goal evaluated as of a month."""
    to_date = goal.get("to_date")
    if to_date is None:
        return ""
    return f"; to date {pounds(to_date['earned'])} of {pounds(to_date['available'])}"


def source_text(indicator: dict[str, Any]) -> str:
    """`Q2.csv:3`: the file and line an indicator's value came from ("" if none)."""
    source = indicator.get("source")
    return f"{source['file']}:{source['line']}" if source else ""


def shows_sources(document: dict[str, Any]) -> bool:
    """Sources are worth a column when the values came from several returns."""
    return len(document.get("data_files") or []) > 1


def render(document: dict[str, Any]) -> str:
    goals = document["goals"]
    code_width = max([4, *(len(goal["code"]) for goal in goals)])
    title_width = 44
    amounts = [goal["available"] for goal in goals] + [document["cquin_value"]]
    money_width = max([12, *(len(pounds(amount)) for amount in amounts)])
    lines = [document["scheme"]]
    subtitle = " · ".join(part for part in (document.get("provider"), document.get("year")) if part)
    if subtitle:
        lines.append(subtitle)
    as_of = as_of_line(document)
    if as_of:
        lines.append(as_of)
    lines.append("")
    header = (
        f"{'Goal':<{code_width}}  {'Title':<{title_width}}  {'Scope':<8}  "
        f"{'Available':>{money_width}}  {'Earned':>{money_width}}  Status"
    )
    lines += [header, "-" * len(header)]
    for goal in goals:
        lines.append(
            f"{goal['code']:<{code_width}}  {_clip(goal['title'], title_width):<{title_width}}  "
            f"{scope_of(goal):<8}  {pounds(goal['available']):>{money_width}}  "
            f"{pounds(goal['earned']):>{money_width}}  {goal['status']}{goal_to_date(goal)}"
        )
        for indicator in goal["indicators"]:
            name = indicator["name"]
            if indicator["period"] != "year":
                name += f" {indicator['period']}"
            value = indicator["measured"] if indicator["measured"] is not None else "—"
            found = source_text(indicator)
            source = f"  ({found})" if found and shows_sources(document) else ""
            lines.append(
                f"{'':<{code_width}}    {_clip(name, 24):<24} {value:>12}  "
                f"{indicator['status']:<14} "
                f"{indicator.get('rule_sentence') or indicator['rule']}{source}"
            )
    lines.append("-" * len(header))
    label_width = code_width + title_width + 12
    for label, part in (("National", document["national"]), ("Local", document["local"])):
        lines.append(
            f"{label:<{label_width}}  {pounds(part['available']):>{money_width}}  "
            f"{pounds(part['earned']):>{money_width}}  {part_percent(part)} earned"
        )
    lines.append(
        f"{'Total':<{label_width}}  {pounds(document['cquin_value']):>{money_width}}  "
        f"{pounds(document['earned']):>{money_width}}  {document['earned_percent']}% earned"
    )
    to_date = document.get("to_date")
    if to_date is not None:
        label = f"To date ({document['as_of']}), due so far"
        lines.append(
            f"{label:<{label_width}}  {pounds(to_date['available']):>{money_width}}  "
            f"{pounds(to_date['earned']):>{money_width}}  "
            f"{to_date_percent(to_date)} earned to date"
        )
    for part in document.get("by_commissioner", []):
        lines.append(
            f"{_clip(part['name'], label_width):<{label_width}}  "
            f"{pounds(part['available']):>{money_width}}  {pounds(part['earned']):>{money_width}}"
            f"  {part_percent(part)} earned"
        )
    notes = scheme_notes(document)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n" + risk_text(document)


def to_date_percent(to_date: dict[str, str]) -> str:
    """Earned to date ÷ available to date, one decimal place (`75.0%`), or `—` when
    nothing is due yet."""
    available = Fraction(Decimal(to_date["available"]))
    if not available:
        return "—"
    return earned_percent(Fraction(Decimal(to_date["earned"])), available) + "%"


def risk_text(document: dict[str, Any]) -> str:
    """The `at_risk` section as plain text, after the table (empty without one)."""
    section = document.get("at_risk")
    if not section:
        return ""
    lines = ["", f"At risk {section['when']}: {section['summary']}"]
    if section.get("forecast"):
        lines.append(f"Forecast: {section['forecast']}.")
    if not section["goals"]:
        lines.append("Nothing is at risk.")
    for goal in section["goals"]:
        lead = f"lead: {goal['lead']}" if goal["lead"] else "no lead named"
        lines += ["", f"{goal['goal']} {goal['title']} — {lead}",
                  *(f"  {line}" for line in goal["lines"])]
    return "\n".join(lines) + "\n"
