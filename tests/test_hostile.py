"""Hostile input, one class at a time: every one meets a clear diagnostic or a result, an
exit status of 0, 1 or 2, and never a traceback, an internal error or a hang.

The classes are those of issue 7 (and docs/security.md): bytes that are not UTF-8, a
byte order mark, Windows line endings, characters pasted from Word, tabs, NUL bytes,
deep nesting, huge numbers, long names, a 200 MB file, a million-row CSV, duplicate
CSV headers, formulas in CSV cells, hostile workbooks, and markup in the HTML report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.api import diagnose, load, loads
from cquin_rules.base.diagnostics import CquinError, Diagnostic
from cquin_rules.base.limits import ENVIRONMENT, Limits, digit_count
from cquin_rules.cli import main
from cquin_rules.engine.measurements import parse_measurements

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
DATA = (NORTHSHIRE / "data.csv").read_text(encoding="utf-8")
CQUIN = [sys.executable, "-m", "cquin_rules"]


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the command line in-process: its exit status and everything it printed, after
    checking that nothing escaped as a Python exception or an internal error."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.exit_code in (0, 1, 2)
    return result.exit_code, output


@contextmanager
def quickly(seconds: float) -> Iterator[None]:
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"took {elapsed:.1f}s"


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def nested(depth: int) -> str:
    """A clean rulebook whose one indicator sits `depth` parts deep, with a passing example."""
    path = "p." * depth
    return (
        'scheme "S" {\n provider "P"\n commissioner "C"\n year 2018/19\n'
        " contract value £1,000,000\n cquin value 1% of contract\n}\n"
        'goal G "g" {\n domain safety\n weight 100%\n'
        + "part p {\n" * depth
        + "indicator i { measure percent pay 100% when value >= 50% }\n"
        + "}\n" * depth
        + "}\n"
        + f'example "e" {{\n G.{path}i = 60%\n expect total = £10,000\n}}\n'
    )


# ---- bytes and characters ------------------------------------------------------------


def test_bytes_that_are_not_utf8_give_the_byte_offset(tmp_path: Path) -> None:
    """Latin-1 bytes (a `£` saved from an old editor) are E002 naming the byte offset."""
    data = RULEBOOK.encode("utf-8").replace("£120,000,000".encode(), b"\xa3120,000,000")
    offset = data.index(b"\xa3")
    path = tmp_path / "latin1.cquin"
    path.write_bytes(data)
    code, output = invoke("check", str(path))
    assert code == 1
    assert f"E002 the file is not UTF-8 text (byte offset {offset})" in output


def test_measurements_that_are_not_utf8_give_the_byte(tmp_path: Path) -> None:
    """A CSV saved as Windows-1252 is E601 naming the byte, not a traceback."""
    path = tmp_path / "data.csv"
    path.write_bytes(DATA.replace("68%", "68% \u2013 ok").encode("cp1252"))
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"), str(path))
    assert code == 1
    assert "E601 the file is not UTF-8 text (byte" in output


def test_byte_order_mark_and_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    """A rulebook and CSV saved by Windows tools (BOM, CRLF) read exactly as plain ones."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_bytes(b"\xef\xbb\xbf" + RULEBOOK.replace("\n", "\r\n").encode("utf-8"))
    data = tmp_path / "data.csv"
    data.write_bytes(b"\xef\xbb\xbf" + DATA.replace("\n", "\r\n").encode("utf-8"))
    plain_code, plain = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"),
                               str(NORTHSHIRE / "data.csv"), "--format", "json")
    code, windows = invoke("eval", str(rulebook), str(data), "--format", "json")
    assert (code, plain_code) == (0, 0)
    assert json.loads(windows)["earned"] == json.loads(plain)["earned"] == "1700000.00"


def test_tabs_are_whitespace() -> None:
    """Tabs anywhere between words are accepted like spaces."""
    assert diagnose(RULEBOOK.replace("  ", "\t")) == diagnose(RULEBOOK)


