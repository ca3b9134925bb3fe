"""A plain-text table for a terminal: goals down, money across, totals that add up."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..semantics.as_of import MONTH_NAMES
from ..semantics.money import earned_percent


def pounds(text: str) -> str:
    """`3000000.00` → `£3,000,000.00`."""
    amount = Decimal(text)
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.2f}"


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
            f"{goal['scope']:<8}  {pounds(goal['available']):>{money_width}}  "
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
                f"{indicator['status']:<14} {indicator['rule']}{source}"
            )
    lines.append("-" * len(header))
    label_width = code_width + title_width + 12
    for label, part in (("National", document["national"]), ("Local", document["local"])):
        lines.append(
            f"{label:<{label_width}}  {pounds(part['available']):>{money_width}}  "
            f"{pounds(part['earned']):>{money_width}}"
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
    return "\n".join(lines) + "\n"


def to_date_percent(to_date: dict[str, str]) -> str:
    """Earned to date ÷ available to date, one decimal place (`75.0%`), or `—` when
    nothing is due yet."""
    available = Fraction(Decimal(to_date["available"]))
    if not available:
        return "—"
    return earned_percent(Fraction(Decimal(to_date["earned"])), available) + "%"
