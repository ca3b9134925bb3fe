"""A CSV for finance spreadsheets: one row per goal and per indicator, money as plain decimals.

Columns, in order:

- `kind`: `goal`, `indicator`, `national`, `local`, `commissioner`, `total` or `note`
  (a scheme-wide rule that decided the money: `deemed achieved` with its reason, or what
  a scheme gate did; the sentence is in `title`).
- `goal`: the goal code (empty on the national, local and total rows).
- `indicator`: the indicator's path within its goal (`part.indicator`); indicator rows only.
- `period`: the period an indicator is measured for (`year`, `Q2`, …); indicator rows only.
- `title`: the goal's title on goal rows; the commissioner's name on commissioner rows.
- `scope`: `national` or `local`, or `gate` for a scheme gate; goal rows only.
- `domains`: the goal's domains joined by `; `; goal rows only.
- `measured`: the measurement as written (`68%`, `140/200`, `achieved`); empty when not
  reported. Indicator rows only.
- `value`: the measurement as an exact decimal (`0.68`); indicator rows only.
- `attainment`: 0 to 1, six decimal places; goal and indicator rows.
- `available`, `earned`: money in pounds as plain decimals (`1700000.00`, no `£`, no
  commas) so a spreadsheet reads them as numbers; goal, national, local and total rows.
  Indicators carry no money of their own.
- `earned_percent`: total earned ÷ available, one decimal place; the total row only.
- `status`: met, partially met, not met, not reported, deemed met.
- `rule`: the indicator's pay rule as written in the rulebook; indicator rows only.

The goal rows' `earned` add up to the total row's exactly (it is their sum); the national
and local rows split the same total, and so do the commissioner rows (one per header
commissioner, when goals name theirs), so sum only the `goal` rows. A title starting with
`=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet shows it rather than running it
as a formula. Lines end in `\n` (spreadsheets read it; a text-mode stdout on Windows would
double a `\r\n`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .table import scheme_notes

COLUMNS = (
    "kind", "goal", "indicator", "period", "title", "scope", "domains", "measured", "value",
    "attainment", "available", "earned", "earned_percent", "status", "rule",
)


def text_cell(text: str) -> str:
    """Free text a spreadsheet will not mistake for a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def render(document: dict[str, Any]) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for goal in document["goals"]:
        writer.writerow({
            "kind": "goal",
            "goal": goal["code"],
            "title": text_cell(goal["title"]),
            "scope": "gate" if goal.get("gate") else goal["scope"],
            "domains": "; ".join(goal["domains"]),
            "attainment": goal["attainment"],
            "available": goal["available"],
            "earned": goal["earned"],
            "status": goal["status"],
        })
        for indicator in goal["indicators"]:
            writer.writerow({
                "kind": "indicator",
                "goal": goal["code"],
                "indicator": indicator["name"],
                "period": indicator["period"],
                "measured": indicator.get("measured") or "",
                "value": indicator["value"] or "",
                "attainment": indicator["attainment"],
                "status": indicator["status"],
                "rule": indicator["rule"],
            })
    for scope in ("national", "local"):
        writer.writerow({
            "kind": scope,
            "available": document[scope]["available"],
            "earned": document[scope]["earned"],
        })
    for part in document.get("by_commissioner", []):
        writer.writerow({
            "kind": "commissioner",
            "title": text_cell(part["name"]),
            "available": part["available"],
            "earned": part["earned"],
        })
    for note in scheme_notes(document):
        writer.writerow({"kind": "note", "title": text_cell(note)})
    writer.writerow({
        "kind": "total",
        "available": document["cquin_value"],
        "earned": document["earned"],
        "earned_percent": document["earned_percent"],
    })
    return stream.getvalue()
