"""The report formats (markdown, csv, html) for every shipped rulebook: same numbers, adding up.

Each report renders from `Result.to_dict()`; these tests read the reports back and check
that their totals are the document's, that goal lines add up to the total to the penny,
that rulebook text cannot break out of its cell (or run as script), and that
`cquin eval --output` writes the whole file or nothing.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cquin_rules import lsp
from cquin_rules.api import Rulebook, load, loads
from cquin_rules.cli import main
from cquin_rules.reports import FORMATS, csv_report, html, markdown
from cquin_rules.reports.table import pounds
from cquin_rules.semantics import wording
from cquin_rules.syntax.model import Indicator
from cquin_rules.syntax.parser import parse

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = sorted(path.parent for path in (ROOT / "rulebooks").glob("*/rulebook.cquin"))
IDS = [folder.name for folder in FOLDERS]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
HOSTILE = '<script>alert(1)</script> & \\"quoted\\" | piped'
HOSTILE_TEXT = '<script>alert(1)</script> & "quoted" | piped'


def document_for(folder: Path) -> dict[str, Any]:
    return load(folder / "rulebook.cquin").evaluate(folder / "data.csv").to_dict()


def expected_totals(folder: Path) -> dict[str, str]:
    return dict(json.loads((folder / "expect.json").read_text(encoding="utf-8")))


def hostile_rulebook() -> Rulebook:
    """Northshire with a goal title, scheme title and provider written to break reports."""
    text = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
    text = text.replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"', f'"{HOSTILE}"'
    )
    text = text.replace('scheme "Northshire Health and Care CQUIN 2018/19"', f'scheme "{HOSTILE}"')
    text = text.replace('provider "Northshire Health and Care NHS Trust"', f'provider "{HOSTILE}"')
    rulebook = loads(text, "hostile.cquin")
    assert rulebook.check() == []
    return rulebook


def hostile_document() -> dict[str, Any]:
    return hostile_rulebook().evaluate(NORTHSHIRE / "data.csv").to_dict()


def plain(pounds_text: str) -> Decimal:
    """`£1,234.56` (optionally in bold) as a Decimal."""
    return Decimal(pounds_text.strip("* ").removeprefix("£").replace(",", ""))


def test_formats_are_registered() -> None:
    """`cquin eval --format` offers markdown, csv and html through the FORMATS registry."""
    assert {"table", "markdown", "csv", "html"} <= set(FORMATS)
    assert FORMATS["csv"] is csv_report.render
    document = document_for(NORTHSHIRE)  # the template formats load Jinja2 on first use
    assert FORMATS["markdown"](document) == markdown.render(document)
    assert FORMATS["html"](document) == html.render(document)


# ---- CSV --------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_csv_goal_rows_add_up_to_the_total(folder: Path) -> None:
    """The goal rows' earned and available sum exactly to the total row; scopes split it."""
    document = document_for(folder)
    rows = read_csv(csv_report.render(document))
    goals = [row for row in rows if row["kind"] == "goal"]
    total = rows[-1]
    assert total["kind"] == "total"
    assert total["earned"] == expected_totals(folder)["earned"]
    assert sum(Decimal(row["earned"]) for row in goals) == Decimal(total["earned"])
    assert sum(Decimal(row["available"]) for row in goals) == Decimal(total["available"])
    scopes = {row["kind"]: row for row in rows if row["kind"] in ("national", "local")}
    assert scopes["national"]["earned"] == expected_totals(folder)["national"]
    assert scopes["local"]["earned"] == expected_totals(folder)["local"]
    assert Decimal(scopes["national"]["earned"]) + Decimal(scopes["local"]["earned"]) == Decimal(
        total["earned"]
    )
    assert total["earned_percent"] == document["earned_percent"]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_csv_has_one_row_per_goal_and_indicator(folder: Path) -> None:
    """Every goal and every indicator of the document has its row, in order, with its status."""
    document = document_for(folder)
    rows = read_csv(csv_report.render(document))
    expected = []
    for goal in document["goals"]:
        expected.append(("goal", goal["code"], "", goal["status"]))
        expected += [
            ("indicator", goal["code"], indicator["name"], indicator["status"])
            for indicator in goal["indicators"]
        ]
    found = [
        (row["kind"], row["goal"], row["indicator"], row["status"])
        for row in rows
        if row["kind"] in ("goal", "indicator")
    ]
    assert found == expected
    commissioners = ["commissioner"] * len(document.get("by_commissioner", []))
    notes = ["note"] * (bool(document.get("deemed_achieved"))
                        or sum(1 for goal in document["goals"] if goal.get("gate")))
    assert [row["kind"] for row in rows[len(found):]] == [
        "national", "local", *commissioners, *notes, "total"]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_csv_money_is_plain_decimals(folder: Path) -> None:
    """Money columns hold `1700000.00`: no pound sign, no commas, two decimals."""
    rows = read_csv(csv_report.render(document_for(folder)))
    amounts = [row[key] for row in rows for key in ("available", "earned") if row[key]]
    assert amounts
    assert all(re.fullmatch(r"\d+\.\d{2}", amount) for amount in amounts), amounts


