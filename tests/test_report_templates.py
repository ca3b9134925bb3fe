"""The reports as the reference promises them (issue 13): drawn from Jinja2 templates that
escape everything, shipped inside the package, showing the rulebook's metadata, the return's
notes, attainment as a percent and the national, local and commissioner shares everywhere;
and, on a terminal, a table that wraps instead of cutting.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jinja2 import StrictUndefined, UndefinedError
from test_reports import HOSTILE_TEXT, NORTHSHIRE, hostile_document

from cquin_rules.api import load, loads
from cquin_rules.cli import main
from cquin_rules.reports import csv_report, html, markdown, table, terminal
from cquin_rules.reports.templating import html_environment, markdown_environment

ROOT = Path(__file__).resolve().parent.parent
MENTAL_HEALTH = ROOT / "rulebooks" / "mental-health-trust-2018-19"
CCG = ROOT / "rulebooks" / "ccg-and-specialised-2018-19"


def document_of(folder: Path, data: str | Path | None = None) -> dict[str, Any]:
    return load(folder / "rulebook.cquin").evaluate(data or folder / "data.csv").to_dict()


# ---- the templates --------------------------------------------------------------------------


def test_environments_escape_and_refuse_unknown_names() -> None:
    """HTML autoescaping is on, both environments are strict about undefined names, and
    each is built once."""
    environment = html_environment()
    assert environment is html_environment()
    assert environment.undefined is StrictUndefined
    assert markdown_environment().undefined is StrictUndefined
    page = environment.from_string("<p>{{ x }}</p>").render(x=HOSTILE_TEXT)
    assert page == f"<p>{html.e(HOSTILE_TEXT)}</p>"
    assert "&quot;quoted&quot;" in page  # the same bytes as html.escape, as before
    text = markdown_environment().from_string("| {{ x }} |").render(x=HOSTILE_TEXT)
    assert text == "| &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quoted\" \\| piped |"
    with pytest.raises(UndefinedError):
        environment.from_string("{{ missing }}").render()


def test_reports_keep_no_markup_in_python() -> None:
    """The HTML module builds no tags: the layout is the template's (issue 13 counted 39
    f-strings of markup in reports/html.py)."""
    source = Path(html.__file__).read_text(encoding="utf-8")
    assert "<td" not in source and "<tr" not in source and "<svg" not in source
    markdown_source = Path(markdown.__file__).read_text(encoding="utf-8")
    assert "## How each" not in markdown_source


@pytest.mark.parametrize("name", ["report.html", "report.md", "report.css"])
def test_templates_are_package_resources(name: str) -> None:
    """The templates are found through importlib.resources, as an installed wheel finds them."""
    from importlib.resources import files

    assert files("cquin_rules.reports").joinpath("templates", name).is_file()


def test_wheel_ships_the_templates_and_a_plain_install_renders(tmp_path: Path) -> None:
    """A wheel built from the project holds the templates, and the package unpacked from it
    (not this checkout) renders HTML and Markdown reports."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False)
    if built.returncode != 0 and "hatchling" in built.stderr:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
             str(tmp_path / "dist"), str(ROOT)],
            capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("cquin_rules-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"cquin_rules/reports/templates/report.html",
                "cquin_rules/reports/templates/report.md",
                "cquin_rules/reports/templates/report.css"} <= names
        archive.extractall(tmp_path / "installed")
    script = (
        "import cquin_rules, sys\n"
        "from cquin_rules.reports import html, markdown\n"
        "assert cquin_rules.__file__.startswith(sys.argv[1]), cquin_rules.__file__\n"
        "book = cquin_rules.load(sys.argv[2])\n"
        "document = book.evaluate(sys.argv[3]).to_dict()\n"
        "print(html.render(document)[:15], markdown.render(document)[:2])\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(tmp_path / "installed")}
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "installed"),
         str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=environment, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == "<!DOCTYPE html> # \n"


# ---- what the reference promises to show --------------------------------------------------