@pytest.mark.parametrize(
    ("pasted", "named", "plain"),
    [
        ("\u201c", "left double quotation mark (U+201C)", 'plain double quote (")'),
        ("\u201d", "right double quotation mark (U+201D)", 'plain double quote (")'),
        ("\u00a0", "no-break space (U+00A0)", "plain space"),
    ],
)
def test_characters_pasted_from_word_are_named(pasted: str, named: str, plain: str) -> None:
    """Smart quotes and non-breaking spaces are E002 naming the character and the plain one."""
    text = RULEBOOK.replace('goal FLU "', f"goal FLU {pasted}", 1) if pasted != "\u00a0" else (
        RULEBOOK.replace("weight 20%", "weight\u00a020%", 1))
    found = [d for d in diagnose(text) if d.code == "E002"]
    assert found, diagnose(text)
    assert named in found[0].message
    assert found[0].hint is not None and plain in found[0].hint


def test_nul_bytes_are_e002_in_rulebooks_and_e603_in_measurements() -> None:
    """A NUL byte is named in a rulebook and makes a measurement unreadable, not a crash."""
    found = diagnose(RULEBOOK.replace("weight 20%", "weight\x0020%", 1))
    assert "E002" in codes(found)
    scheme = loads(RULEBOOK).scheme
    measurements, problems = parse_measurements(DATA.replace("68%", "6\x008%"), "d.csv", scheme)
    assert measurements is None and codes(problems) == ["E603"]


# ---- nesting, digits, names ----------------------------------------------------------


def test_ten_thousand_levels_of_parts_are_refused_with_e003() -> None:
    """10,000-deep parts: E003 at the 101st level, quickly, with no RecursionError."""
    text = nested(10_000)
    with quickly(10):
        found = diagnose(text)
    assert codes(found) == ["E003"]
    assert found[0].line == 11 + 100
    assert "nested more than 100 levels" in found[0].message
    assert found[0].hint is not None and "CQUIN_MAX_NESTING" in found[0].hint


def test_the_nesting_limit_can_be_raised_and_deep_rulebooks_work(tmp_path: Path) -> None:
    """Parts 150 deep pass every command once CQUIN_MAX_NESTING allows them."""
    rulebook = tmp_path / "deep.cquin"
    rulebook.write_text(nested(150), encoding="utf-8")
    data = tmp_path / "deep.csv"
    data.write_text("goal,indicator,value\nG," + "p." * 150 + "i,60%\n", encoding="utf-8")
    assert invoke("check", str(rulebook))[0] == 1
    env = {"CQUIN_MAX_NESTING": "200"}
    for command in (["check", str(rulebook)], ["test", str(rulebook)],
                    ["eval", str(rulebook), str(data), "--format", "html"],
                    ["explain", str(rulebook), str(data)],
                    ["schedule", str(rulebook), str(data)],
                    ["fmt", "--check", str(rulebook)]):
        code, output = invoke(*command, env=env)
        assert code in (0, 1) and "E003" not in output, (command, output)
    assert loads(nested(150), limits=Limits(max_nesting=150)).run_examples()[0].passed


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("weight 20%", "weight 9{D}%"),
        ("baseline 250", "baseline {D}"),
        ("£120,000,000", "£{D}"),
        ("£120,000,000", "£{D}k"),
        ("from 60%", "from 0.{D}%"),
        ("140/200", "{D}/{D}"),
        ("= 68%", "= {D}%"),
    ],
)
def test_numbers_with_ten_thousand_digits_are_e003(old: str, new: str) -> None:
    """A 10,000-digit number anywhere in a rulebook is E003 (not Python's int limit)."""
    text = RULEBOOK.replace(old, new.replace("{D}", "9" * 10_000), 1)
    found = diagnose(text)
    assert codes(found) == ["E003"], found
    assert "digits is longer than 100 digits" in found[0].message
    assert found[0].hint is not None and "CQUIN_MAX_DIGITS" in found[0].hint


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("data.csv", DATA.replace("68%", "9" * 10_000 + "%")),
        ("data.csv", DATA.replace("140/200", "1" * 10_000 + "/" + "2" * 10_000)),
        ("data.csv", DATA.replace("AED,attendances,,212", "AED,attendances,,1" + "0" * 9999)),
        ("data.json", '[{"goal": "AED", "indicator": "attendances", "value": 1'
         + "0" * 9999 + "}]"),
        ("data.json", '[{"goal": "AED", "indicator": "attendances", "value": 1e999999999}]'),
        ("data.json", '[{"goal": "AED", "indicator": "attendances", "value": 0.'
         + "1" * 10_000 + "}]"),
    ],
)
def test_measurements_with_ten_thousand_digits_are_e003(name: str, text: str) -> None:
    """Huge numbers in CSV or JSON (even `1e999999999`) are E003, at once, never computed."""
    scheme = loads(RULEBOOK).scheme
    with quickly(5):
        measurements, found = parse_measurements(text, name, scheme)
    assert measurements is None
    assert codes(found) == ["E003"], found