def test_csv_columns_are_documented() -> None:
    """Every CSV column is described in the module docstring."""
    assert csv_report.__doc__ is not None
    for column in csv_report.COLUMNS:
        assert f"`{column}`" in csv_report.__doc__, column


def test_csv_keeps_hostile_titles_whole_and_inert() -> None:
    """Commas, quotes and pipes survive quoting; a leading `=` cannot become a formula."""
    document = hostile_document()
    document["goals"][1]["title"] = "=HYPERLINK(\"http://x\")"
    rows = read_csv(csv_report.render(document))
    titles = [row["title"] for row in rows if row["kind"] == "goal"]
    assert titles[0] == HOSTILE_TEXT
    assert titles[1] == "'=HYPERLINK(\"http://x\")"


def test_csv_reports_measurements_as_written() -> None:
    """Indicator rows show the measurement as written and its exact value."""
    rows = read_csv(csv_report.render(document_for(NORTHSHIRE)))
    community = next(row for row in rows if row["indicator"] == "community")
    assert (community["measured"], community["value"], community["status"]) == (
        "140/200", "0.7", "not met",
    )


# ---- Markdown ---------------------------------------------------------------------------


def markdown_tables(text: str) -> list[list[list[str]]]:
    """The tables in `text`, each a list of rows of cells (escaped pipes kept inside cells)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            current.append([cell.strip() for cell in cells])
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_markdown_goal_lines_add_up(folder: Path) -> None:
    """The quality-account table's goal lines sum to its total line, which is the expected one."""
    document = document_for(folder)
    goals_table, split_table = markdown_tables(markdown.render(document))
    assert goals_table[0] == list(markdown.HEADINGS)
    goal_rows = goals_table[2:-1]
    total = goals_table[-1]
    assert [row[0] for row in goal_rows] == [goal["code"] for goal in document["goals"]]
    assert sum(plain(row[5]) for row in goal_rows) == plain(total[5])
    assert sum(plain(row[4]) for row in goal_rows) == plain(total[4])
    assert plain(total[5]) == Decimal(expected_totals(folder)["earned"])
    assert total[6] == f"{document['earned_percent']}% earned"
    split = {row[0]: row for row in split_table[2:]}
    assert plain(split["National"][2]) == Decimal(expected_totals(folder)["national"])
    assert plain(split["Local"][2]) == Decimal(expected_totals(folder)["local"])
    assert plain(split["National"][2]) + plain(split["Local"][2]) == plain(split["**Total**"][2])


def test_markdown_escapes_pipes_in_titles() -> None:
    """A `|` in a title is escaped, so every row keeps seven cells and the title is whole
    (its markup as entities, issue 17)."""
    import html

    goals_table, _ = markdown_tables(markdown.render(hostile_document()))
    assert all(len(row) == 7 for row in goals_table)
    assert goals_table[2][1] == html.escape(HOSTILE_TEXT, quote=False).replace("|", "\\|")


def test_markdown_shows_domains_scope_and_status() -> None:
    """Each goal line carries its domains, scope and status in words."""
    goals_table, _ = markdown_tables(markdown.render(document_for(NORTHSHIRE)))
    assert goals_table[2][2:] == [
        "safety", "national", "£600,000.00", "£320,000.00", "Partially met",
    ]


