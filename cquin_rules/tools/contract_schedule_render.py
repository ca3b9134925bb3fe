"""The contract schedule as Markdown and as one self-contained HTML page.

Both lay out `contract_schedule.ContractSchedule` and add no words of their own beyond
headings. Every piece of rulebook text is escaped: Markdown table cells cannot break
their row, and the HTML is escaped and carries a policy under which nothing may load or
run (the same as the evaluation report's).
"""

from __future__ import annotations

from html import escape

from .contract_schedule import ContractSchedule, Fact, GoalEntry, IndicatorEntry

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may load or run: the page is complete as written (belt and braces to escaping)."""

STYLE = """
body { font-family: system-ui, "Segoe UI", Arial, sans-serif; color: #0b0c0c;
  margin: 2rem auto; max-width: 1000px; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; border-top: 2px solid #005eb8; padding-top: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #b1b4b6; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
table.facts th { width: 14rem; }
td.money, th.money { text-align: right; white-space: nowrap; width: 10rem; }
"""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipe or line break ends it, and no `<`
    starts raw HTML."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return " ".join(text.split())


def item_facts(item: IndicatorEntry) -> tuple[Fact, ...]:
    """An indicator's (or a part's) rows: its money first, its pay rule last."""
    facts = list(item.facts)
    if item.money is not None:
        facts.insert(0, Fact("Money", item.money))
    facts.append(Fact("How it is paid" if item.is_part else "Pays", item.pays))
    return tuple(facts)


def indicator_heading(indicator: IndicatorEntry, code: str) -> str:
    """`CMA.inpatient`, `REC.plan (Q2): title`, `Part HWB.survey: title`."""
    name = f"{'Part ' if indicator.is_part else ''}{code}.{indicator.name}"
    if indicator.period != "year":
        name += f" ({indicator.period})"
    if indicator.title:
        name += f": {indicator.title}"
    return name


def to_markdown(schedule: ContractSchedule) -> str:
    """The schedule as Markdown: key facts and goals as tables, then each goal in turn."""
    lines = [f"# CQUIN schedule: {_cell(schedule.title)}", ""]
    lines += _facts_md(schedule.facts)
    lines += ["## Payment", ""]
    lines += _facts_md(schedule.payment)
    lines += ["## Goals", "", "| Goal | Title | Money | Lead | Status |",
              "|---|---|---:|---|---|"]
    for goal in schedule.goals:
        facts = dict((f.label, f.text) for f in goal.facts)
        lines.append(f"| {goal.code} | {_cell(goal.title)} | {goal.money} | "
                     f"{_cell(facts['Lead'])} | {_cell(facts['Status'])} |")
    lines += [f"| **Total** | | **{schedule.total}** | | |", ""]
    for goal in schedule.goals:
        lines += _goal_md(goal)
    return "\n".join(lines)


def _facts_md(facts: tuple[Fact, ...]) -> list[str]:
    lines = ["| | |", "|---|---|"]
    lines += [f"| **{_cell(f.label)}** | {_cell(f.text)} |" for f in facts]
    return [*lines, ""]


def _goal_md(goal: GoalEntry) -> list[str]:
    lines = [f"## {goal.code}: {_cell(goal.title)}", "",
             f"Money: **{goal.money}**", ""]
    lines += _facts_md(goal.facts)
    if goal.periods:
        lines += ["| Period | Share | Ends | Money |", "|---|---|---|---:|"]
        lines += [f"| {p.name} | {p.share} | {p.ends} | {p.money} |" for p in goal.periods]
        lines.append("")
    for indicator in goal.indicators:
        heading = indicator_heading(indicator, goal.code)
        lines += [f"### {_cell(heading)}", ""]
        lines += _facts_md(item_facts(indicator))
    return lines


def to_html(schedule: ContractSchedule) -> str:
    """The schedule as one HTML page: escaped, nothing loaded from elsewhere."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        f"<title>CQUIN schedule: {escape(schedule.title)}</title>",
        f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<h1>CQUIN schedule: {escape(schedule.title)}</h1>",
        _facts_html(schedule.facts), "<h2>Payment</h2>", _facts_html(schedule.payment),
        "<h2>Goals</h2>", _goals_html(schedule),
    ]
    parts += [_goal_html(goal) for goal in schedule.goals]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _facts_html(facts: tuple[Fact, ...]) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{escape(f.label)}</th><td>{escape(f.text)}</td></tr>"
                   for f in facts)
    return f'<table class="facts">{rows}</table>'


def _goals_html(schedule: ContractSchedule) -> str:
    rows = []
    for goal in schedule.goals:
        facts = dict((f.label, f.text) for f in goal.facts)
        rows.append(
            f'<tr><td>{escape(goal.code)}</td><td>{escape(goal.title)}</td>'
            f'<td class="money">{escape(goal.money)}</td><td>{escape(facts["Lead"])}</td>'
            f'<td>{escape(facts["Status"])}</td></tr>')
    return ('<table class="goals"><thead><tr><th>Goal</th><th>Title</th>'
            '<th class="money">Money</th><th>Lead</th><th>Status</th></tr></thead><tbody>'
            + "".join(rows) + '</tbody><tfoot><tr><th>Total</th><td></td>'
            f'<td class="money"><strong>{escape(schedule.total)}</strong></td><td></td>'
            '<td></td></tr></tfoot></table>')


def _goal_html(goal: GoalEntry) -> str:
    parts = [f'<section class="goal" id="goal-{escape(goal.code)}">',
             f"<h2>{escape(goal.code)}: {escape(goal.title)}</h2>",
             f'<p>Money: <strong class="goal-money">{escape(goal.money)}</strong></p>',
             _facts_html(goal.facts)]
    if goal.periods:
        rows = "".join(
            f"<tr><td>{escape(p.name)}</td><td>{escape(p.share)}</td><td>{escape(p.ends)}</td>"
            f'<td class="money">{escape(p.money)}</td></tr>' for p in goal.periods)
        parts.append('<table class="periods"><thead><tr><th>Period</th><th>Share</th>'
                     '<th>Ends</th><th class="money">Money</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table>")
    for indicator in goal.indicators:
        parts += [f"<h3>{escape(indicator_heading(indicator, goal.code))}</h3>",
                  _facts_html(item_facts(indicator))]
    parts.append("</section>")
    return "\n".join(parts)
