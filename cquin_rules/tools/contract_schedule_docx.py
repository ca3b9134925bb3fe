"""The contract schedule as a Word document (.docx), laid out as a contract schedule table.

python-docx writes it; the words are `contract_schedule.ContractSchedule`'s, the same as
the Markdown and HTML. The result is bytes: a binary file is never written to a terminal.
"""

from __future__ import annotations

import io
from typing import Any

from .contract_schedule import ContractSchedule, Fact, GoalEntry
from .contract_schedule_render import indicator_heading, item_facts


def to_docx(schedule: ContractSchedule) -> bytes:
    """The schedule as the bytes of a .docx file."""
    # lazy: python-docx (and lxml) load only when a Word file is written
    from docx import Document

    document = Document()
    document.core_properties.title = f"CQUIN schedule: {schedule.title}"
    document.add_heading(f"CQUIN schedule: {schedule.title}", level=0)
    _facts(document, schedule.facts)
    document.add_heading("Payment", level=1)
    _facts(document, schedule.payment)
    document.add_heading("Goals", level=1)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Goal", "Title", "Money", "Lead", "Status"),
                          strict=True):
        _bold(cell, text)
    for goal in schedule.goals:
        facts = {f.label: f.text for f in goal.facts}
        cells = table.add_row().cells
        for cell, text in zip(cells, (goal.code, goal.title, goal.money, facts["Lead"],
                                      facts["Status"]), strict=True):
            cell.text = text
    total = table.add_row().cells
    _bold(total[0], "Total")
    _bold(total[2], schedule.total)
    for goal in schedule.goals:
        _goal(document, goal)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _bold(cell: Any, text: str) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = True


def _facts(document: Any, facts: tuple[Fact, ...]) -> None:
    """Label and text, two columns: how a contract schedule states its terms."""
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for fact in facts:
        cells = table.add_row().cells
        _bold(cells[0], fact.label)
        cells[1].text = fact.text


def _goal(document: Any, goal: GoalEntry) -> None:
    document.add_heading(f"{goal.code}: {goal.title}", level=1)
    _facts(document, (Fact("Money", goal.money), *goal.facts))
    if goal.periods:
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Period", "Share", "Ends", "Money"),
                              strict=True):
            _bold(cell, text)
        for period in goal.periods:
            cells = table.add_row().cells
            for cell, text in zip(cells, (period.name, period.share, period.ends,
                                          period.money), strict=True):
                cell.text = text
    for indicator in goal.indicators:
        document.add_heading(indicator_heading(indicator, goal.code), level=2)
        _facts(document, item_facts(indicator))
