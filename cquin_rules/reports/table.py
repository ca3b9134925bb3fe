"""A plain-text table for a terminal: goals down, money across, totals that add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


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
        )
        return notes
    for goal in document["goals"]:
        if not goal.get("gate"):
            continue
        if goal["status"] == "met":
            notes.append(f"Scheme gate {goal['code']} is met: the goals pay as measured.")
        else:
            notes.append(f"Scheme gate {goal['code']} is {goal['status']}: no goal pays.")
    return notes


def scope_of(goal: dict[str, Any]) -> str:
    """A goal's scope, or `gate` for a scheme gate (it has no money to be national or local)."""
    return "gate" if goal.get("gate") else str(goal["scope"])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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
            f"{pounds(goal['earned']):>{money_width}}  {goal['status']}"
        )
        for indicator in goal["indicators"]:
            name = indicator["name"]
            if indicator["period"] != "year":
                name += f" {indicator['period']}"
            value = indicator["measured"] if indicator["measured"] is not None else "—"
            lines.append(
                f"{'':<{code_width}}    {_clip(name, 24):<24} {value:>12}  "
                f"{indicator['status']:<14} "
                f"{indicator.get('rule_sentence') or indicator['rule']}"
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
    for part in document.get("by_commissioner", []):
        lines.append(
            f"{_clip(part['name'], label_width):<{label_width}}  "
            f"{pounds(part['available']):>{money_width}}  {pounds(part['earned']):>{money_width}}"
        )
    notes = scheme_notes(document)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