# ---- HTML -------------------------------------------------------------------------------


class Grid(HTMLParser):
    """The cells of the quarterly grid, row by row, as the text a reader sees."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.depth = 0
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "grid") in attrs:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth = 0
        elif tag in ("td", "th"):
            self.in_cell = False
        elif tag == "div" and self.in_cell:
            self.rows[-1][-1] += "; "

    def handle_data(self, data: str) -> None:
        if self.depth and self.in_cell:
            self.rows[-1][-1] += data


def grid_of(page: str) -> dict[str, list[str]]:
    parser = Grid()
    parser.feed(page)
    return {row[0].split()[0]: row[1:] for row in parser.rows[1:]}


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_html_shows_header_totals_and_split(folder: Path) -> None:
    """The page names the scheme and provider and shows the total, national and local money."""
    document = document_for(folder)
    page = html.render(document)
    totals = expected_totals(folder)
    assert f"<h1>{html.e(document['scheme'])}</h1>" in page
    assert html.e(document["provider"]) in page
    assert f'id="earned">{pounds(totals["earned"])}<' in page
    assert f'id="cquin-value">{pounds(document["cquin_value"])}<' in page
    for key in ("national", "local"):
        assert f"<td>{pounds(totals[key])}</td>" in page, key
    assert f'id="earned-percent">{document["earned_percent"]}%<' in page


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_html_chart_has_two_bars_per_goal(folder: Path) -> None:
    """The SVG chart draws an available and an earned bar for every goal, earned no longer."""
    document = document_for(folder)
    page = html.render(document)
    available = re.findall(r'class="bar-available"/>', page)
    bars = re.findall(r'width="([0-9.]+)" height="16" class="bar-(available|earned)"', page)
    assert len(bars) == 2 * len(document["goals"])
    assert len(available) == len(document["goals"]) + 1  # and one in the legend
    widths = [Decimal(width) for width, _ in bars]
    for index in range(0, len(widths), 2):
        assert widths[index + 1] <= widths[index]
    assert max(widths) == Decimal("460.00")


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_html_is_self_contained(folder: Path) -> None:
    """No scripts, no external fetches: only the SVG namespace names a URL."""
    page = html.render(document_for(folder))
    assert "<script" not in page.lower()
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]
    assert not re.search(r"\b(src|href)=\"(?!#)", page)
    assert "@import" not in page and "@font-face" not in page
    assert set(re.findall(r"url\(([^)]*)\)", page)) == {"#hatch"}


def test_html_quarterly_grid_for_period_and_year_goals() -> None:
    """Period goals show each period's status (N/A elsewhere); year goals show Q4 with a note."""
    page = html.render(document_for(NORTHSHIRE))
    grid = grid_of(page)
    assert grid["REC"] == ["N/A", "Met", "N/A", "Not Met"]
    assert grid["FLU"] == ["N/A", "N/A", "N/A", "Partially Met"]
    assert "year-end status is shown in Q4" in page


def test_html_grid_places_months_in_their_quarter() -> None:
    """Months and half-years land in the quarter they end in, each labelled with its period."""
    document = document_for(NORTHSHIRE)
    document["goals"][3]["periods"] = {"M2": "met", "M3": "not met", "H2": "partially met"}
    grid = grid_of(html.render(document))
    assert grid["REC"] == ["M2: Met; M3: Not Met; ", "N/A", "N/A", "H2: Partially Met; "]


def test_quarter_of_periods() -> None:
    """Financial-year months (M1 is April), halves and the year map to the quarter they end in."""
    assert [html.quarter_of(p) for p in ("Q3", "M1", "M6", "M12", "H1", "H2", "year")] == [
        "Q3", "Q1", "Q2", "Q4", "Q2", "Q4", "Q4",
    ]


def test_html_escapes_every_rulebook_string() -> None:
    """A hostile title, scheme name and provider appear as text; no markup gets through."""
    page = html.render(hostile_document())
    assert "<script" not in page
    escaped = html.e(HOSTILE_TEXT)
    assert escaped == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; | piped"
    assert page.count(escaped) >= 4  # <title>, <h1>, provider line, grid, goal heading