def test_document_carries_metadata_and_subtotal_percents() -> None:
    """Goals carry lead, rationale and negotiation status; indicators their title, definition
    and published source; `earned_percents` the national, local and commissioner shares."""
    document = document_of(MENTAL_HEALTH)
    flu = document["goals"][0]
    assert (flu["lead"], flu["negotiation_status"]) == ("Director of Workforce", "purple")
    assert flu["rationale"].startswith("2018/19 goal")
    uptake = flu["indicators"][0]
    assert uptake["title"].startswith("Frontline clinical staff vaccinated")
    assert uptake["data_source"] == "ImmForm staff flu vaccination return"
    assert "note" not in uptake
    for key in ("national", "local"):
        assert document["earned_percents"][key] == _percent(document[key])
        assert set(document[key]) == {"available", "earned"}  # section 12's shape, kept
    assert "by_commissioner" not in document["earned_percents"]
    ccg = document_of(CCG)
    assert ccg["earned_percents"]["by_commissioner"] == {
        part["name"]: _percent(part) for part in ccg["by_commissioner"]}
    assert list(ccg["earned_percents"]["by_commissioner"].values()) == ["66.5", "70.0"]


def _percent(part: dict[str, str]) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    share = Decimal(part["earned"]) / Decimal(part["available"]) * 100
    return str(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


NOTED = "goal,indicator,period,value,note\nFLU,uptake,,68%,<b>year</b> to date | draft\n"


def test_measurement_notes_reach_every_report(tmp_path: Path) -> None:
    """A `note` cell is kept with its value (never read as one) and shown beside it in the
    JSON, CSV, Markdown, HTML and terminal reports, escaped for each."""
    data = tmp_path / "noted.csv"
    data.write_text(NOTED + "CMA,inpatient,,92%,\n", encoding="utf-8")
    book = load(NORTHSHIRE / "rulebook.cquin")
    result = book.evaluate(data)
    document = result.to_dict()
    uptake = document["goals"][0]["indicators"][0]
    assert uptake["note"] == "<b>year</b> to date | draft"
    assert "note" not in document["goals"][1]["indicators"][0]
    assert document["earned"] == book.evaluate(
        {"FLU.uptake": "68%", "CMA.inpatient": "92%"}).to_dict()["earned"]
    page = html.render(document)
    assert ("<td>68%<p class=\"measurement-note\">Note: &lt;b&gt;year&lt;/b&gt; to date | "
            "draft</p></td>") in page
    assert "<b>year" not in page
    text = markdown.render(document)
    assert "68% (note: &lt;b&gt;year&lt;/b&gt; to date \\| draft)" in text
    rows = list(csv.DictReader(io.StringIO(csv_report.render(document))))
    assert next(r for r in rows if r["indicator"] == "uptake")["note"] == uptake["note"]
    assert "(note: <b>year</b> to date | draft)" in _plain(terminal.render(document, 200))


def test_terminal_table_names_leads_and_negotiation_status() -> None:
    """On a terminal each goal's lead and negotiation status are under its title."""
    drawn = _plain(terminal.render(document_of(MENTAL_HEALTH), width=160, colour=False))
    assert ("lead: Director of Workforce · negotiation status: purple (national, mandatory)"
            in drawn)


def test_json_measurements_carry_notes(tmp_path: Path) -> None:
    """A JSON return's `note` key is kept the same way."""
    data = tmp_path / "noted.json"
    data.write_text(json.dumps([{"goal": "FLU", "indicator": "uptake", "value": "68%",
                                 "note": "  provisional\n figure "}]), encoding="utf-8")
    document = document_of(NORTHSHIRE, data)
    assert document["goals"][0]["indicators"][0]["note"] == "provisional figure"


def test_html_shows_lead_status_rationale_definition_and_source() -> None:
    """Each goal's lead, negotiation status (colour and meaning) and rationale, and each
    indicator's title with its code beside, definition and published source are on the page."""
    document = document_of(MENTAL_HEALTH)
    page = html.render(document)
    flu = page[page.index('id="goal-FLU"'):page.index('id="goal-CMA"')]
    assert '<span class="lead">Director of Workforce</span>' in flu
    assert ('<span class="negotiation negotiation-purple">purple (national, mandatory)</span>'
            in flu)
    assert "<strong>Why:</strong> 2018/19 goal: an uptake of 75%" in flu
    assert '<span class="code">uptake</span>' in flu
    assert "<strong>Source:</strong> ImmForm staff flu vaccination return" in flu
    assert "negotiation-amber" in page[page.index('id="goal-REPAT"'):]
    assert "<strong>Definition:</strong> Report showing positive outcomes" in page


def test_attainment_is_a_percent_everywhere_people_read() -> None:
    """HTML and Markdown give attainment as a percent (`62%`, `53.3%`), never six decimals."""
    document = document_of(NORTHSHIRE)
    page, text = html.render(document), markdown.render(document)
    assert "(attainment 53.3%)" in page and "(attainment 53.3%)" in text
    assert "<td>53.3%</td>" in page
    for report in (page, text):
        assert "0.533333" not in report and "1.000000" not in report


def test_chart_labels_are_titles_with_codes_beside() -> None:
    """The bar chart names each goal by its title, with the code beside it."""
    document = document_of(NORTHSHIRE)
    chart = html.render(document).split('<section id="chart">')[1].split("</section>")[0]
    for goal in document["goals"]:
        assert f'{html.e(goal["title"])} <tspan class="code">{goal["code"]}</tspan>' in chart


def test_national_local_and_commissioner_percent_in_every_format() -> None:
    """The national, local and commissioner earned % appear in the table, Markdown, HTML,
    CSV and JSON."""
    document = document_of(CCG)
    shares = [("National", "71.3"), ("Local", "62.5"), ("NHS Northvale CCG", "66.5"),
              ("NHS England Specialised Commissioning", "70.0")]
    plain_table = table.render(document)
    text = markdown.render(document)
    page = html.render(document)
    rows = {row["kind"] + row["title"]: row
            for row in csv.DictReader(io.StringIO(csv_report.render(document)))}
    for label, share in shares:
        assert any(line.startswith(label) and line.endswith(f"{share}% earned")
                   for line in plain_table.splitlines()), label
        assert any(line.startswith(f"| {label} |") and line.endswith(f"| {share}% |")
                   for line in text.splitlines()), label
        assert f"<th scope=\"row\">{label}</th>" in page
        assert f"<td>{share}%</td>" in page
        key = label.lower() if label in ("National", "Local") else "commissioner" + label
        assert rows[key]["earned_percent"] == share
    assert document["earned_percents"]["national"] == "71.3"


def test_commissioner_subtotals_add_up_in_html() -> None:
    """Where goals name their commissioner, the HTML gives a subtotal line per commissioner
    and says the lines add up to the total."""
    page = html.render(document_of(CCG))
    assert page.count('<tr class="commissioner">') == 2
    assert "the commissioner lines add up to the total" in page


def test_hostile_metadata_is_escaped() -> None:
    """A lead, rationale and note written to break the page show as text."""
    document = hostile_document()
    document["goals"][0].update(lead=HOSTILE_TEXT, rationale=HOSTILE_TEXT,
                                negotiation_status="red")
    document["goals"][0]["indicators"][0].update(note=HOSTILE_TEXT, definition=HOSTILE_TEXT)
    page = html.render(document)
    assert "<script" not in page
    assert page.count(html.e(HOSTILE_TEXT)) >= 8
    text = markdown.render(document)
    assert "<script" not in text and "Lead: &lt;script&gt;" in text


# ---- the terminal ---------------------------------------------------------------------------

LONG_TITLE = ("Reducing the impact of serious infections through timely identification and "
              "treatment of sepsis in emergency departments and acute inpatient settings")


def _plain(text: str) -> str:
    """Terminal text without colour codes, lines joined, spaces squeezed (for wrapped text)."""
    import re

    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", text).split())


def _whole(title: str, shown: str) -> bool:
    """Whether every word of `title` is in `shown`, in order (wrapped lines put other
    columns' cells between the title's lines)."""
    words = iter(_plain(shown).split())
    return all(any(word == found for found in words) for word in title.split())


def _long_title_document() -> dict[str, Any]:
    source = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8").replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"',
        f'"{LONG_TITLE}"')
    return loads(source, "long.cquin").evaluate(NORTHSHIRE / "data.csv").to_dict()


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_table_wraps_long_titles_to_the_window(width: int) -> None:
    """On a terminal the table fits the window and the whole title is there, wrapped; the
    plain table (piped) still cuts it at 44 characters, as before."""
    document = _long_title_document()
    drawn = terminal.render(document, width=width, colour=False)
    assert max(len(line) for line in drawn.splitlines()) <= width
    assert _whole(LONG_TITLE, drawn)
    assert "…" not in drawn
    assert LONG_TITLE[:43] + "…" in table.render(document)


