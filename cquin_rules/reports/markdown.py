"""A quality-account report in Markdown: goals down, money across, totals that add up.

Quality accounts and board papers are often drafted in Markdown (or pasted from it), so
the tables use GitHub-flavoured pipes with the money columns right-aligned. Every number
is the document's own string, so the report agrees with every other one. Below the tables:
each goal in detail (its lead, negotiation status and rationale; each indicator's title,
value with the return's note, attainment as a percent, definition and published source),
where each value came from, how each indicator pays (its rule in words) and how each goal
pays.

The layout is `templates/report.md` (Jinja2); every value it writes passes through the
Markdown cell escape (`templating.markdown_text`), so nothing can forget to escape.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .table import (
    as_of_line,
    attainment_percent,
    goal_to_date,
    measured_words,
    negotiation_text,
    part_percent,
    pounds,
    scheme_notes,
    scope_of,
    shows_sources,
    source_text,
    to_date_percent,
)
from .templating import markdown_environment, markdown_text

HEADINGS = ("Goal", "Title", "Domain(s)", "Scope", "Available", "Earned", "Status")
ALIGNMENT = ("---", "---", "---", "---", "---:", "---:", "---")


def cell(text: str) -> str:
    """Text safe inside a table cell (see `templating.markdown_text`)."""
    return str(markdown_text(text))


def row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _bold(text: str) -> Markup:
    """`**£1,700,000.00**`: money in bold (pounds hold nothing to escape)."""
    return Markup(f"**{markdown_text(text)}**")


def _split(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the national, local, total, to-date and commissioner table."""
    rows: list[dict[str, Any]] = [
        {"label": label, "available": pounds(document[key]["available"]),
         "earned": pounds(document[key]["earned"]), "percent": part_percent(document[key])}
        for label, key in (("National", "national"), ("Local", "local"))
    ]
    rows.append({"label": Markup("**Total**"), "available": _bold(pounds(document["cquin_value"])),
                 "earned": _bold(pounds(document["earned"])),
                 "percent": f"{document['earned_percent']}%"})
    to_date = document.get("to_date")
    if to_date is not None:
        rows.append({"label": f"To date ({document['as_of']})",
                     "available": pounds(to_date["available"]),
                     "earned": pounds(to_date["earned"]), "percent": to_date_percent(to_date)})
    rows += [{"label": part["name"], "available": pounds(part["available"]),
              "earned": pounds(part["earned"]), "percent": part_percent(part)}
             for part in document.get("by_commissioner", [])]
    return rows


def _facts(goal: dict[str, Any]) -> str:
    kind = "Scheme gate (no money)" if scope_of(goal) == "gate" else (
        f"{goal['scope'].capitalize()} goal")
    if goal.get("commissioner"):
        kind += f", commissioned by {goal['commissioner']}"
    return (f"{kind} · {', '.join(goal['domains'])} · {pounds(goal['earned'])} earned of "
            f"{pounds(goal['available'])} (attainment {attainment_percent(goal['attainment'])}) "
            f"· {goal['status']}{goal_to_date(goal)}.")


def _people(goal: dict[str, Any]) -> str:
    parts = []
    if goal.get("lead"):
        parts.append(f"Lead: {goal['lead']}")
    if goal.get("negotiation_status"):
        parts.append(f"Negotiation status: {negotiation_text(goal)}")
    return " · ".join(parts) + ("." if parts else "")


def _indicator_text(indicator: dict[str, Any]) -> str:
    """The rest of an indicator's line after its name: title, period, value (with the
    return's note), attainment and status, definition, published source."""
    text = f" {indicator['title']}" if indicator.get("title") else ""
    if indicator["period"] != "year":
        text += f", {indicator['period']}"
    text += f": {measured_words(indicator)}"
    if indicator.get("note"):
        text += f" (note: {indicator['note']})"
    text += f"; attainment {attainment_percent(indicator['attainment'])}, {indicator['status']}."
    if indicator.get("definition"):
        text += f" Definition: {indicator['definition']}"
    if indicator.get("data_source"):
        text += f" Source: {indicator['data_source']}"
    return text


def _goal(goal: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": goal["code"],
        "title": goal["title"],
        "domains": ", ".join(goal["domains"]),
        "scope": scope_of(goal),
        "available": pounds(goal["available"]),
        "earned": pounds(goal["earned"]),
        "status": goal["status"].capitalize() + goal_to_date(goal),
        "facts": _facts(goal),
        "people": _people(goal),
        "rationale": goal.get("rationale") or "",
        "indicators": [{"name": indicator["name"], "text": _indicator_text(indicator)}
                       for indicator in goal["indicators"]],
    }


def context(document: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, worked out from the document."""
    to_date = document.get("to_date")
    goals = document["goals"]
    return {
        "scheme": document["scheme"],
        "subtitle": " · ".join(
            part for part in (document.get("provider"), document.get("year")) if part),
        "as_of": as_of_line(document) or "",
        "header_rows": Markup(row(HEADINGS) + "\n" + row(ALIGNMENT)),
        "goals": [_goal(goal) for goal in goals],
        "total": {"available": pounds(document["cquin_value"]),
                  "earned": pounds(document["earned"]),
                  "percent": document["earned_percent"]},
        "split": _split(document),
        "notes": scheme_notes(document),
        "to_date": None if to_date is None else {
            "month": document["as_of"], "earned": pounds(to_date["earned"]),
            "available": pounds(to_date["available"]), "percent": to_date_percent(to_date)},
        "sources": [
            {"code": goal["code"], "name": indicator["name"], "period": indicator["period"],
             "measured": indicator["measured"], "source": source_text(indicator)}
            for goal in goals for indicator in goal["indicators"]
            if indicator.get("source")
        ] if shows_sources(document) else [],
        "indicator_rules": [
            {"code": goal["code"], "name": indicator["name"], "period": indicator["period"],
             "words": indicator["rule_sentence"]}
            for goal in goals for indicator in goal["indicators"]
            if indicator.get("rule_sentence")
        ],
        "goal_rules": [{"code": goal["code"], "rule": goal["rule"]}
                       for goal in goals if goal.get("rule")],
        "at_risk": document.get("at_risk"),
    }


def render(document: dict[str, Any]) -> str:
    return markdown_environment().get_template("report.md").render(context(document))