def test_html_money_is_formatted_in_pounds() -> None:
    """Money on the page reads £1,234.56."""
    page = html.render(document_for(NORTHSHIRE))
    assert "£1,380,000.00" in page and "£320,000.00" in page
    assert "1700000.00" not in page


def test_html_states_each_rule_in_words() -> None:
    """Each indicator's rule appears in words and as written."""
    page = html.render(document_for(NORTHSHIRE))
    assert "Pays a straight-line share, nothing at 60% or worse and all at 75% or better." in page
    assert "<code>linear from 60% to 75%</code>" in page
    assert "Pays in full when achieved; otherwise nothing." in page


def test_html_states_each_goal_rule_above_its_indicators() -> None:
    """Each goal's sentence comes before its indicators' rules, in that goal's section."""
    page = html.render(document_for(NORTHSHIRE))
    cma = page[page.index('id="goal-CMA"'):page.index('id="goal-AED"')]
    sentence = "How it pays:</strong> weighted: inpatient 40%, community 30%, early 30%</p>"
    assert sentence in cma
    assert cma.index(sentence) < cma.index("<code>")
    rec = page[page.index('id="goal-REC"'):]
    assert "How it pays:</strong> by period: Q2 50% (plan), Q4 50% (courses)</p>" in rec


def test_html_header_names_the_commissioners_in_order() -> None:
    """The header lists every commissioner line, in order, escaped."""
    document = document_for(NORTHSHIRE)
    document["commissioners"] = ["NHS Northshire CCG", HOSTILE_TEXT]
    page = html.render(document)
    header = page[page.index("<header>"):page.index("</header>")]
    assert f"Commissioned by NHS Northshire CCG · {html.e(HOSTILE_TEXT)}</p>" in header


def test_html_escapes_goal_rules() -> None:
    """A goal sentence is text: markup in it is escaped."""
    document = document_for(NORTHSHIRE)
    document["goals"][0]["rule"] = HOSTILE_TEXT
    page = html.render(document)
    assert f"How it pays:</strong> {html.e(HOSTILE_TEXT)}</p>" in page
    assert "<script" not in page


def test_html_and_markdown_read_documents_without_the_new_keys() -> None:
    """A document written before goal rules and commissioners still renders, without them."""
    document = document_for(NORTHSHIRE)
    del document["commissioners"]
    for goal in document["goals"]:
        del goal["rule"]
    page = html.render(document)
    assert "How it pays" not in page and "Commissioned by" not in page
    assert "How each goal pays" not in markdown.render(document)


def test_markdown_says_how_each_goal_pays() -> None:
    """Below the tables, one line per goal gives its rule in words, pipes escaped."""
    document = document_for(NORTHSHIRE)
    document["goals"][1]["rule"] = "a | b"
    text = markdown.render(document)
    section = text.split("## How each goal pays\n\n", 1)[1]
    assert section.splitlines() == [
        "- **FLU**: paid on uptake",
        "- **CMA**: a \\| b",
        "- **AED**: paid on attendances",
        "- **REC**: by period: Q2 50% (plan), Q4 50% (courses)",
    ]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("pay linear from 60% to 75%",
         "Pays a straight-line share, nothing at 60% or worse and all at 75% or better."),
        ("pay 100% when value >= 90%",
         "Pays in full when the value is 90% or more; otherwise nothing."),
        ("measure number baseline 250 "
         "pay { 100% when value <= baseline * 80%  50% when value < baseline * 90%  0% otherwise }",
         "Pays in full when the value is 80% of the baseline (200) or less; 50% when the value is "
         "below 90% of the baseline (225); otherwise nothing."),
        ("pay { 100% when denominator < 10  linear from 50% to 90% otherwise }",
         "Pays in full when the denominator is below 10 (too few to assess); otherwise a "
         "straight-line share, nothing at 50% or worse and all at 90% or better."),
        ("baseline 60% pay 100% when value >= baseline + 5pp",
         "Pays in full when the value is the baseline plus 5 percentage points (65%) or more; "
         "otherwise nothing."),
        ("lower is better baseline 40% pay linear from baseline to baseline * 85%",
         "Pays a straight-line share, nothing at the baseline (40%) or worse and all at 85% of "
         "the baseline (34%) or better."),
        ("pay 100% when reported",
         "Pays in full when a measurement is reported; otherwise nothing."),
        ("measure evidence pay { 25% when not achieved  0% otherwise }",
         "Pays 25% when not achieved; otherwise nothing."),
        ("minimum denominator 20 pay 100% when value >= 92.125%",
         "Pays in full when the denominator is below 20 (too few to assess); in full when the "
         "value is 92.125% or more; otherwise nothing."),
    ],
)
def test_rule_in_words(body: str, words: str) -> None:
    """Rules read as sentences built from the model's rows (`wording`), never from rule
    text; an implied minimum-denominator row is one of them."""
    text = (
        'scheme "S" {\n  provider "P"\n  year 2018/19\n  cquin value £100\n}\n'
        f'goal G "g" {{\n  domain safety\n  weight 100%\n  indicator x {{ {body} }}\n}}\n'
    )
    scheme, problems = parse(text)
    assert scheme is not None and problems == [], problems
    indicator = scheme.goals[0].items[0]
    assert isinstance(indicator, Indicator)
    assert wording.rule_sentence(wording.rule_rows(indicator)) == words


