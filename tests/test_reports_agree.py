"""Reports never contradict the money (issue 10): every format, one result.

For every conformance case with data and every shipped rulebook, each goal's status, its
period (quarterly) cells and its earned money are read back from the JSON, CSV, markdown
and HTML outputs and must equal the one `Result`; and that result must agree with itself:
a met goal earns all its money, a goal that earns nothing is not "partially met" (unless
its attainment is worth under half a penny), and a period whose indicators are all met is
met.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import RULEBOOKS, case_params, evaluated_cases

from cquin_rules.api import load
from cquin_rules.engine.result import GoalResult, Result
from cquin_rules.reports import render
from cquin_rules.reports.html import STATUS_WORDS
from cquin_rules.semantics.money import money, pounds, round_half_up

ROOT = Path(__file__).resolve().parent.parent
QUARTERS = ("Q1", "Q2", "Q3", "Q4")


def folders() -> list[Any]:
    """Conformance cases whose expected evaluation succeeds, and the shipped rulebooks."""
    return case_params(evaluated_cases(), "reports") + [
        pytest.param(folder, id=f"rulebooks/{folder.name}")
        for folder in sorted(RULEBOOKS.iterdir()) if (folder / "data.csv").exists()
    ]


def result_for(folder: Path) -> Result:
    rulebook = load(folder / "rulebook.cquin")
    return rulebook.evaluate(folder / "data.csv")


# ---- the result agrees with itself ---------------------------------------------------------


def check_money(goal: GoalResult) -> None:
    assert goal.earned == round_half_up(goal.attainment * goal.available), goal.code
    if goal.status == "not reported":
        return
    if goal.status == "deemed met":
        assert goal.earned == goal.available, goal.code
        return
    by_attainment = ("met" if goal.attainment >= 1
                     else "partially met" if goal.attainment > 0 else "not met")
    assert goal.status == by_attainment, goal.code
    if goal.status == "met":
        assert goal.earned == goal.available, goal.code
    if goal.status == "not met":
        assert goal.earned == 0, goal.code
    if goal.status == "partially met" and goal.earned == 0:
        assert goal.attainment * goal.available < Fraction(1, 200), goal.code


def check_periods(goal: GoalResult) -> None:
    """A period's cell agrees with its indicators: all met is met, none paying is not met,
    none reported is not reported; all periods met is a met goal; a goal that is not met has
    no period that pays (issue 10: "Partially Met" beside "Not Met, £0.00")."""
    for period, status in goal.periods:
        statuses = {i.status for i in goal.indicators if i.period == period}
        if statuses == {"met"}:
            assert status == "met", (goal.code, period)
        if statuses == {"not reported"}:
            assert status == "not reported", (goal.code, period)
        if status == "met":
            assert "not met" not in statuses or len(statuses) > 1, (goal.code, period)
    if goal.periods and all(status == "met" for _, status in goal.periods):
        assert goal.status == "met" and goal.earned == goal.available, goal.code
    if goal.periods and goal.status == "not met":
        paying = [p for p, status in goal.periods if status in ("met", "partially met")]
        assert not paying, f"{goal.code} is not met, but its periods {paying} pay"


# ---- each format read back ------------------------------------------------------------------


def cells_expected(goal: GoalResult) -> list[str]:
    """The four quarterly cells' status words as the result gives them (N/A where no
    period ends in that quarter; a whole-year goal shows its status in Q4)."""
    periods = dict(goal.periods) if goal.periods else {"year": goal.status}
    cells: list[str] = []
    for quarter in QUARTERS:
        named = [status for period, status in periods.items()
                 if period == quarter or (quarter == "Q4" and period in ("year", "H2"))
                 or (quarter == "Q2" and period == "H1")
                 or (period.startswith("M") and period[1:].isdigit()
                     and QUARTERS[(int(period[1:]) - 1) // 3] == quarter)]
        cells.append(" / ".join(STATUS_WORDS[s] for s in named) if named else "N/A")
    return cells


class Page(HTMLParser):
    """The grid's status words per goal row, and each goal article's facts line."""

    def __init__(self) -> None:
        super().__init__()
        self.grid: dict[str, list[str]] = {}
        self.facts: dict[str, str] = {}
        self._section = ""
        self._row: list[str] | None = None
        self._code = ""
        self._cell: list[str] | None = None
        self._in_status = False
        self._article = ""
        self._in_facts = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "section":
            self._section = found.get("id") or ""
        if tag == "article":
            self._article = (found.get("id") or "").removeprefix("goal-")
        if tag == "p" and "facts" in classes:
            self._in_facts = True
            self.facts[self._article] = ""
        if self._section == "quarters" and tag == "tr":
            self._row, self._code = [], ""
        if self._row is not None and tag == "td":
            self._cell = []
        if self._cell is not None and "status" in classes:
            self._in_status = True
            self._cell.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_facts = False
        if self._in_status and tag in ("td", "div"):
            self._in_status = False
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append(" / ".join(word.split(": ")[-1] for word in self._cell))
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._code:
                self.grid[self._code] = self._row
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_facts:
            self.facts[self._article] += data
        if self._row is not None and self._cell is None and not self._code and data.strip():
            self._code = data.strip()
        if self._in_status and self._cell is not None:
            self._cell[-1] += data


@pytest.mark.parametrize("folder", folders())
def test_every_report_agrees_with_the_money(folder: Path) -> None:
    """Each goal's status, period cells and earned money are the same in the JSON, CSV,
    markdown and HTML outputs as in the result, and the result agrees with itself."""
    result = result_for(folder)
    document = json.loads(render(result, "json"))
    rows = list(csv.DictReader(io.StringIO(render(result, "csv"))))
    markdown = render(result, "markdown").splitlines()
    page = Page()
    page.feed(render(result, "html"))
    for index, goal in enumerate(result.goals):
        check_money(goal)
        check_periods(goal)
        written = document["goals"][index]
        assert (written["code"], written["status"], written["earned"]) == (
            goal.code, goal.status, money(goal.earned))
        assert written.get("periods", {}) == dict(goal.periods)
        [row] = [r for r in rows if r["kind"] == "goal" and r["goal"] == goal.code]
        assert (row["status"], row["earned"]) == (goal.status, money(goal.earned))
        [line] = [m for m in markdown if m.startswith(f"| {goal.code} |")]
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        assert (cells[5], cells[6]) == (pounds(goal.earned), goal.status.capitalize())
        assert page.grid[goal.code] == cells_expected(goal), goal.code
        facts = " ".join(page.facts[goal.code].split())
        assert f"earned {pounds(goal.earned)}" in facts
        assert facts.endswith(STATUS_WORDS[goal.status]), facts
    assert money(result.earned) == document["earned"]
    [total] = [r for r in rows if r["kind"] == "total"]
    assert total["earned"] == money(sum((g.earned for g in result.goals), Fraction(0)))
