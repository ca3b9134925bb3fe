"""A quality-account table in Markdown: goals down, money across, totals that add up.

Quality accounts and board papers are often drafted in Markdown (or pasted from it), so
the table uses GitHub-flavoured pipes with the money columns right-aligned. Every number
is the document's own string, so the table agrees with every other report. Below the tables,
one line per indicator says how it pays (its rule in words, from the document's rule rows),
then one line per goal (the goal's rule in words).
"""

from __future__ import annotations

from typing import Any

from .table import pounds, scheme_notes, scope_of

HEADINGS = ("Goal", "Title", "Domain(s)", "Scope", "Available", "Earned", "Status")
ALIGNMENT = ("---", "---", "---", "---", "---:", "---:", "---")


def cell(text: str) -> str:
    """Text safe inside a table cell: a `|` would end the cell, a backslash could eat it."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(document: dict[str, Any]) -> str:
    lines = [f"# {cell(document['scheme'])}", ""]
    subtitle = " · ".join(
        cell(part) for part in (document.get("provider"), document.get("year")) if part
    )
    if subtitle:
        lines += [subtitle, ""]
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
                cell(goal["status"].capitalize()),
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
    lines += [row((cell(part["name"]), pounds(part["available"]), pounds(part["earned"])))
              for part in document.get("by_commissioner", [])]
    notes = scheme_notes(document)
    if notes:
        lines += ["", *(cell(note) for note in notes)]
    lines += ["", f"{pounds(document['earned'])} earned of {pounds(document['cquin_value'])} "
              f"({document['earned_percent']}%)."]
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