def test_reports_import_no_regular_expressions() -> None:
    """The reports take rules' words from the document, so no module under reports/ imports
    `re` (the HTML report once rebuilt rule sentences from rule text with it)."""
    folder = Path(html.__file__).parent
    for module in sorted(folder.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert "re" not in imported, module.name


# ---- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["markdown", "csv", "html"])
@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_cli_prints_each_format(folder: Path, output_format: str) -> None:
    """`cquin eval --format F` prints exactly the renderer's output, and exits 0."""
    outcome = CliRunner().invoke(
        main,
        ["eval", str(folder / "rulebook.cquin"), str(folder / "data.csv"), "--format",
         output_format],
    )
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == FORMATS[output_format](document_for(folder))


def test_cli_output_writes_the_file_and_prints_nothing(tmp_path: Path) -> None:
    """`--output x.html` replaces the file whole, leaves no temporary behind, prints nothing."""
    target = tmp_path / "x.html"
    target.write_text("old report", encoding="utf-8")
    outcome = CliRunner().invoke(
        main,
        ["eval", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv"),
         "--format", "html", "--output", str(target)],
    )
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout == ""
    assert target.read_text(encoding="utf-8") == html.render(document_for(NORTHSHIRE))
    assert [path.name for path in tmp_path.iterdir()] == ["x.html"]


def test_cli_output_is_written_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report is written beside the target and renamed over it, never written in place."""
    import os

    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, destination: str) -> None:
        assert Path(source).read_text(encoding="utf-8").endswith("</html>\n")
        renames.append((Path(source).parent.name, Path(destination).name))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "x.html"
    outcome = CliRunner().invoke(
        main,
        ["eval", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv"),
         "--format", "html", "--output", str(target)],
    )
    assert outcome.exit_code == 0, outcome.output
    assert renames == [(tmp_path.name, "x.html")]


@pytest.mark.parametrize("existing", [False, True])
def test_cli_failed_run_writes_nothing(tmp_path: Path, existing: bool) -> None:
    """Bad measurements exit 1 and neither create the report nor touch an existing one."""
    data = tmp_path / "bad.csv"
    data.write_text("goal,indicator,value\nFLU,uptake,0.68\nNOPE,x,1\n", encoding="utf-8")
    target = tmp_path / "x.html"
    if existing:
        target.write_text("last year's report", encoding="utf-8")
    outcome = CliRunner().invoke(
        main,
        ["eval", str(NORTHSHIRE / "rulebook.cquin"), str(data), "--format", "html",
         "--output", str(target)],
    )
    assert outcome.exit_code == 1
    assert outcome.stdout == ""
    names = sorted(path.name for path in tmp_path.iterdir())
    if existing:
        assert names == ["bad.csv", "x.html"]
        assert target.read_text(encoding="utf-8") == "last year's report"
    else:
        assert names == ["bad.csv"]


STAFF_SURVEY = """scheme "Staff survey" {
  year 2018/19
  cquin value £100,000
}

goal STAFF "Two of three survey questions, assessed in Q4" {
  domain experience
  weight 100%
  combine at least 2
  period Q4 100% {
    indicator q1 { pay 100% when value >= 60% }
    indicator q2 { pay 100% when value >= 60% }
    indicator q3 { pay 100% when value >= 60% }
  }
}
"""


def grid_row(page: str, code: str) -> str:
    """The quarterly grid's row for goal `code` in an HTML report."""
    marker = f'<th scope="row"><span class="code">{code}</span>'
    start = page.index(marker)
    return page[page.rindex("<tr>", 0, start):page.index("</tr>", start)]


def test_goal_combine_over_a_period_reads_met_in_grid_and_money() -> None:
    """Issue 10, defect 1: `combine at least 2` on the goal with every question met in
    `period Q4 100%` reads Met in the grid, Met in the goal line, and pays in full; the grid
    never says "Partially Met" beside a goal that pays £0.00."""
    rulebook = loads(STAFF_SURVEY, "staff.cquin")
    assert rulebook.check() == []
    document = rulebook.evaluate(
        {"STAFF.q1 Q4": "65%", "STAFF.q2 Q4": "61%", "STAFF.q3 Q4": "70%"}).to_dict()
    (goal,) = document["goals"]
    assert (goal["status"], goal["earned"], goal["periods"]) == ("met", "100000.00",
                                                                 {"Q4": "met"})
    row = grid_row(html.render(document), "STAFF")
    assert row.count('class="status status-met"') == 1
    assert "Partially Met" not in row
    assert "| STAFF |" in markdown.render(document)
    assert "| £100,000.00 | £100,000.00 | Met |" in markdown.render(document)
    two = rulebook.evaluate(
        {"STAFF.q1 Q4": "65%", "STAFF.q2 Q4": "55%", "STAFF.q3 Q4": "70%"}).to_dict()
    assert (two["goals"][0]["status"], two["goals"][0]["periods"]) == ("met", {"Q4": "met"})
    one = rulebook.evaluate(
        {"STAFF.q1 Q4": "65%", "STAFF.q2 Q4": "55%", "STAFF.q3 Q4": "50%"}).to_dict()
    (missed,) = one["goals"]
    assert (missed["status"], missed["earned"], missed["periods"]) == ("not met", "0.00",
                                                                       {"Q4": "not met"})
    assert "Partially Met" not in grid_row(html.render(one), "STAFF")


# ---- rule words through the real command (issue 10, defect 8) ---------------------------

SMALL_DENOMINATORS = ROOT / "tests" / "conformance" / "05-small-denominators"
IMPLIED_ROW = "Pays in full when the denominator is below 20 (too few to assess); in full when " \
              "the value is 90% or more; otherwise nothing."


def run_cquin(*args: str) -> str:
    """Run the installed `cquin` (beside this Python), or `python -m cquin_rules`."""
    script = Path(sys.executable).parent / "cquin"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cquin_rules"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120,
                          cwd=SMALL_DENOMINATORS)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_minimum_denominator_row_is_in_the_html_and_markdown_sentences() -> None:
    """`cquin eval --format html` and `--format markdown` both say that `minimum denominator
    20` pays in full below 20, as the editor's hover does; the JSON carries that row as data."""
    page = run_cquin("eval", "rulebook.cquin", "data.csv", "--format", "html")
    assert f"<td>{html.e(IMPLIED_ROW)}<br>" in page
    text = run_cquin("eval", "rulebook.cquin", "data.csv", "--format", "markdown")
    assert f"- **SEP.screened**: {IMPLIED_ROW}" in text.splitlines()
    document = json.loads(run_cquin("eval", "rulebook.cquin", "data.csv", "--format", "json"))
    screened = document["goals"][0]["indicators"][0]
    assert screened["rule_sentence"] == IMPLIED_ROW
    assert screened["rule_rows"][0] == {
        "pays": "100%", "condition": "denominator < 20",
        "words": "in full when the denominator is below 20 (too few to assess)",
        "line": 14, "implied": "minimum denominator 20",
    }
    screened_node = load(SMALL_DENOMINATORS / "rulebook.cquin").scheme.goals[0].items[0]
    assert isinstance(screened_node, Indicator)
    assert lsp.rule_in_words(screened_node) == IMPLIED_ROW
