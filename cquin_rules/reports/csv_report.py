"""A CSV for finance spreadsheets: one row per goal and per indicator, money as plain decimals.

Columns, in order:

- `kind`: `goal`, `indicator`, `national`, `local`, `commissioner`, `total` or `note`
  (a scheme-wide rule that decided the money: `deemed achieved` with its reason, or what
  a scheme gate did; the sentence is in `title`).
- `goal`: the goal code (empty on the national, local and total rows).
- `indicator`: the indicator's path within its goal (`part.indicator`); indicator rows only.
- `period`: the period an indicator is measured for (`year`, `Q2`, …); indicator rows only.
- `title`: the goal's title on goal rows, the indicator's on indicator rows (when it has
  one); the commissioner's name on commissioner rows.
- `scope`: `national` or `local`, or `gate` for a scheme gate; goal rows only.
- `domains`: the goal's domains joined by `; `; goal rows only.
- `measured`: the measurement as written (`68%`, `140/200`, `achieved`); empty when not
  reported. Indicator rows only.
- `value`: the measurement as an exact decimal (`0.68`); indicator rows only.
- `attainment`: 0 to 1, six decimal places; goal and indicator rows.
- `available`, `earned`: money in pounds as plain decimals (`1700000.00`, no `£`, no
  commas) so a spreadsheet reads them as numbers; goal, national, local and total rows.
  Indicators carry no money of their own.
- `earned_percent`: earned ÷ available, one decimal place; the national, local,
  commissioner and total rows.
- `status`: met, partially met, not met, not reported, deemed met, not yet due.
- `rule`: the indicator's pay rule as written in the rulebook; indicator rows only.
- `source`: the file and line the measurement came from (`Q2.csv:3`; the later return
  when several gave it); indicator rows only.
- `to_date_available`, `to_date_earned`: under `--as-of`, the money of the periods due
  so far; goal and total rows only. The status is then the status to date (`not yet due`
  when none of the goal's periods is due).
- `lead`, `negotiation_status` (`purple`, `green`, `amber`, `red`, `blue`), `rationale`:
  from the goal's metadata; goal rows only, empty when the rulebook gives none.
- `note`: the note the return gave beside the value; `definition`, `data_source`: the
  indicator's `definition` and `source` in the rulebook (where the figure is published);
  indicator rows only.

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

from .table import part_percent, scheme_notes, source_text

COLUMNS = (
    "kind", "goal", "indicator", "period", "title", "scope", "domains", "measured", "value",
    "attainment", "available", "earned", "earned_percent", "status", "rule", "source",
    "to_date_available", "to_date_earned", "lead", "negotiation_status", "rationale", "note",
    "definition", "data_source",
)


def text_cell(text: str) -> str:
    """Free text a spreadsheet will not mistake for a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _to_date(part: dict[str, Any]) -> dict[str, str]:
    to_date = part.get("to_date")
    if to_date is None:
        return {}
    return {"to_date_available": to_date["available"], "to_date_earned": to_date["earned"]}


def _texts(part: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    """The free-text metadata `keys` the part has, safe from formula injection."""
    return {key: text_cell(str(part[key])) for key in keys if part.get(key)}


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
            **_to_date(goal),
            **_texts(goal, ("lead", "negotiation_status", "rationale")),
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
                "source": source_text(indicator),
                **_texts(indicator, ("title", "note", "definition", "data_source")),
            })
    for scope in ("national", "local"):
        writer.writerow({
            "kind": scope,
            "available": document[scope]["available"],
            "earned": document[scope]["earned"],
            "earned_percent": part_percent(document[scope]).removesuffix("%"),
        })
    for part in document.get("by_commissioner", []):
        writer.writerow({
            "kind": "commissioner",
            "title": text_cell(part["name"]),
            "available": part["available"],
            "earned": part["earned"],
            "earned_percent": part_percent(part).removesuffix("%"),
        })
    for note in scheme_notes(document):
        writer.writerow({"kind": "note", "title": text_cell(note)})
    writer.writerow({
        "kind": "total",
        "available": document["cquin_value"],
        "earned": document["earned"],
        "earned_percent": document["earned_percent"],
        **_to_date(document),
    })
    return stream.getvalue()
