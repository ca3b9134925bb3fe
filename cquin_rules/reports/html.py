"""One self-contained HTML page for a board paper or quality account.

The page holds the scheme's header, the totals with the national, local and commissioner
split, a bar chart of available against earned money per goal (inline SVG, labelled with
titles and codes), a quarterly status grid in the style Trusts publish (goals down, Q1–Q4
across), each goal with its lead, negotiation status and rationale, its rule in words
above its indicators (title, definition, published source, the value with the return's
note, attainment as a percent), and each indicator's trajectory across the returns.
Everything is inline: no scripts, no fonts, no network, so the file can be mailed,
archived and opened years later. Status cells carry the word and a border style besides
colour, so the page survives printing in black and white.

The markup is `templates/report.html` (Jinja2, autoescaping on): this module only works
out what the page shows (words, money, chart coordinates), so every string from the
rulebook or the document is escaped by the template, never by hand.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from markupsafe import Markup

from ..semantics.money import decimal_places, percent_text
from .table import (
    as_of_line,
    attainment_percent,
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
from .templating import html_environment, html_text

QUARTERS = ("Q1", "Q2", "Q3", "Q4")

STATUS_WORDS = {
    "met": "Met",
    "partially met": "Partially Met",
    "not met": "Not Met",
    "not reported": "Not Reported",
    "not yet due": "Not Yet Due",
    "deemed met": "Deemed Met",
    "n/a": "N/A",
}

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may load or run: the page is complete as written (belt and braces to escaping)."""


def e(text: object) -> str:
    """Escape anything for HTML text or a quoted attribute (as the template does)."""
    return str(html_text(text))


def status_of(status: str) -> dict[str, str]:
    """A status as the page shows it: its word and its CSS class."""
    return {"word": STATUS_WORDS.get(status, status.title()),
            "css": "status-" + status.replace(" ", "-").replace("/", "")}


def rule_words(indicator: dict[str, Any]) -> str:
    """The indicator's rule in words, as the document gives it (a document written before
    rules carried their words shows the rule as written)."""
    return str(indicator.get("rule_sentence") or indicator["rule"])


