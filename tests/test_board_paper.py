"""The Q2 board paper (issue 13, "done when"): `cquin eval --as-of Q2` on a shipped rulebook
with two quarterly returns, as HTML opened in a headless browser and as Markdown.

The rulebook is the mental health trust's 2018/19 scheme (goals with leads, negotiation
statuses, rationales and quarterly milestones). Q1's and Q2's returns are written as a
trust sends them: each quarter's milestones, and year-to-date figures for the goals
assessed on the year, sent again in Q2 with a note. The expected to-date money is worked
out here from the rulebook's own goal money, not read back from the report.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_html_browser import CHROMIUM, HEIGHT, WIDTH, chromium, png_facts

from cquin_rules.api import load
from cquin_rules.cli import main
from cquin_rules.reports import html
from cquin_rules.reports.table import pounds
from cquin_rules.semantics.money import money

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "rulebooks" / "mental-health-trust-2018-19"

Q1 = """goal,indicator,period,numerator,denominator,value,note
REC,steering,Q1,,,achieved,steering group met 14 May
FLU,uptake,,,,40%,year to date
RRP,restraint,,,,230,
"""
Q2 = """goal,indicator,period,numerator,denominator,value,note
SOC,audit,Q2,,,achieved,
REC,curriculum,Q2,,,achieved,
REPAT,review,Q2,,,achieved,
FLU,uptake,,,,55%,year to date; campaign starts in October
RRP,restraint,,,,215,
"""


@pytest.fixture
def returns(tmp_path: Path) -> Path:
    (tmp_path / "Q1.csv").write_text(Q1, encoding="utf-8")
    (tmp_path / "Q2.csv").write_text(Q2, encoding="utf-8")
    return tmp_path


def board_paper(folder: Path, output: str) -> str:
    """`cquin eval rulebook Q1.csv Q2.csv --as-of Q2 --at-risk --output NAME` run in `folder`
    (as docs/year-so-far.md shows it); the file written."""
    import os

    home = os.getcwd()
    os.chdir(folder)
    try:
        outcome = CliRunner().invoke(main, ["eval", str(FOLDER / "rulebook.cquin"), "Q1.csv",
                                            "Q2.csv", "--as-of", "Q2", "--at-risk",
                                            "--output", output])
    finally:
        os.chdir(home)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == ""
    return (folder / output).read_text(encoding="utf-8")


def expected_to_date() -> tuple[str, str]:
    """Available and earned to date at Q2: the periods ended by September (SOC's Q2 20%,
    REC's Q1 and Q2 25% each, REPAT's Q2 40%), all met, each goal rounded to the penny once."""
    goals = {goal.code: goal for goal in load(FOLDER / "rulebook.cquin").evaluate({}).goals}
    due = {"SOC": Fraction(20, 100), "REC": Fraction(50, 100), "REPAT": Fraction(40, 100)}
    total = sum((Fraction(Decimal(money(goals[code].available * share))) for code, share
                 in due.items()), Fraction(0))
    return pounds(money(total)), pounds(money(total))


def check_board_facts(text: str, escape: Any) -> None:
    """What a board paper at Q2 must say, in either format."""
    available, earned = expected_to_date()
    assert "As of M6 (September), from Q1.csv, Q2.csv" in text
    assert available in text and earned in text
    for lead in ("Director of Workforce", "Deputy Director of Nursing",
                 "Head of Occupational Therapy, Secure Services"):
        assert escape(lead) in text
    # REPAT's negotiation status
    assert "amber (agreed in principle, measures in development)" in text
    assert "green (agreed)" in text
    assert escape("year to date; campaign starts in October") in text  # Q2's note, not Q1's
    assert "steering group met 14 May" in text
    assert "0.000000" not in text and "1.000000" not in text
    assert "At risk as of M6 (September)" in text


def test_a_missed_milestone_is_at_risk_with_its_lead_money_and_target(returns: Path) -> None:
    """REPAT's Q2 review not achieved: the board paper's risk section names the goal, that
    it has no lead, the money at risk as of September (its Q2 share) and what it would take, in the
    Markdown and in the HTML; nothing else is at risk."""
    (returns / "Q2.csv").write_text(Q2.replace("REPAT,review,Q2,,,achieved,",
                                               "REPAT,review,Q2,,,not achieved,"),
                                    encoding="utf-8")
    repat = next(g for g in load(FOLDER / "rulebook.cquin").evaluate({}).goals
                 if g.code == "REPAT")
    at_risk = pounds(money(repat.available * Fraction(40, 100)))
    text = board_paper(returns, "board.md")
    section = text[text.index("## At risk as of M6 (September)"):text.index("## Goals in detail")]
    assert section.count("### ") == 1 and "(REPAT)" in section
    assert "Lead: none named." in section  # REPAT names no lead: the paper says so
    assert f"at risk {at_risk}" in section
    assert "review Q2" in section and "achieved" in section
    page = board_paper(returns, "board.html")
    risk = page[page.index('<section id="at-risk">'):page.index('<section id="chart">')]
    assert 'id="risk-REPAT"' in risk and risk.count('class="risk"') == 1
    assert "<strong>Lead:</strong> none named" in risk
    assert f"at risk {at_risk}" in risk


def test_board_paper_in_markdown(returns: Path) -> None:
    """The Markdown board paper: the as-of line, the to-date line of the split table with its
    earned %, leads, statuses, notes beside their values, and where each value came from."""
    text = board_paper(returns, "board.md")
    check_board_facts(text, lambda words: words)
    assert "not reported" not in text
    available, earned = expected_to_date()
    assert f"| To date (M6) | {available} | {earned} | 100.0% |" in text.splitlines()
    assert "- **FLU.uptake**: 55% (Q2.csv:5)" in text.splitlines()
    assert "- **RRP.restraint**: 215 (Q2.csv:6)" in text.splitlines()
    uptake = next(line for line in text.splitlines() if line.startswith("- **uptake**"))
    assert uptake.endswith("Source: ImmForm staff flu vaccination return")
    assert "55% (note: year to date; campaign starts in October)" in uptake
    assert "not yet due" in uptake


def test_board_paper_html_source(returns: Path) -> None:
    """The HTML board paper as written: each measured year indicator's trajectory across
    the two returns, labelled with its title and code, under the page's strict CSP."""
    page = board_paper(returns, "board.html")
    check_board_facts(page, html.e)
    assert page.count('status-not-reported">') == 1  # the key's, and no cell's
    chart = page[page.index('<section id="trajectories">'):]
    assert chart.count("<svg") == 2 and chart.count('class="point"') == 4
    assert "Frontline clinical staff vaccinated" in chart and ">FLU.uptake<" in chart
    assert "default-src 'none'" in page and "<script" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed")