def test_digit_count_never_turns_a_huge_number_into_text() -> None:
    """Digits are counted from the number's size: 10**100000 and Decimal('1e999999999')."""
    from decimal import Decimal

    assert digit_count(10**100_000) in (100_001, 100_002)
    assert digit_count(Decimal("1e999999999")) == 1_000_000_000
    assert digit_count("£1,234.56") == 6


def test_long_names_are_e003() -> None:
    """A goal code of 100,000 letters is E003 naming the identifier limit."""
    found = diagnose(RULEBOOK.replace("goal FLU", "goal F" + "L" * 100_000, 1))
    assert codes(found) == ["E003"]
    assert "a name of 100,001 characters" in found[0].message


# ---- size ------------------------------------------------------------------------------


def test_a_200_mb_rulebook_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A 200 MB file is E003 in well under a second through the CLI and the API."""
    path = tmp_path / "huge.cquin"
    with path.open("wb") as stream:
        stream.write(RULEBOOK.encode("utf-8"))
        stream.truncate(200 * 2**20)
    with quickly(3):
        code, output = invoke("check", str(path))
    assert code == 1
    assert "E003 the file is 209,715,200 bytes, larger than 10,000,000 bytes" in output
    assert "CQUIN_MAX_FILE_SIZE" in output
    with quickly(3), pytest.raises(CquinError) as raised:
        load(path)
    assert codes(raised.value.diagnostics) == ["E003"]


def test_a_huge_text_is_refused_by_the_api() -> None:
    """loads() of 20 MB of text is E003 unless the caller raises the limit."""
    text = RULEBOOK + "#" * 20_000_000
    with quickly(3), pytest.raises(CquinError) as raised:
        loads(text)
    assert codes(raised.value.diagnostics) == ["E003"]
    assert loads(text, limits=Limits(max_file_size=30_000_000)).scheme.goals


def test_a_million_row_csv_is_refused_quickly(tmp_path: Path) -> None:
    """A million rows: refused by size; with the size raised, by the row limit."""
    path = tmp_path / "million.csv"
    path.write_text("goal,indicator,period,value\n" + "FLU,uptake,,68%\n" * 1_000_000,
                    encoding="utf-8")
    rulebook = str(NORTHSHIRE / "rulebook.cquin")
    with quickly(3):
        code, output = invoke("eval", rulebook, str(path))
    assert code == 1 and "E003 the file is 16,000,028 bytes" in output
    with quickly(10):
        code, output = invoke("eval", rulebook, str(path),
                              env={"CQUIN_MAX_FILE_SIZE": "20000000", "CQUIN_MAX_ROWS": "1000"})
    assert code == 1
    assert "E003 the file has more than 1,000 measurements" in output
    assert "CQUIN_MAX_ROWS" in output


def test_limits_from_the_environment_are_checked() -> None:
    """A limit variable that is not a positive whole number is a usage error (exit 2)."""
    assert Limits.from_environment({"CQUIN_MAX_FILE_SIZE": "20_000_000"}).max_file_size == (
        20_000_000)
    assert set(ENVIRONMENT) == {"max_file_size", "max_nesting", "max_digits",
                                "max_name_length", "max_rows", "max_cells", "max_scenarios",
                                "max_message_size"}
    for bad in ("abc", "0", "-5", "1.5"):
        code, output = invoke("check", str(NORTHSHIRE / "rulebook.cquin"),
                              env={"CQUIN_MAX_DIGITS": bad})
        assert code == 2 and "CQUIN_MAX_DIGITS must be a whole number" in output
    with pytest.raises(ValueError, match="Python's own limit"):
        Limits(max_digits=1_000_000)


# ---- CSV -------------------------------------------------------------------------------


def test_duplicate_csv_headers_are_e602() -> None:
    """A header naming `value` twice is E602, not a silently ignored column."""
    scheme = loads(RULEBOOK).scheme
    text = DATA.replace("goal,indicator,period,value", "goal,indicator,value,value")
    measurements, found = parse_measurements(text, "d.csv", scheme)
    assert measurements is None
    assert any(d.code == "E602" and "'value' is given twice" in d.message for d in found)


@pytest.mark.parametrize("formula", ["=SUM(A1:A2)", "=1+1", "@SUM(A1)", '=HYPERLINK("x")'])
def test_formulas_in_csv_cells_are_text_rejected_as_values(formula: str) -> None:
    """A formula is never evaluated: it is E603, a formula and not a value."""
    scheme = loads(RULEBOOK).scheme
    text = DATA.replace("68%", f'"{formula}"')
    measurements, found = parse_measurements(text, "d.csv", scheme)
    assert measurements is None
    assert codes(found) == ["E603"] and "spreadsheet formula" in found[0].message


def test_a_csv_cell_too_long_for_the_csv_module_is_e601(tmp_path: Path) -> None:
    """A 200,000-character cell is E601 (Python's csv field limit), not csv.Error."""
    path = tmp_path / "data.csv"
    path.write_text(DATA.replace("68%", '"' + "x" * 200_000 + '"'), encoding="utf-8")
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"), str(path))
    assert code == 1 and "E601 this is not valid CSV: a cell is longer than" in output


def test_deeply_nested_json_is_e601() -> None:
    """100,000 opening brackets are E601, not a RecursionError from the JSON decoder."""
    scheme = loads(RULEBOOK).scheme
    measurements, found = parse_measurements('[{"goal": ' + "[" * 100_000, "d.json", scheme)
    assert measurements is None and codes(found) == ["E601"]


def test_a_long_json_file_reads_in_linear_time() -> None:
    """50,000 JSON rows (each reported) are read in seconds: line numbers are not recounted."""
    scheme = loads(RULEBOOK).scheme
    row = '{"goal": "FLU", "indicator": "uptake", "value": "68%"},\n'
    with quickly(10):
        measurements, found = parse_measurements("[" + row * 50_000 + "{}]", "d.json", scheme)
    assert measurements is None
    assert found[-2].code == "E609" and found[-2].line == 50_000


# ---- workbooks ---------------------------------------------------------------------------


def _workbook_with(tmp_path: Path, member: str, data: bytes) -> Path:
    """The Northshire workbook with one member of its zip replaced by `data`."""
    exported = tmp_path / "northshire.xlsx"
    assert invoke("export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(exported))[0] == 0
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(exported) as source, zipfile.ZipFile(hostile, "w") as target:
        assert member in source.namelist()
        for entry in source.infolist():
            target.writestr(entry, data if entry.filename == member else source.read(entry))
    return hostile


def test_a_zip_bomb_workbook_is_refused(tmp_path: Path) -> None:
    """A workbook that unpacks to 200 MB is E003 before openpyxl opens it."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 2**20))
    assert path.stat().st_size < 1_000_000
    with quickly(10):
        code, output = invoke("import-xlsx", str(path), str(tmp_path / "out.cquin"))
    assert code == 1 and "E003 the workbook unpacks to" in output
    assert not (tmp_path / "out.cquin").exists()


def test_an_xml_entity_bomb_in_a_workbook_is_refused(tmp_path: Path) -> None:
    """A billion-laughs worksheet is refused (exit 2) without hanging."""
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
        for i in range(9)
    ) + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' \
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>' \
        b"</sheetData></worksheet>"
    path = _workbook_with(tmp_path, "xl/worksheets/sheet1.xml", laughs)
    with quickly(20):
        code, _ = invoke("import-xlsx", str(path), str(tmp_path / "out.cquin"))
    assert code in (1, 2)
    assert not (tmp_path / "out.cquin").exists()


def test_bytes_that_are_not_a_workbook_exit_2(tmp_path: Path) -> None:
    """A CSV renamed .xlsx, and a truncated workbook, are refused plainly (exit 2)."""
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_text(DATA, encoding="utf-8")
    exported = tmp_path / "whole.xlsx"
    invoke("export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(exported))
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(exported.read_bytes()[:2000])
    for path in (renamed, truncated):
        code, output = invoke("import-xlsx", str(path), str(tmp_path / "out.cquin"))
        assert code == 2 and "not an Excel workbook" in output


def test_a_control_character_that_a_spreadsheet_cannot_hold_is_named(tmp_path: Path) -> None:
    """A text with U+001F (legal in a rulebook) exports nothing: exit 1, naming it."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_text(RULEBOOK.replace('"NHS Northshire CCG"', '"\x1fNHS Northshire CCG"'),
                        encoding="utf-8")
    code, output = invoke("export-xlsx", str(rulebook), str(tmp_path / "out.xlsx"))
    assert code == 1 and "a control character (U+001F)" in output
    assert not (tmp_path / "out.xlsx").exists()


def test_exported_workbooks_keep_no_clock_time(tmp_path: Path) -> None:
    """The workbook's properties and zip entries carry a fixed time, not the clock's."""
    path = tmp_path / "northshire.xlsx"
    invoke("export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(path))
    with zipfile.ZipFile(path) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2


# ---- nothing executed --------------------------------------------------------------------


#: The one reviewed exec: engine/earned_code.py compiles the integer code it writes for a
#: scheme (as attrs writes __init__); tests/test_generated_code.py pins what that code holds.
GENERATED_CODE_EXEC = ("earned_code.py", "    exec(compile(source, ")


def test_no_module_evaluates_or_unpickles_what_it_reads() -> None:
    """No eval, exec, pickle, marshal or shell in the package's source, but the one
    reviewed exec of generated code."""
    forbidden = ("eval(", "exec(", "pickle", "marshal", "shell=True", "os.system", "__import__")
    for path in (ROOT / "cquin_rules").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in forbidden:
            for line in text.splitlines():
                if (path.name, line[:len(GENERATED_CODE_EXEC[1])]) == GENERATED_CODE_EXEC:
                    continue
                if word in line and ".literal_eval(" not in line:
                    stripped = line.strip()
                    assert stripped.startswith(("#", '"', "'")) or f"_{word}" in line, (
                        path.name, line)


PAYLOAD = "<img src=x onerror=\\\"document.body.dataset.pwned=1\\\">" \
    "<script>document.body.dataset.pwned=2</script>"


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium installed")
def test_every_rulebook_string_is_escaped_in_the_html_report(tmp_path: Path) -> None:
    """Markup in every title, name and text of a rulebook shows as text in a real browser:
    `cquin eval --format html` output, opened in headless chromium, runs none of it."""
    text = RULEBOOK
    for old in ('"Northshire Health and Care CQUIN 2018/19"',
                '"Northshire Health and Care NHS Trust"', '"NHS Northshire CCG"',
                '"Improving the uptake of flu vaccinations by frontline clinical staff"',
                '"Frontline clinical staff vaccinated"', '"Staff flu vaccination return"',
                '"Co-produced curriculum agreed"'):
        assert old in text
        text = text.replace(old, f'"{PAYLOAD}"')
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_text(text, encoding="utf-8")
    page = tmp_path / "report.html"
    code, _ = invoke("eval", str(rulebook), str(NORTHSHIRE / "data.csv"), "--format", "html",
                     "--output", str(page))
    assert code == 0
    run = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert "data-pwned" not in dom
    assert "<script>document" not in dom and "<img src" not in dom
    shown = "&lt;script&gt;document.body.dataset.pwned=2&lt;/script&gt;"
    assert dom.count(shown) >= 4


def test_the_module_runs_as_a_program() -> None:
    """`python -m cquin_rules` exists, so the subprocess tests run the real command line."""
    run = subprocess.run([*CQUIN, "check", str(NORTHSHIRE / "rulebook.cquin")],
                         capture_output=True, text=True, timeout=60, check=False,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    assert run.returncode == 0, run.stderr
    assert run.stderr.endswith("0 errors, 0 warnings\n")
