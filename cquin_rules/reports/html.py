"""One self-contained HTML page for a board paper or quality account.

The page holds the scheme's header, the totals with the national and local split, a bar
chart of available against earned money per goal (inline SVG), a quarterly status grid
in the style Trusts publish (goals down, Q1–Q4 across), and each goal's rule in words (how
its indicators combine) above its indicators' rules. Everything is inline: no scripts, no
fonts, no network, so the file can be mailed, archived and opened years later. Status cells
carry the word and a border style besides colour, so the page survives printing in black
and white.

Every string from the rulebook or the document passes through `html.escape` (`e()`), so
a title such as `<script>…</script>` is shown as text, never run.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from html import escape
from pathlib import PurePath
from typing import Any

from ..semantics.money import decimal_places, earned_percent, percent_text
from .table import (
    as_of_line,
    pounds,
    scheme_notes,
    scope_of,
    shows_sources,
    source_text,
    to_date_percent,
)

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


def e(text: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape(str(text), quote=True)


# ---- pieces of the page --------------------------------------------------------------


def head(*names: str) -> str:
    """A table's heading row."""
    cells = "".join(f'<th scope="col">{e(name)}</th>' for name in names)
    return f"<thead><tr>{cells}</tr></thead>"


def card(label: str, ident: str, amount: str) -> str:
    return (
        f'<div class="card"><span class="label">{e(label)}</span>'
        f'<span class="amount" id="{e(ident)}">{e(amount)}</span></div>'
    )


def status_cell(status: str, label: str | None = None, tag: str = "td") -> str:
    word = STATUS_WORDS.get(status, status.title())
    css = "status-" + status.replace(" ", "-").replace("/", "")
    text = e(word) if label is None else f"{e(label)}: {e(word)}"
    return f'<{tag} class="status {e(css)}">{text}</{tag}>'


def _percent_of(earned: str, available: str) -> str:
    return earned_percent(Fraction(Decimal(earned)), Fraction(Decimal(available))) + "%"


def _header(document: dict[str, Any]) -> str:
    parties = [part for part in (document.get("provider"), document.get("year")) if part]
    line = f'<p class="parties">{" · ".join(e(part) for part in parties)}</p>' if parties else ""
    commissioners = document.get("commissioners") or []
    if commissioners:
        line += (
            f'\n<p class="parties commissioners">Commissioned by '
            f'{" · ".join(e(name) for name in commissioners)}</p>'
        )
    as_of = as_of_line(document)
    if as_of:
        line += f'\n<p class="parties as-of" id="as-of">{e(as_of)}</p>'
    return (
        f'<header>\n<p class="kicker">CQUIN results</p>\n<h1>{e(document["scheme"])}</h1>\n'
        f"{line}\n</header>"
    )


def _totals(document: dict[str, Any]) -> str:
    rows = []
    for label, key in (("National", "national"), ("Local", "local")):
        part = document[key]
        rows.append(
            f"<tr><th scope=\"row\">{label}</th><td>{e(pounds(part['available']))}</td>"
            f"<td>{e(pounds(part['earned']))}</td>"
            f"<td>{e(_percent_of(part['earned'], part['available']))}</td></tr>"
        )
    rows.append(
        f'<tr class="total"><th scope="row">Total</th><td>{e(pounds(document["cquin_value"]))}</td>'
        f'<td>{e(pounds(document["earned"]))}</td><td>{e(document["earned_percent"])}%</td></tr>'
    )
    to_date = document.get("to_date")
    if to_date is not None:
        rows.append(
            f'<tr class="to-date"><th scope="row">To date ({e(document["as_of"])}), due so far'
            f'</th><td>{e(pounds(to_date["available"]))}</td>'
            f'<td>{e(pounds(to_date["earned"]))}</td><td>{e(to_date_percent(to_date))}</td></tr>'
        )
    rows += [
        f'<tr class="commissioner"><th scope="row">{e(part["name"])}</th>'
        f"<td>{e(pounds(part['available']))}</td><td>{e(pounds(part['earned']))}</td>"
        f"<td>{e(_percent_of(part['earned'], part['available']))}</td></tr>"
        for part in document.get("by_commissioner", [])
    ]
    body = "\n".join(rows)
    notes = "".join(f'\n<p class="note scheme-rule">{e(note)}</p>'
                    for note in scheme_notes(document))
    cards = "\n".join((
        card("CQUIN value", "cquin-value", pounds(document["cquin_value"])),
        card("Earned", "earned", pounds(document["earned"])),
        card("Share earned", "earned-percent", f"{document['earned_percent']}%"),
        *(() if to_date is None else (
            card(f"Earned to date ({document['as_of']})", "earned-to-date",
                 f"{pounds(to_date['earned'])} of {pounds(to_date['available'])}"),
        )),
    ))
    return f"""<section id="totals">
<h2>Totals</h2>
<div class="cards">
{cards}
</div>
<table class="split">
{head("", "Available", "Earned", "Earned %")}
<tbody>
{body}
</tbody>
</table>{notes}
</section>"""


