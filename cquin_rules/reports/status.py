"""The negotiation view (`cquin status`): each goal's colour, lead and money, and the money
by colour, as text, markdown or one self-contained HTML page.

Trusts track a scheme in negotiation by colour (section 4's `status`): purple national
mandatory, green agreed, amber agreed in principle with measures in development, red not
agreed, blue rejected. The money by colour says how much of the cquin value is settled.
A goal with no status is counted as such, never guessed. HTML text is escaped and the
page loads and runs nothing (the same policy as the results page).
"""

from __future__ import annotations

from fractions import Fraction

from attrs import frozen

from ..semantics.compile import compile_scheme
from ..semantics.money import pounds
from ..semantics.wording import STATUS_MEANINGS
from ..syntax.model import Scheme
from .html import POLICY, e

#: The colours in the order a negotiation moves through them, with their meaning.
COLOURS = STATUS_MEANINGS
NO_STATUS = "none"
SWATCH = {"purple": "#6a1b9a", "green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828",
          "blue": "#1565c0", NO_STATUS: "#757575"}


@frozen
class GoalStatus:
    code: str
    title: str
    scope: str
    colour: str
    """A colour of `COLOURS`, or `none` when the goal has no `status`."""
    lead: str | None
    available: Fraction
    is_gate: bool = False


@frozen
class StatusView:
    scheme: str
    year: str | None
    goals: tuple[GoalStatus, ...]

    def totals(self) -> list[tuple[str, int, Fraction]]:
        """(colour, goals, money) for each colour any goal has, in `COLOURS` order; the
        money adds up to the scheme's goal total."""
        found = []
        for colour in (*COLOURS, NO_STATUS):
            goals = [g for g in self.goals if g.colour == colour]
            if goals:
                found.append((colour, len(goals),
                              sum((g.available for g in goals), Fraction(0))))
        return found

    @property
    def total(self) -> Fraction:
        return sum((g.available for g in self.goals), Fraction(0))


def status_view(scheme: Scheme) -> StatusView:
    compiled = compile_scheme(scheme)
    goals = tuple(
        GoalStatus(code=goal.code, title=goal.title,
                   scope=goal.scope.value if goal.scope else "local",
                   colour=goal.status or NO_STATUS, lead=goal.lead,
                   available=money.available, is_gate=goal.is_gate)
        for goal, money in zip(scheme.goals, compiled.goals, strict=True))
    year = str(scheme.header.year.value) if scheme.header.year else None
    if year is not None and year in scheme.header.title:
        year = None  # the title already says it
    return StatusView(scheme.header.title, year, goals)


def _meaning(colour: str) -> str:
    return COLOURS.get(colour, "no status given")


def _money(goal: GoalStatus) -> str:
    return "gate" if goal.is_gate else pounds(goal.available)


def _rows(view: StatusView) -> list[tuple[str, ...]]:
    return [(g.code, g.colour, _money(g), g.lead or "(no lead)", g.title) for g in view.goals]


def to_text(view: StatusView) -> str:
    heads = ("goal", "status", "money", "lead", "title")
    rows = [heads, *_rows(view)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [view.scheme + (f" ({view.year})" if view.year else ""), ""]
    for row in rows:
        lines.append("  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                                row[2].rjust(widths[2]), row[3].ljust(widths[3]),
                                row[4]]).rstrip())
    lines += ["", "By status:"]
    totals = [(colour, str(count), pounds(amount)) for colour, count, amount in view.totals()]
    totals.append(("total", str(len(view.goals)), pounds(view.total)))
    width = max(len(pounds(view.total)), *(len(t[2]) for t in totals))
    for colour, count, amount in totals:
        meaning = "" if colour == "total" else f"  {_meaning(colour)}"
        goals = "goal" if count == "1" else "goals"
        lines.append(f"  {colour:<7}{amount:>{width}}  {count:>2} {goals:<5}{meaning}".rstrip())
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace("\n", " "))


def to_markdown(view: StatusView) -> str:
    lines = [f"# {_cell(view.scheme)}" + (f" ({view.year})" if view.year else ""), "",
             "| goal | status | money | lead | title |", "|---|---|---:|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _rows(view)]
    lines += ["", "| status | meaning | goals | money |", "|---|---|---:|---:|"]
    lines += [f"| {colour} | {_meaning(colour)} | {count} | {pounds(amount)} |"
              for colour, count, amount in view.totals()]
    lines.append(f"| **total** | | **{len(view.goals)}** | **{pounds(view.total)}** |")
    return "\n".join(lines) + "\n"


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:left;vertical-align:top}
td.money,th.money{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;padding:.05rem .5rem;border-radius:.6rem;color:#fff;font-weight:600}
.chip.none{background:#fff;color:#222;border:1px dashed #757575}
tfoot td{font-weight:700}
"""


def _chip(colour: str) -> str:
    background = SWATCH.get(colour, SWATCH[NO_STATUS])
    style = "" if colour == NO_STATUS else f' style="background:{background}"'
    return f'<span class="chip {e(colour)}"{style}>{e(colour)}</span>'


def to_html(view: StatusView) -> str:
    """One self-contained page: no scripts, nothing loaded; every rulebook word escaped.
    Each colour is also written as a word, so the page survives black-and-white print."""
    heading = e(view.scheme) + (f" ({e(view.year)})" if view.year else "")
    goal_rows = "\n".join(
        f"<tr><td>{e(g.code)}</td><td>{_chip(g.colour)}</td>"
        f'<td class="money">{e(_money(g))}</td><td>{e(g.lead or "(no lead)")}</td>'
        f"<td>{e(g.title)}</td></tr>" for g in view.goals)
    total_rows = "\n".join(
        f"<tr><td>{_chip(colour)}</td><td>{e(_meaning(colour))}</td>"
        f'<td class="money">{count}</td><td class="money">{e(pounds(amount))}</td></tr>'
        for colour, count, amount in view.totals())
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<title>{e(view.scheme)} — negotiation status</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{heading}</h1>
<h2>Goals</h2>
<table>
<thead><tr><th scope="col">goal</th><th scope="col">status</th>
<th scope="col" class="money">money</th><th scope="col">lead</th><th scope="col">title</th>
</tr></thead>
<tbody>
{goal_rows}
</tbody>
</table>
<h2>Money by status</h2>
<table>
<thead><tr><th scope="col">status</th><th scope="col">meaning</th>
<th scope="col" class="money">goals</th><th scope="col" class="money">money</th></tr></thead>
<tbody>
{total_rows}
</tbody>
<tfoot><tr><td>total</td><td></td><td class="money">{len(view.goals)}</td>
<td class="money">{e(pounds(view.total))}</td></tr></tfoot>
</table>
<footer>Produced by cquin-rules from the rulebook's status and lead lines.</footer>
</body>
</html>
"""


def render_status(scheme: Scheme, output_format: str) -> str:
    """The view in `text`, `markdown` or `html`."""
    view = status_view(scheme)
    if output_format == "html":
        return to_html(view)
    if output_format == "markdown":
        return to_markdown(view)
    return to_text(view)
