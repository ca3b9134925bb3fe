"""The HTML report in a real headless browser (Debian's chromium): it renders, cleanly.

Each page is opened from a file (as a reader would open a mailed report): the screenshot
must be a real picture, the rendered DOM must show the totals, and the browser's console
must stay silent (no script errors, no blocked fetches). Skipped only where no chromium
is installed.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from test_reports import FOLDERS, HOSTILE_TEXT, IDS, NORTHSHIRE, expected_totals, hostile_document

from cquin_rules.api import load
from cquin_rules.reports import html
from cquin_rules.reports.table import pounds


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium browser installed (apt-get install chromium)"
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
)
WIDTH, HEIGHT = 1200, 2000


def chromium(page: Path, profile: Path, *extra: str) -> tuple[str, list[str]]:
    """Open `page`; return stdout and the browser's console lines (messages from the page)."""
    assert CHROMIUM is not None
    run = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return run.stdout, console


def png_facts(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the decoded image data."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels))


def write_page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "report.html"
    page.write_text(text, encoding="utf-8")
    return page


def test_console_errors_are_seen(tmp_path: Path) -> None:
    """The console check can fail: a page that throws is caught (so silence means something)."""
    page = write_page(
        tmp_path,
        "<!DOCTYPE html><p>hi</p><script>throw new Error('boom')</script>",
    )
    _, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert any("Uncaught Error: boom" in line for line in console), console


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_page_renders_totals_without_console_errors(folder: Path, tmp_path: Path) -> None:
    """Chromium shows the page's totals in the rendered DOM and logs nothing to the console."""
    document = load(folder / "rulebook.cquin").evaluate(folder / "data.csv").to_dict()
    page = write_page(tmp_path, html.render(document))
    dom, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    totals = expected_totals(folder)
    assert re.search(rf'id="earned">\s*{re.escape(pounds(totals["earned"]))}\s*<', dom)
    assert pounds(document["cquin_value"]) in dom
    for key in ("national", "local"):
        assert f"<td>{pounds(totals[key])}</td>" in dom
    assert dom.count('class="bar-earned"') == len(document["goals"]) + 1


def test_screenshot_is_a_real_picture(tmp_path: Path) -> None:
    """A screenshot of the Northshire page is a full-size PNG with a picture in it, not blank."""
    document = load(NORTHSHIRE / "rulebook.cquin").evaluate(NORTHSHIRE / "data.csv").to_dict()
    page = write_page(tmp_path, html.render(document))
    shot = tmp_path / "report.png"
    _, console = chromium(
        page, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}"
    )
    assert console == []
    assert shot.stat().st_size > 20_000
    width, height, distinct = png_facts(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    assert distinct > 50


def test_hostile_title_shows_as_text_in_the_browser(tmp_path: Path) -> None:
    """A goal titled `<script>alert(1)</script>` is shown as text: no script element, no run."""
    page = write_page(tmp_path, html.render(hostile_document()))
    dom, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    assert "<script" not in dom
    assert html.e(HOSTILE_TEXT).replace("&quot;", '"') in dom


def test_status_page_renders_with_its_totals_and_a_hostile_lead_as_text(tmp_path: Path
                                                                        ) -> None:
    """The negotiation page (`cquin status --format html`) renders each goal and the money
    by colour, logs nothing, and shows a lead written as a script tag as text."""
    from attrs import evolve

    from cquin_rules.reports.status import render_status
    from cquin_rules.semantics.money import pounds as in_pounds

    rulebook = load(NORTHSHIRE.parent / "acute-trust-2019-20" / "rulebook.cquin")
    scheme = rulebook.scheme
    goals = (evolve(scheme.goals[0], lead=HOSTILE_TEXT), *scheme.goals[1:])
    page = write_page(tmp_path, render_status(evolve(scheme, goals=goals), "html"))
    dom, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    assert "<script" not in dom
    assert html.e(HOSTILE_TEXT).replace("&quot;", '"') in dom
    for goal in scheme.goals:
        assert f"<td>{goal.code}</td>" in dom
    for _, _, amount in rulebook.negotiation().totals():
        assert in_pounds(amount) in dom


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_contract_schedule_shows_every_goal_without_console_errors(
    folder: Path, tmp_path: Path
) -> None:
    """`cquin document --format html`: every goal's section and money is in the rendered
    DOM, and the console stays silent."""
    from cquin_rules.semantics.compile import compile_scheme
    from cquin_rules.semantics.money import pounds as money_pounds
    from cquin_rules.tools.contract_schedule_render import to_html

    book = load(folder / "rulebook.cquin")
    page = write_page(tmp_path, to_html(book.contract_schedule()))
    dom, console = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    for goal in compile_scheme(book.evaluated_scheme()).goals:
        assert f'id="goal-{goal.code}"' in dom
        assert money_pounds(goal.available) in dom
