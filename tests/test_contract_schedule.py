"""`cquin document`: the CQUIN schedule for the contract, in Word, HTML and Markdown.

The Word file is read back with python-docx and must hold every goal's code, title and
money; the HTML is parsed and must hold a section per goal with its money, escaped; the
money must be the evaluator's (the goals add up to the cquin value). Every shipped
rulebook is documented in every format.
"""

from __future__ import annotations

import io
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from cquin_rules.api import load, loads
from cquin_rules.cli import main
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.semantics.money import pounds
from cquin_rules.tools.contract_schedule_docx import to_docx
from cquin_rules.tools.contract_schedule_render import to_html, to_markdown

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*/rulebook.cquin"))
IDS = [path.parent.name for path in RULEBOOKS]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
HOSTILE = '<script>alert(1)</script> & \\"quoted\\" | piped'
HOSTILE_TEXT = '<script>alert(1)</script> & "quoted" | piped'


def goal_money(path: Path) -> dict[str, tuple[str, str]]:
    """Each goal's (title, money) as the evaluator compiles it."""
    compiled = compile_scheme(load(path).evaluated_scheme())
    return {goal.code: (goal.title, pounds(goal.available)) for goal in compiled.goals}


def docx_text(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The paragraphs and the table rows (cell texts) of a .docx file."""
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    rows = [[cell.text for cell in row.cells] for table in document.tables
            for row in table.rows]
    return paragraphs, rows


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_the_word_file_holds_every_goal_and_its_money(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "schedule.docx"
    run = CliRunner().invoke(main, ["document", str(path), "--output", str(out)])
    assert run.exit_code == 0, run.output
    paragraphs, rows = docx_text(out.read_bytes())
    expected = goal_money(path)
    summary = {row[0]: row for row in rows if len(row) == 5}
    for code, (title, money) in expected.items():
        assert summary[code][1] == title
        assert summary[code][2] == money
        assert f"{code}: {title}" in paragraphs
    compiled = compile_scheme(load(path).evaluated_scheme())
    total = next(row for row in rows if len(row) == 5 and row[0] == "Total")
    assert total[2] == pounds(sum((g.available for g in compiled.goals), Fraction(0)))


class Sections(HTMLParser):
    """Collects each goal section's id and the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("goal-"):
            self.current = (found["id"] or "")[5:]
            self.sections[self.current] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.sections[self.current].append(data)


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_the_html_has_a_section_per_goal_with_its_money(path: Path) -> None:
    page = to_html(load(path).contract_schedule())
    parser = Sections()
    parser.feed(page)
    expected = goal_money(path)
    assert list(parser.sections) == list(expected)
    for code, (title, money) in expected.items():
        text = "".join(parser.sections[code])
        assert title in text and money in text
    assert "script" not in parser.tags
    assert 'http-equiv="Content-Security-Policy"' in page


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_markdown_names_every_goal_and_indicator(path: Path) -> None:
    book = load(path)
    text = to_markdown(book.contract_schedule())
    compiled = compile_scheme(book.evaluated_scheme())
    for goal in compiled.goals:
        assert f"## {goal.code}: " in text
        assert f"| {goal.code} | " in text and pounds(goal.available) in text
        for indicator in goal.indicators():
            assert f"### {goal.code}.{indicator.name}" in text


def test_the_schedule_states_the_terms_in_words() -> None:
    text = to_markdown(load(NORTHSHIRE).contract_schedule())
    assert "£3,000,000.00: 2.5% of the contract value (£120,000,000.00)" in text
    assert "**Local goals** | £2,400,000.00" in text
    assert "90% of the CQUIN value is paid on account" in text
    assert "M6 (September), M9 (December) and M12 (March)" in text
    assert ("Pays in full when the value is 80% of the baseline (200) or less; 50% when the "
            "value is 90% of the baseline (225) or less; otherwise nothing.") in text
    assert "| **Money** | £360,000.00 |" in text  # CMA.inpatient: 40% of £900,000
    assert "| Q2 | 50% | M6 (September) | £375,000.00 |" in text


def test_a_part_with_money_of_its_own_is_shown_before_its_items() -> None:
    path = ROOT / "rulebooks" / "acute-trust-2017-18" / "rulebook.cquin"
    text = to_markdown(load(path).contract_schedule())
    part = text.index("### Part HWB.survey: 1a: staff survey")
    assert text.index("| **Money** | £200,000.00 |", part) < text.index("### HWB.survey.health")
    assert "| **How it is paid** | at least 2 of: health, stress, action |" in text
    assert "| **How it is paid** | paid on changes |" in text


def test_lead_status_and_definition_are_shown() -> None:
    text = NORTHSHIRE.read_text("utf-8").replace(
        '  weight 20%                             # of the cquin value: £600,000\n',
        '  weight 20%\n  lead "Director of Workforce"\n  status amber\n').replace(
        '    source "Staff flu vaccination return"\n',
        '    source "Staff flu vaccination return"\n    definition "Staff with direct '
        'patient contact"\n')
    schedule = loads(text).contract_schedule()
    markdown = to_markdown(schedule)
    assert "| FLU | Improving the uptake of flu vaccinations by frontline clinical staff | " \
        "£600,000.00 | Director of Workforce | amber (agreed in principle, measures in " \
        "development) |" in markdown
    assert "| **Definition** | Staff with direct patient contact |" in markdown


def test_rulebook_text_is_escaped_everywhere() -> None:
    text = NORTHSHIRE.read_text("utf-8").replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"', f'"{HOSTILE}"')
    schedule = loads(text).contract_schedule()
    page = to_html(schedule)
    assert "<script>" not in page and "&lt;script&gt;" in page
    markdown = to_markdown(schedule)
    assert "<script>" not in markdown
    assert "\\| piped" in markdown
    _, rows = docx_text(to_docx(schedule))
    assert any(HOSTILE_TEXT in cell for row in rows for cell in row)


def test_docx_is_never_written_to_a_terminal(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["document", str(NORTHSHIRE), "--format", "docx"])
    assert run.exit_code == 2
    assert "--output" in run.output


@pytest.mark.parametrize(("name", "start"), [
    ("s.html", "<!DOCTYPE html>"), ("s.md", "# CQUIN schedule: "), ("s.docx", "PK"),
])
def test_the_format_comes_from_the_extension(tmp_path: Path, name: str, start: str) -> None:
    out = tmp_path / name
    run = CliRunner().invoke(main, ["document", str(NORTHSHIRE), "--output", str(out)])
    assert run.exit_code == 0, run.output
    assert out.read_bytes().startswith(start.encode())


def test_a_contradicting_format_is_refused_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "s.html"
    run = CliRunner().invoke(main, ["document", str(NORTHSHIRE), "--format", "docx",
                                    "--output", str(out)])
    assert run.exit_code == 2
    assert not out.exists()
    run = CliRunner().invoke(main, ["document", str(NORTHSHIRE), "--output",
                                    str(tmp_path / "s.pdf")])
    assert run.exit_code == 2


def test_markdown_to_the_terminal_by_default() -> None:
    run = CliRunner().invoke(main, ["document", str(NORTHSHIRE)])
    assert run.exit_code == 0
    assert run.output.startswith("# CQUIN schedule: Northshire Health and Care CQUIN 2018/19")


def test_a_rulebook_with_errors_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cquin"
    bad.write_text(NORTHSHIRE.read_text("utf-8").replace("weight 20%", "weight 200%"), "utf-8")
    out = tmp_path / "s.docx"
    run = CliRunner().invoke(main, ["document", str(bad), "--output", str(out)])
    assert run.exit_code == 1
    assert not out.exists()