def test_eval_piped_prints_the_plain_table() -> None:
    """Piped (not a terminal), `cquin eval` prints exactly the plain table: no colour codes,
    no box drawing, stable for scripts."""
    outcome = CliRunner().invoke(main, ["eval", str(NORTHSHIRE / "rulebook.cquin"),
                                        str(NORTHSHIRE / "data.csv")])
    assert outcome.exit_code == 0
    assert outcome.stdout == table.render(document_of(NORTHSHIRE))
    assert "\x1b[" not in outcome.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_eval_on_a_terminal_wraps_and_colours(tmp_path: Path) -> None:
    """Run in a pseudo-terminal 90 columns wide, `cquin eval` draws the rich table: the
    long title whole (wrapped), statuses coloured, no line wider than the window."""
    import pty

    rulebook = tmp_path / "long.cquin"
    rulebook.write_text((NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8").replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"',
        f'"{LONG_TITLE}"'), encoding="utf-8")
    leader, follower = pty.openpty()
    environment = {**os.environ, "COLUMNS": "90", "LINES": "50", "TERM": "xterm"}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cquin_rules", "eval", str(rulebook),
         str(NORTHSHIRE / "data.csv")],
        stdin=follower, stdout=follower, stderr=follower, env=environment, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    shown = b"".join(chunks).decode("utf-8")
    assert "\x1b[" in shown
    assert _whole(LONG_TITLE, shown)
    import re

    lines = re.sub(r"\x1b\[[0-9;]*m", "", shown).replace("\r", "").splitlines()
    assert max(len(line) for line in lines) <= 90


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_only_for_long_runs() -> None:
    """The forecast's progress callback draws a bar on a terminal when the run looks long,
    and writes nothing when piped or when the run is short."""
    on_terminal = FakeTerminal()
    update, close = terminal.progress_callback(1000, on_terminal, lambda done: True)
    for done in (100, 500, 1000):
        update(done)
    close()
    assert "scenarios" in on_terminal.getvalue()
    for stream, long_run in ((io.StringIO(), True), (FakeTerminal(), False)):
        update, close = terminal.progress_callback(1000, stream, lambda done, s=long_run: s)
        for done in (100, 1000):
            update(done)
        close()
        assert stream.getvalue() == ""


def test_returns_workbook_notes_are_kept(tmp_path: Path) -> None:
    """The Note a provider types in the data-return workbook reaches the reports, like a
    CSV's note column."""
    import openpyxl

    from cquin_rules.tools.spreadsheet import returns_workbook, workbook_bytes

    book = load(NORTHSHIRE / "rulebook.cquin")
    path = tmp_path / "returns.xlsx"
    path.write_bytes(workbook_bytes(returns_workbook(book.scheme)))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Returns"]
    titles = {cell.value: cell.column for cell in sheet[1]}
    row = next(r[0].row for r in sheet.iter_rows(min_row=2)
               if (r[0].value, r[1].value) == ("FLU", "uptake"))
    sheet.cell(row, titles["Value"], "68%")
    sheet.cell(row, titles["Note"], "provisional:\nImmForm not yet closed")
    workbook.save(path)
    document = book.evaluate(path).to_dict()
    uptake = document["goals"][0]["indicators"][0]
    assert (uptake["measured"], uptake["note"]) == ("68%", "provisional: ImmForm not yet closed")