def _length(amount: Fraction) -> str:
    return decimal_places(amount, 2)


def _chart(document: dict[str, Any]) -> str:
    goals = document["goals"]
    label_width = max(60, 12 + 9 * max((len(goal["code"]) for goal in goals), default=0))
    bar_width = 460
    text_width = 240
    width = label_width + bar_width + text_width
    row_height = 44
    top = 34
    height = top + row_height * len(goals) + 8
    largest = max((Fraction(Decimal(goal["available"])) for goal in goals), default=Fraction(0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        '<title id="chart-title">Available against earned money per goal</title>',
        "<defs>",
        '<pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#1d4f91"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern>',
        "</defs>",
        f'<rect x="{label_width}" y="6" width="14" height="12" class="bar-available"/>',
        f'<text x="{label_width + 20}" y="16">Available</text>',
        f'<rect x="{label_width + 120}" y="6" width="14" height="12" class="bar-earned"/>',
        f'<text x="{label_width + 140}" y="16">Earned</text>',
    ]
    for index, goal in enumerate(goals):
        available = Fraction(Decimal(goal["available"]))
        earned = Fraction(Decimal(goal["earned"]))
        scale = Fraction(bar_width) / largest if largest else Fraction(0)
        y = top + index * row_height
        summary = (
            f"{goal['code']}: available {pounds(goal['available'])}, "
            f"earned {pounds(goal['earned'])}"
        )
        parts += [
            f'<g class="goal-bars"><title>{e(summary)}</title>',
            f'<text x="{label_width - 8}" y="{y + 22}" text-anchor="end" class="code">'
            f"{e(goal['code'])}</text>",
            f'<rect x="{label_width}" y="{y + 2}" width="{_length(available * scale)}" '
            f'height="16" class="bar-available"/>',
            f'<rect x="{label_width}" y="{y + 20}" width="{_length(earned * scale)}" '
            f'height="16" class="bar-earned"/>',
            f'<text x="{label_width + bar_width + 8}" y="{y + 15}">'
            f"{e(pounds(goal['available']))} available</text>",
            f'<text x="{label_width + bar_width + 8}" y="{y + 33}">'
            f"{e(pounds(goal['earned']))} earned</text>",
            "</g>",
        ]
    parts.append("</svg>")
    body = "\n".join(parts)
    return f"""<section id="chart">
<h2>Available and earned money by goal</h2>
{body}
</section>"""


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


def _grid(document: dict[str, Any]) -> str:
    rows = []
    year_goals = False
    other_periods = False
    for goal in document["goals"]:
        cells = quarterly_cells(goal)
        marker = ""
        if not goal.get("periods"):
            year_goals = True
            marker = '<sup><a href="#year-end-note">*</a></sup>'
        row = [
            f'<th scope="row"><span class="code">{e(goal["code"])}</span> '
            f'{e(goal["title"])}{marker}</th>'
        ]
        for quarter in QUARTERS:
            entries = cells[quarter]
            if not entries:
                row.append(status_cell("n/a"))
            elif len(entries) == 1 and entries[0][0] in (quarter, "year"):
                row.append(status_cell(entries[0][1]))
            else:
                other_periods = True
                row.append(
                    '<td class="periods">'
                    + "".join(status_cell(status, period, "div") for period, status in entries)
                    + "</td>"
                )
        rows.append("<tr>" + "".join(row) + "</tr>")
    notes = []
    if year_goals:
        notes.append(
            '<p class="note" id="year-end-note">* Assessed on the whole year: the goal\'s '
            "year-end status is shown in Q4, and N/A in the other quarters.</p>"
        )
    if other_periods:
        notes.append(
            '<p class="note">Months and half-years are shown in the quarter they end in '
            "(the financial year starts in April: M1 is April).</p>"
        )
    body = "\n".join(rows)
    note_text = "\n".join(notes)
    return f"""<section id="quarters">
<h2>Quarterly status</h2>
<table class="grid">
{head("Goal", *QUARTERS)}
<tbody>
{body}
</tbody>
</table>
{note_text}
<p class="key">Key: <span class="status status-met">Met</span> solid border ·
<span class="status status-partially-met">Partially Met</span> dashed, striped ·
<span class="status status-not-met">Not Met</span> double border ·
<span class="status status-not-reported">Not Reported</span> dotted, italic ·
<span class="status status-not-yet-due">Not Yet Due</span> thin border, neither paid nor
failed ·
<span class="status status-na">N/A</span> no period assessed.</p>
</section>"""


def _goal(goal: dict[str, Any], sources: bool = False) -> str:
    periods = goal.get("periods") or {}
    if periods:
        assessed = "Assessed in " + ", ".join(
            f"{e(period)} ({e(STATUS_WORDS.get(status, status))})"
            for period, status in periods.items()
        ) + "."
    else:
        assessed = "Assessed on the whole year."
    count = len(goal["indicators"])
    rows = []
    for indicator in goal["indicators"]:
        measured = indicator.get("measured") or "not reported"
        rows.append(
            f'<tr><th scope="row">{e(indicator["name"])}</th><td>{e(indicator["period"])}</td>'
            f'<td>{e(rule_words(indicator))}<br><code>{e(indicator["rule"])}</code></td>'
            f"<td>{e(measured)}</td><td>{e(indicator['attainment'])}</td>"
            f"{status_cell(indicator['status'])}"
            + (f'<td class="source">{e(source_text(indicator))}</td>' if sources else "")
            + "</tr>"
        )
    body = "\n".join(rows)
    domains = ", ".join(goal["domains"])
    how = (
        f'<p class="goal-rule"><strong>How it pays:</strong> {e(goal["rule"])}</p>\n'
        if goal.get("rule") else ""
    )
    return f"""<article class="goal" id="goal-{e(goal["code"])}">
<h3><span class="code">{e(goal["code"])}</span> {e(goal["title"])}</h3>
<p class="facts">{e(_kind(goal))} · {e(domains)} ·
available {e(pounds(goal["available"]))} · earned {e(pounds(goal["earned"]))}
(attainment {e(goal["attainment"])}){_goal_to_date(goal)} ·
{status_cell(goal["status"], tag="span")}</p>
{how}<p class="rule">{assessed} Paid on {count} indicator{"s" * (count != 1)}:</p>
<table class="indicators">
{head("Indicator", "Period", "Rule", "Measured", "Attainment", "Status",
       *(("Source",) if sources else ()))}
<tbody>
{body}
</tbody>
</table>
</article>"""


def _kind(goal: dict[str, Any]) -> str:
    """`Local goal`, `National goal`, or `Scheme gate (no money)`; with its commissioner."""
    kind = "Scheme gate (no money)" if scope_of(goal) == "gate" else (
        f"{goal['scope'].capitalize()} goal")
    return f"{kind}, commissioned by {goal['commissioner']}" if goal.get("commissioner") else kind


def _goal_to_date(goal: dict[str, Any]) -> str:
    to_date = goal.get("to_date")
    if to_date is None:
        return ""
    return (f" · to date {e(pounds(to_date['earned']))} of "
            f"{e(pounds(to_date['available']))} due so far")


def _scaled(value: Fraction, low: Fraction, high: Fraction, top: int, height: int) -> str:
    """The y coordinate of `value` on a chart from `low` (bottom) to `high` (top)."""
    return decimal_places(top + (high - value) / (high - low) * height, 1)


def _level_text(value: Fraction, measure: str) -> str:
    return percent_text(value) if measure == "percent" else decimal_places(value, 2).rstrip(
        "0").rstrip(".")


def trajectory_chart(trajectory: dict[str, Any], ident: str) -> str:
    """One indicator's values across the returns (a line through the points, in order)
    against the thresholds of its rule (dashed lines), as a small inline SVG."""
    measure = trajectory["measure"]
    points = trajectory["points"]
    values = [Fraction(Decimal(p["value"])) for p in points]
    limits = [Fraction(Decimal(t)) for t in trajectory["thresholds"]]
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
    label = f"{trajectory['goal']}.{trajectory['indicator']} across the returns"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{e(ident)}" '
        f'viewBox="0 0 {left + plot_width + 80} {top + plot_height + 40}" width="100%" '
        'class="trajectory">',
        f'<title id="{e(ident)}">{e(label)}</title>',
        f'<line class="axis" x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}"/>',
    ]
    for limit in limits:
        y = _scaled(limit, low, high, top, plot_height)
        parts += [
            f'<line class="threshold" x1="{left}" y1="{y}" x2="{left + plot_width}" y2="{y}"/>',
            f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{e(_level_text(limit, measure))}</text>",
        ]
    line = " ".join(f"{x},{y}" for x, y in zip(xs, ys, strict=True))
    parts.append(f'<polyline class="line" points="{line}"/>')
    for point, x, y in zip(points, xs, ys, strict=True):
        where = (PurePath(point["file"]).name
                 + ("" if point["period"] == "year" else f" ({point['period']})"))
        parts += [
            f'<circle class="point" cx="{x}" cy="{y}" r="4"><title>'
            f'{e(where)}: {e(point["measured"])}</title></circle>',
            f'<text x="{x}" y="{decimal_places(Fraction(Decimal(y)) - 8, 1)}" '
            f'text-anchor="middle">{e(point["measured"])}</text>',
            f'<text x="{x}" y="{top + plot_height + 16}" text-anchor="middle">{e(where)}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _trajectories(document: dict[str, Any]) -> str:
    trajectories = document.get("trajectories") or []
    if not trajectories:
        return ""
    charts = "\n".join(
        f'<figure class="trajectory-figure"><figcaption><span class="code">'
        f'{e(t["goal"])}.{e(t["indicator"])}</span>: each return\'s value, and the '
        f"thresholds of its rule (dashed)</figcaption>\n"
        f"{trajectory_chart(t, f'trajectory-{index}')}</figure>"
        for index, t in enumerate(trajectories, start=1)
    )
    return (f'<section id="trajectories">\n<h2>Trajectories across the returns</h2>\n'
            f"{charts}\n</section>")


def _diagnostics(document: dict[str, Any]) -> str:
    diagnostics = document.get("diagnostics") or []
    if not diagnostics:
        return ""
    items = "\n".join(
        f"<li>{e(d.get('code', ''))} {e(d.get('message', ''))}"
        f"{' (line ' + e(d['line']) + ')' if d.get('line') else ''}</li>"
        for d in diagnostics
    )
    return (
        f'<section id="diagnostics">\n<h2>Notes from the check</h2>\n<ul>\n{items}\n</ul>\n'
        "</section>"
    )


STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #0b0c0c;
  margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.4;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { margin: 0.2rem 0; font-size: 1.8rem; }
h2 { border-bottom: 2px solid #0b0c0c; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { margin-bottom: 0.3rem; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; color: #505a5f; margin: 0; }
.parties { margin: 0; color: #505a5f; }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: bold; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 2px solid #0b0c0c; padding: 0.6rem 1rem; min-width: 14rem; }
.card .label { display: block; color: #505a5f; }
.card .amount { display: block; font-size: 1.6rem; font-weight: bold; }
table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
.split td { text-align: right; font-variant-numeric: tabular-nums; }
.split .total { font-weight: bold; border-top: 3px double #0b0c0c; }
.chart { max-width: 100%; height: auto; font-size: 13px; }
.chart text { fill: #0b0c0c; font-family: inherit; }
.bar-available { fill: #ffffff; stroke: #0b0c0c; stroke-width: 1; }
.bar-earned { fill: url(#hatch); stroke: #0b0c0c; stroke-width: 1; }
.grid { width: 100%; }
.grid td { text-align: center; width: 12%; }
.status { font-weight: bold; }
td.status, div.status, span.status { border-width: 3px; padding: 0.2rem 0.4rem; }
span.status { display: inline-block; border-style: solid; }
div.status { margin: 2px 0; border-style: solid; }
.status-met { background: #cce2d8; border: 3px solid #005a30; }
.status-partially-met { border: 3px dashed #8a4b00;
  background: repeating-linear-gradient(45deg, #fff0c2, #fff0c2 6px, #ffffff 6px, #ffffff 10px); }
.status-not-met { background: #f4cdc6; border: 4px double #942514; }
.status-not-reported { background: #f3f2f1; border: 3px dotted #0b0c0c; font-style: italic; }
.status-not-yet-due { background: #ffffff; color: #383f43; border: 1px solid #505a5f;
  font-weight: normal; }
.trajectory { max-width: 560px; height: auto; font-size: 12px; }
.trajectory text { fill: #0b0c0c; font-family: inherit; }
.trajectory .threshold { stroke: #505a5f; stroke-width: 1; stroke-dasharray: 4 3; }
.trajectory .line { fill: none; stroke: #1d4f91; stroke-width: 2; }
.trajectory .point { fill: #1d4f91; }
.trajectory .axis { stroke: #0b0c0c; stroke-width: 1; }
.status-deemed-met { background: #d2e2f1; border: 3px solid #1d70b8; }
.status-na { color: #505a5f; font-weight: normal; border: 1px dotted #b1b4b6; }
td.periods { padding: 0.2rem; }
.note, .key { font-size: 0.9rem; color: #383f43; }
.goal { border-top: 1px solid #b1b4b6; margin-top: 1rem; }
.indicators { width: 100%; }
.indicators code { color: #505a5f; font-size: 0.85rem; }
footer { margin-top: 2rem; font-size: 0.85rem; color: #505a5f; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section, article, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may load or run: the page is complete as written (belt and braces to escaping)."""


def render(document: dict[str, Any]) -> str:
    """The whole page as one string (UTF-8 declared; nothing loaded from elsewhere)."""
    body = "\n".join(
        part
        for part in (
            _header(document),
            "<main>",
            _totals(document),
            _chart(document),
            _grid(document),
            '<section id="goals">\n<h2>Goals and their rules</h2>',
            "\n".join(_goal(goal, shows_sources(document)) for goal in document["goals"]),
            "</section>",
            _trajectories(document),
            _diagnostics(document),
            "</main>",
            '<footer>Produced by cquin-rules from the rulebook and the year\'s measurements. '
            "Money is rounded to the penny once per goal; totals are sums of the goal lines."
            "</footer>",
        )
        if part
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<title>{e(document["scheme"])} — CQUIN results</title>
<style>{STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"""