def quarter_of(period: str) -> str | None:
    """The quarter a period ends in (financial year: M1 is April): M5 → Q2, H1 → Q2, year → Q4."""
    if period in QUARTERS:
        return period
    if period in ("H2", "year"):
        return "Q4"
    if period == "H1":
        return "Q2"
    month = period.removeprefix("M")
    if period.startswith("M") and month.isdigit() and 1 <= int(month) <= 12:
        return QUARTERS[(int(month) - 1) // 3]
    return None


def quarterly_cells(goal: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """For each quarter, the (period, status) pairs shown in its cell; empty means N/A.

    A goal without period blocks is assessed on the year: its status goes in Q4.
    """
    cells: dict[str, list[tuple[str, str]]] = {quarter: [] for quarter in QUARTERS}
    periods = goal.get("periods") or {"year": goal["status"]}
    for period, status in periods.items():
        quarter = quarter_of(period)
        if quarter is not None:
            cells[quarter].append((period, status))
    return cells


# ---- what each part of the page shows ----------------------------------------------------


def _totals(document: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"label": label, "css": "", "available": pounds(document[key]["available"]),
         "earned": pounds(document[key]["earned"]), "percent": part_percent(document[key])}
        for label, key in (("National", "national"), ("Local", "local"))
    ]
    rows.append({"label": "Total", "css": "total", "available": pounds(document["cquin_value"]),
                 "earned": pounds(document["earned"]),
                 "percent": f"{document['earned_percent']}%"})
    to_date = document.get("to_date")
    cards = [("CQUIN value", "cquin-value", pounds(document["cquin_value"])),
             ("Earned", "earned", pounds(document["earned"])),
             ("Share earned", "earned-percent", f"{document['earned_percent']}%")]
    if to_date is not None:
        rows.append({"label": f"To date ({document['as_of']}), due so far", "css": "to-date",
                     "available": pounds(to_date["available"]),
                     "earned": pounds(to_date["earned"]), "percent": to_date_percent(to_date)})
        cards.append((f"Earned to date ({document['as_of']})", "earned-to-date",
                      f"{pounds(to_date['earned'])} of {pounds(to_date['available'])}"))
    commissioners = [
        {"label": part["name"], "css": "commissioner", "available": pounds(part["available"]),
         "earned": pounds(part["earned"]), "percent": part_percent(part)}
        for part in document.get("by_commissioner", [])
    ]
    return {"rows": rows, "commissioners": commissioners, "notes": scheme_notes(document),
            "cards": [{"label": label, "id": ident, "amount": amount}
                      for label, ident, amount in cards]}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _chart(document: dict[str, Any]) -> dict[str, Any]:
    """Two bars per goal, available above earned, under a label with the goal's title and
    its code beside it; lengths to the hundredth of a unit, the largest goal full width."""
    goals = document["goals"]
    left, bar_width, text_width, row_height, top = 8, 460, 240, 62, 34
    largest = max((Fraction(Decimal(goal["available"])) for goal in goals), default=Fraction(0))
    scale = Fraction(bar_width) / largest if largest else Fraction(0)
    rows = []
    for index, goal in enumerate(goals):
        y = top + index * row_height
        rows.append({
            "code": goal["code"],
            "title": _clip(goal["title"], 70),
            "summary": (f"{goal['code']} {goal['title']}: available "
                        f"{pounds(goal['available'])}, earned {pounds(goal['earned'])}"),
            "label_y": y + 13,
            "available_y": y + 20,
            "earned_y": y + 38,
            "available_width": decimal_places(Fraction(Decimal(goal["available"])) * scale, 2),
            "earned_width": decimal_places(Fraction(Decimal(goal["earned"])) * scale, 2),
            "available": pounds(goal["available"]),
            "earned": pounds(goal["earned"]),
            "money_x": left + bar_width + 8,
        })
    return {"width": left + bar_width + text_width, "height": top + row_height * len(goals) + 8,
            "left": left, "rows": rows}


def _grid(document: dict[str, Any]) -> dict[str, Any]:
    rows = []
    year_goals = other_periods = False
    for goal in document["goals"]:
        cells = quarterly_cells(goal)
        year_goals = year_goals or not goal.get("periods")
        row_cells: list[dict[str, Any]] = []
        for quarter in QUARTERS:
            entries = cells[quarter]
            if not entries:
                row_cells.append({"single": status_of("n/a")})
            elif len(entries) == 1 and entries[0][0] in (quarter, "year"):
                row_cells.append({"single": status_of(entries[0][1])})
            else:
                other_periods = True
                row_cells.append({"periods": [{"period": period, **status_of(status)}
                                              for period, status in entries]})
        rows.append({"code": goal["code"], "title": goal["title"],
                     "year_goal": not goal.get("periods"), "cells": row_cells})
    return {"quarters": QUARTERS, "rows": rows, "year_goals": year_goals,
            "other_periods": other_periods}


def _indicator(indicator: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": indicator["name"],
        "title": indicator.get("title") or "",
        "period": indicator["period"],
        "rule_words": rule_words(indicator),
        "rule": indicator["rule"],
        "measured": measured_words(indicator),
        "note": indicator.get("note") or "",
        "attainment": attainment_percent(indicator["attainment"]),
        "status": status_of(indicator["status"]),
        "source": source_text(indicator),
        "definition": indicator.get("definition") or "",
        "data_source": indicator.get("data_source") or "",
    }


def _goal(goal: dict[str, Any]) -> dict[str, Any]:
    periods = goal.get("periods") or {}
    to_date = goal.get("to_date")
    count = len(goal["indicators"])
    return {
        "code": goal["code"],
        "title": goal["title"],
        "kind": _kind(goal),
        "domains": ", ".join(goal["domains"]),
        "available": pounds(goal["available"]),
        "earned": pounds(goal["earned"]),
        "attainment": attainment_percent(goal["attainment"]),
        "to_date": None if to_date is None else {"earned": pounds(to_date["earned"]),
                                                 "available": pounds(to_date["available"])},
        "status": status_of(goal["status"]),
        "rule": goal.get("rule") or "",
        "lead": goal.get("lead") or "",
        "rationale": goal.get("rationale") or "",
        "negotiation": goal.get("negotiation_status") or "",
        "negotiation_text": negotiation_text(goal),
        "periods": [{"period": period, "word": STATUS_WORDS.get(status, status)}
                    for period, status in periods.items()],
        "paid_on": f"Paid on {count} indicator{'s' * (count != 1)}:",
        "indicators": [_indicator(indicator) for indicator in goal["indicators"]],
    }


def _kind(goal: dict[str, Any]) -> str:
    """`Local goal`, `National goal`, or `Scheme gate (no money)`; with its commissioner."""
    kind = "Scheme gate (no money)" if scope_of(goal) == "gate" else (
        f"{goal['scope'].capitalize()} goal")
    return f"{kind}, commissioned by {goal['commissioner']}" if goal.get("commissioner") else kind


def _scaled(value: Fraction, low: Fraction, high: Fraction, top: int, height: int) -> str:
    """The y coordinate of `value` on a chart from `low` (bottom) to `high` (top)."""
    return decimal_places(top + (high - value) / (high - low) * height, 1)


def _level_text(value: Fraction, measure: str) -> str:
    return percent_text(value) if measure == "percent" else decimal_places(value, 2).rstrip(
        "0").rstrip(".")


def trajectory(data: dict[str, Any], ident: str, title: str = "") -> dict[str, Any]:
    """One indicator's values across the returns (a line through the points, in order)
    against the thresholds of its rule (dashed lines), as coordinates for a small SVG."""
    measure = data["measure"]
    points = data["points"]
    values = [Fraction(Decimal(p["value"])) for p in points]
    limits = [Fraction(Decimal(t)) for t in data["thresholds"]]
    low, high = min([*values, *limits]), max([*values, *limits])
    if low == high:
        low, high = low - 1, high + 1
    margin = (high - low) / 10
    low, high = low - margin, high + margin
    if measure == "percent":
        low, high = max(low, Fraction(0)), min(high, Fraction(1))
    left, top, plot_width, plot_height = 70, 10, 420, 120
    step = Fraction(plot_width, max(len(points) - 1, 1))
    xs = [decimal_places(left + (step * i if len(points) > 1 else Fraction(plot_width, 2)), 1)
          for i in range(len(points))]
    ys = [_scaled(v, low, high, top, plot_height) for v in values]
    code = f"{data['goal']}.{data['indicator']}"
    return {
        "id": ident,
        "code": code,
        "title": title,
        "label": f"{title} ({code}) across the returns" if title else f"{code} across the returns",
        "width": left + plot_width + 80,
        "height": top + plot_height + 40,
        "left": left,
        "right": left + plot_width,
        "bottom": top + plot_height,
        "thresholds": [{"y": _scaled(limit, low, high, top, plot_height),
                        "text": _level_text(limit, measure)} for limit in limits],
        "line": " ".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True)),
        "points": [
            {"x": x, "y": y, "label_y": decimal_places(Fraction(Decimal(y)) - 8, 1),
             "measured": point["measured"],
             "where": (PurePath(point["file"]).name
                       + ("" if point["period"] == "year" else f" ({point['period']})"))}
            for point, x, y in zip(points, xs, ys, strict=True)
        ],
        "axis_label_y": top + plot_height + 16,
    }