def test_board_paper_in_the_browser(returns: Path, tmp_path: Path) -> None:
    """Chromium opens the board paper from its file: the console is silent, the rendered page
    shows the as-of line, the to-date card, the quarterly grid with periods not yet due,
    the leads and both trajectories; its screenshot is a real picture."""
    page = returns / "board.html"
    board_paper(returns, "board.html")
    dom, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    available, earned = expected_to_date()
    assert re.search(r'id="as-of">As of M6 \(September\), from Q1\.csv, Q2\.csv<', dom)
    assert f'id="earned-to-date">{earned} of {available}<' in dom
    rec = re.search(r'<th scope="row"><span class="code">REC</span>.*?</tr>', dom, re.S)
    assert rec is not None
    assert re.findall(r">(Met|Not Yet Due)<", rec.group(0)) == ["Met", "Met", "Not Yet Due",
                                                                  "Not Yet Due"]
    assert '<span class="lead">Director of Workforce</span>' in dom
    assert '<section id="at-risk">' in dom and "Nothing is at risk." in dom
    assert dom.count('class="trajectory"') == 2
    assert dom.count('class="point"') == 4
    shot = tmp_path / "board.png"
    _, console = chromium(page, tmp_path / "profile", f"--screenshot={shot}",
                          f"--window-size={WIDTH},{HEIGHT}")
    assert console == []
    width, height, distinct = png_facts(shot)
    assert (width, height) == (WIDTH, HEIGHT) and distinct > 50
