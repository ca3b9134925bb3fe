"""A quality-account table in Markdown: goals down, money across, totals that add up.

Quality accounts and board papers are often drafted in Markdown (or pasted from it), so
the table uses GitHub-flavoured pipes with the money columns right-aligned. Every number
is the document's own string, so the table agrees with every other report. Below the tables,
one line per indicator says how it pays (its rule in words, from the document's rule rows),
then one line per goal (the goal's rule in words).
"""

from __future__ import annotations

import html
from typing import Any

from .table import (
    as_of_line,
    goal_to_date,
    pounds,
    scheme_notes,
    scope_of,
    shows_sources,
    source_text,
    to_date_percent,
)

HEADINGS = ("Goal", "Title", "Domain(s)", "Scope", "Available", "Earned", "Status")
ALIGNMENT = ("---", "---", "---", "---", "---:", "---:", "---")


def cell(text: str) -> str:
    """Text safe inside a table cell: a `|` would end the cell, a backslash could eat it,
    and `<`, `>` and `&` would pass HTML through to a renderer (GitHub, MkDocs), so they
    are written as entities and show as themselves."""
    escaped = html.escape(text, quote=False)
    return escaped.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(document: dict[str, Any]) -> str:
    lines = [f"# {cell(document['scheme'])}", ""]
    subtitle = " · ".join(
        cell(part) for part in (document.get("provider"), document.get("year")) if part
    )
    if subtitle:
        lines += [subtitle, ""]
    as_of = as_of_line(document)
    if as_of:
        lines += [cell(as_of) + ".", ""]
    lines += [row(HEADINGS), row(ALIGNMENT)]
    for goal in document["goals"]:
        lines.append(
            row([
                cell(goal["code"]),
                cell(goal["title"]),
                cell(", ".join(goal["domains"])),
                cell(scope_of(goal)),
                pounds(goal["available"]),
                pounds(goal["earned"]),
                cell(goal["status"].capitalize() + goal_to_date(goal)),
            ])
        )
    lines.append(
        row([
            "**Total**", "", "", "",
            f"**{pounds(document['cquin_value'])}**",
            f"**{pounds(document['earned'])}**",
            f"{document['earned_percent']}% earned",
        ])
    )
    lines += ["", row(("", "Available", "Earned")), row(("---", "---:", "---:"))]
    for label, key in (("National", "national"), ("Local", "local")):
        part = document[key]
        lines.append(row((label, pounds(part["available"]), pounds(part["earned"]))))
    lines.append(
        row(("**Total**", f"**{pounds(document['cquin_value'])}**",
             f"**{pounds(document['earned'])}**"))
    )
    to_date = document.get("to_date")
    if to_date is not None:
        lines.append(row((f"To date ({document['as_of']})", pounds(to_date["available"]),
                          pounds(to_date["earned"]))))
    lines += [row((cell(part["name"]), pounds(part["available"]), pounds(part["earned"])))
              for part in document.get("by_commissioner", [])]
    notes = scheme_notes(document)
    if notes:
        lines += ["", *(cell(note) for note in notes)]
    lines += ["", f"{pounds(document['earned'])} earned of {pounds(document['cquin_value'])} "
              f"({document['earned_percent']}%)."]
    if to_date is not None:
        lines += ["", f"To date ({document['as_of']}): {pounds(to_date['earned'])} earned of "
                  f"{pounds(to_date['available'])} due so far ({to_date_percent(to_date)}); "
                  "periods not yet due are neither paid nor failed."]
    if shows_sources(document):
        lines += ["", "## Where each value came from", ""]
        lines += [
            f"- **{cell(goal['code'])}.{cell(indicator['name'])}**"
            f"{' ' + cell(indicator['period']) if indicator['period'] != 'year' else ''}: "
            f"{cell(indicator['measured'])} ({cell(source_text(indicator))})"
            for goal in document["goals"] for indicator in goal["indicators"]
            if indicator.get("source")
        ]
    indicators = [
        (goal["code"], indicator) for goal in document["goals"]
        for indicator in goal["indicators"] if indicator.get("rule_sentence")
    ]
    if indicators:
        lines += ["", "## How each indicator pays", ""]
        lines += [
            f"- **{cell(code)}.{cell(indicator['name'])}**"
            f"{'' if indicator['period'] == 'year' else ' ' + cell(indicator['period'])}: "
            f"{cell(indicator['rule_sentence'])}"
            for code, indicator in indicators
        ]
    rules = [(goal["code"], goal["rule"]) for goal in document["goals"] if goal.get("rule")]
    if rules:
        lines += ["", "## How each goal pays", ""]
        lines += [f"- **{cell(code)}**: {cell(rule)}" for code, rule in rules]
    return "\n".join(lines) + "\n"