def _titles(document: dict[str, Any]) -> dict[str, str]:
    """`GOAL.indicator` → the indicator's title, for labelling its trajectory."""
    return {f"{goal['code']}.{indicator['name']}": indicator["title"]
            for goal in document["goals"] for indicator in goal["indicators"]
            if indicator.get("title")}


def context(document: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, worked out from the document."""
    titles = _titles(document)
    return {
        "policy": Markup(POLICY),  # a constant of this module, written as it is
        "scheme": document["scheme"],
        "parties": [part for part in (document.get("provider"), document.get("year")) if part],
        "commissioners": document.get("commissioners") or [],
        "as_of": as_of_line(document) or "",
        "totals": _totals(document),
        "chart": _chart(document),
        "grid": _grid(document),
        "goals": [_goal(goal) for goal in document["goals"]],
        "sources": shows_sources(document),
        "at_risk": document.get("at_risk"),
        "trajectories": [
            trajectory(t, f"trajectory-{index}", titles.get(f"{t['goal']}.{t['indicator']}", ""))
            for index, t in enumerate(document.get("trajectories") or [], start=1)
        ],
        "diagnostics": [
            {"code": d.get("code", ""), "message": d.get("message", ""), "line": d.get("line")}
            for d in document.get("diagnostics") or []
        ],
    }


def render(document: dict[str, Any]) -> str:
    """The whole page as one string (UTF-8 declared; nothing loaded from elsewhere)."""
    return html_environment().get_template("report.html").render(context(document))

