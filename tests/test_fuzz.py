"""Fuzzing: mutated rulebooks, framework files, measurements (CSV and JSON) and workbooks
fed to the API and to every command. The only outcomes allowed are a result or
diagnostics, an exit status of 0, 1 or 2, never a traceback, never "internal error"
(the CLI's word for a bug it caught), never a hang.

The mutations start from every shipped file and splice in what arrives by email: Word's
quotes and spaces, NUL, tabs, CRLF, byte order marks, braces, 5,000-digit numbers,
formulas, bytes that are not UTF-8. The default profile runs ~50 cases a test (about a
minute in all); HYPOTHESIS_PROFILE=thorough runs 1,000 (docs/security.md records the
last thorough run). The atheris harnesses in fuzz/ do the same without a budget.
"""

from __future__ import annotations

import io
import json
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cquin_rules.api import diagnose, loads
from cquin_rules.base.diagnostics import CquinError, Diagnostic, has_errors
from cquin_rules.cli import main
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import parse_measurements
from cquin_rules.frameworks.parse import parse_framework
from cquin_rules.reports import render
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.parser import decode

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK_FILES = sorted(ROOT.glob("rulebooks/*/rulebook.cquin")) + sorted(
    ROOT.glob("tests/conformance/*/rulebook.cquin"))
RULEBOOKS = [path.read_text(encoding="utf-8") for path in RULEBOOK_FILES]
FRAMEWORKS = [path.read_text(encoding="utf-8") for path in sorted([
    *ROOT.glob("cquin_rules/builtin_frameworks/*.cquin"),
    *ROOT.glob("rulebooks/*/framework.cquin"),
])]
CSV_FILES_BY_NAME = {path.parent.name: path.read_text(encoding="utf-8")
                     for path in sorted(ROOT.glob("rulebooks/*/data.csv"))}
CSV_FILES = [CSV_FILES_BY_NAME["northshire-2018-19"]]
NORTHSHIRE_TEXT = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
NORTHSHIRE_SCHEME = loads(NORTHSHIRE_TEXT).scheme
CODES = {"E", "W"}

#: Pieces that arrive in real files, spliced into the seeds.
HOSTILE = [
    "{", "}", '"', "%", "£", "#", ",", "/", "-", ".", "\n", "\r\n", "\t", "\x00", "\ufeff",
    "\u201c", "\u201d", "\u2018", "\u2019", "\u00a0", "\u202f", "\u2013", "\u200b", "\U0001f600",
    "9" * 50, "9" * 5000, "0." + "1" * 200, "1_000", "£1.5m", "£250k", "5pp", "62.5 %",
    "part p {", 'goal X "x" {', 'indicator i "t" {', "period Q2 50% {", "combine minimum",
    "pay linear from 60% to 75%", "pay 100% when value >= 90%", "0% otherwise", "baseline",
    "baseline * 80%", "when denominator < 30", "measure evidence", "expect total = £1",
    "=SUM(A1:A2)", "@A1", "NaN", "Infinity", "1e999999999", "[", "]", ":", "null", "true",
    "<script>alert(1)</script>", "FLU,uptake,,68%", "\\", "\\\"",
]


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, if the block runs longer than `seconds`."""

    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"no answer within {seconds}s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    """One of `seeds` after one to six deletions, insertions and duplications."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "insert", "duplicate", "text"]))
        if kind == "delete":
            text = text[:where] + text[where + draw(st.integers(1, 40)):]
        elif kind == "insert":
            text = text[:where] + draw(st.sampled_from(HOSTILE)) + text[where:]
        elif kind == "duplicate":
            piece = text[where:where + draw(st.integers(1, 200))]
            text = text[:where] + piece * draw(st.integers(1, 3)) + text[where:]
        else:
            text = text[:where] + draw(st.text(max_size=12)) + text[where:]
    return text


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[str]) -> bytes:
    """A mutated text encoded, then with raw bytes (often not UTF-8) spliced in."""
    data = draw(mutated(seeds)).encode("utf-8", errors="surrogatepass")
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(data)))
        data = data[:where] + draw(st.binary(min_size=1, max_size=4)) + data[where:]
    return data


#: Values as they are written in measurement files, good and bad.
VALUES = ["68%", "140/200", "212", "achieved", "not achieved", "yes", "no", "0.68", "100%",
          "0%", "101%", "-1", "0/0", "201/200", "12.5", "1,000", " 68 % ", ""]


@st.composite
def measurement_cells(draw: st.DrawFn, json_form: bool) -> str:
    """Northshire's own measurements with some cells overwritten by hostile values, as CSV
    or as JSON (JSON values may also be numbers, lists or null)."""
    import csv

    rows = list(csv.DictReader(io.StringIO(CSV_FILES_BY_NAME["northshire-2018-19"])))
    columns = ["goal", "indicator", "period", "value", "numerator", "denominator", "note"]
    cell = st.one_of(st.sampled_from(VALUES), st.sampled_from(HOSTILE), st.text(max_size=20))
    for _ in range(draw(st.integers(1, 4))):
        row = rows[draw(st.integers(0, len(rows) - 1))]
        row[draw(st.sampled_from(columns))] = draw(cell)
    if json_form:
        items: list[dict[str, object]] = []
        for row in rows:
            item: dict[str, object] = {k: v for k, v in row.items() if v}
            if draw(st.booleans()) and "value" in item:
                item["value"] = draw(st.one_of(
                    st.integers(-10**200, 10**200), st.decimals(allow_nan=False),
                    st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
                    st.sampled_from(VALUES)))
            items.append(item)
        return json.dumps(items, default=str)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def json_seed(csv_text: str) -> str:
    import csv

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    return json.dumps([{k: v for k, v in row.items() if v} for row in rows], indent=1)


JSON_FILES = [json_seed(text) for text in CSV_FILES]


def assert_sound(diagnostics: list[Diagnostic], text: str) -> None:
    """Diagnostics are well formed: a code, a message, a line inside the text."""
    lines = text.count("\n") + 2
    for diagnostic in diagnostics:
        assert diagnostic.code[0] in CODES and diagnostic.code[1:].isdigit(), diagnostic
        assert diagnostic.message
        assert 1 <= diagnostic.span.line <= lines, (diagnostic, lines)
        diagnostic.render(text)


def invoke(*args: str) -> tuple[int, str]:
    """Run a command in-process: its exit status and standard output, after checking that
    nothing escaped as an exception, a traceback or an internal error."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, (args, output)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code)
    return result.exit_code, result.stdout


# ---- the API ---------------------------------------------------------------------------


#: Cases per test: a multiple of the profile's max_examples (50 in CI, 1,000 thorough).
MANY = settings(max_examples=settings().max_examples * 10)
SOME = settings(max_examples=settings().max_examples * 8)
FEW = settings(max_examples=max(10, settings().max_examples // 2))


@MANY
@given(mutated(RULEBOOKS))
def test_any_rulebook_text_gives_a_result_or_diagnostics(text: str) -> None:
    """diagnose() on mutated rulebooks returns well-formed diagnostics; a rulebook that
    checks clean runs its examples, evaluates and formats without an exception."""
    with within(60):
        diagnostics = diagnose(text)
        assert_sound(diagnostics, text)
        formatted, _ = format_text(text, "<text>")
        if formatted is not None:
            assert not has_errors(diagnose(formatted)) or has_errors(diagnostics)
        event("errors" if has_errors(diagnostics) else "clean")
        if has_errors(diagnostics):
            return
        rulebook = loads(text)
        rulebook.run_examples()
        try:
            result = rulebook.evaluate(NORTHSHIRE / "data.csv")
        except CquinError as error:
            assert error.diagnostics
            return
        for form in ("json", "html", "csv", "markdown", "table"):
            assert render(result, form)


@MANY
@given(mutated_bytes(RULEBOOKS))
def test_any_bytes_decode_to_text_or_e002(data: bytes) -> None:
    """Arbitrary bytes: decode gives text or one E002 with the byte offset; never raises."""
    with within(60):
        text, diagnostics = decode(data, "f.cquin")
        if text is None:
            assert [d.code for d in diagnostics] == ["E002"]
            assert "byte offset" in diagnostics[0].message
        else:
            assert_sound(diagnose(text), text)


@MANY
@given(mutated(FRAMEWORKS))
def test_any_framework_text_gives_a_framework_or_diagnostics(text: str) -> None:
    """parse_framework() on mutated framework files returns a framework or diagnostics."""
    with within(60):
        framework, diagnostics = parse_framework(text, "framework.cquin")
        assert framework is not None or diagnostics
        assert_sound(diagnostics, text)


@MANY
@given(st.one_of(mutated(CSV_FILES), measurement_cells(json_form=False)))
def test_any_csv_gives_measurements_or_diagnostics(text: str) -> None:
    """Mutated CSV gives measurements (which evaluate) or row diagnostics; never raises."""
    with within(60):
        measurements, diagnostics = parse_measurements(text, "data.csv", NORTHSHIRE_SCHEME)
        event("read" if measurements is not None else "refused")
        assert (measurements is None) == bool(diagnostics)
        assert_sound(diagnostics, text)
        if measurements is not None:
            result = evaluate(NORTHSHIRE_SCHEME, measurements)
            assert render(result, "json")


@MANY
@given(st.one_of(mutated(JSON_FILES), measurement_cells(json_form=True)))
def test_any_json_gives_measurements_or_diagnostics(text: str) -> None:
    """Mutated JSON gives measurements (which evaluate) or diagnostics; never raises."""
    with within(60):
        measurements, diagnostics = parse_measurements(text, "data.json", NORTHSHIRE_SCHEME)
        event("read" if measurements is not None else "refused")
        assert (measurements is None) == bool(diagnostics)
        assert_sound(diagnostics, text)
        if measurements is not None:
            assert render(evaluate(NORTHSHIRE_SCHEME, measurements), "html")


# ---- every command ---------------------------------------------------------------------

COMMANDS = ["check", "check-json", "test", "eval", "eval-html", "explain", "schedule", "fmt",
            "export-xlsx", "check-framework"]


FOLDERS = sorted(path.parent for path in ROOT.glob("rulebooks/*/rulebook.cquin"))


@st.composite
def folder_files(draw: st.DrawFn) -> tuple[bytes, bytes, bytes]:
    """A shipped rulebook with its own measurements and a framework, one or two of the
    three mutated (as bytes, so not always UTF-8), so that many cases reach evaluation."""
    folder = draw(st.sampled_from(FOLDERS))
    rulebook = (folder / "rulebook.cquin").read_text(encoding="utf-8")
    data = (folder / "data.csv").read_text(encoding="utf-8")
    if draw(st.booleans()):
        data = json_seed(data)
    framework = draw(st.sampled_from(FRAMEWORKS))
    chosen = draw(st.sets(st.sampled_from(["rulebook", "data", "framework"]), max_size=2))
    return (
        draw(mutated_bytes([rulebook])) if "rulebook" in chosen else rulebook.encode(),
        draw(mutated_bytes([data])) if "data" in chosen else data.encode(),
        draw(mutated_bytes([framework])) if "framework" in chosen else framework.encode(),
    )


@SOME
@given(folder_files(), st.sampled_from(COMMANDS))
def test_every_command_answers_mutated_files(
    files: tuple[bytes, bytes, bytes], command: str
) -> None:
    """Each command on mutated files (bytes, so not always UTF-8): exit 0, 1 or 2 with no
    traceback and no internal error, and no file but the command's own output written."""
    rulebook, measurements, framework = files
    with tempfile.TemporaryDirectory() as scratch, within(120):
        folder = Path(scratch)
        book = folder / "rulebook.cquin"
        book.write_bytes(rulebook)
        data = folder / ("data.json" if measurements.lstrip()[:1] == b"[" else "data.csv")
        data.write_bytes(measurements)
        (folder / "framework.cquin").write_bytes(framework)
        arguments = {
            "check": ["check", str(book)],
            "check-json": ["check", str(book), "--format", "json"],
            "check-framework": ["check", str(book), "--framework",
                                str(folder / "framework.cquin")],
            "test": ["test", str(book)],
            "eval": ["eval", str(book), str(data)],
            "eval-html": ["eval", str(book), str(data), "--format", "html", "--output",
                          str(folder / "report.html")],
            "explain": ["explain", str(book), str(data)],
            "schedule": ["schedule", str(book), str(data)],
            "fmt": ["fmt", str(book)],
            "export-xlsx": ["export-xlsx", str(book), str(folder / "book.xlsx")],
        }[command]
        code, output = invoke(*arguments)
        event(f"{command} exit {code}")
        if command == "check-json" and code != 2:
            assert isinstance(json.loads(output)["diagnostics"], list)
        if command == "fmt" and code == 1:
            assert book.read_bytes() == rulebook
        written = {path.name for path in folder.iterdir()}
        assert not {name for name in written if name.endswith(".tmp")}, written


ESTIMATES = (NORTHSHIRE / "estimates.csv").read_text(encoding="utf-8")


@SOME
@given(mutated_bytes([ESTIMATES]))
def test_forecast_answers_mutated_estimates(estimates: bytes) -> None:
    """`cquin forecast` on a mutated estimates file: a forecast or row diagnostics, exit 0,
    1 or 2, never a traceback or an internal error."""
    with tempfile.TemporaryDirectory() as scratch, within(60):
        path = Path(scratch) / "estimates.csv"
        path.write_bytes(estimates)
        code, _ = invoke("forecast", str(NORTHSHIRE / "rulebook.cquin"), str(path),
                         "--scenarios", "200", "--seed", "1", "--format", "json")
        event(f"forecast exit {code}")
        assert code in (0, 1)


@FEW
@given(st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 40), st.integers(1, 12),
              st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                        st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                        st.none())),
    min_size=1, max_size=8,
))
def test_import_xlsx_answers_mutated_workbooks(
    changes: list[tuple[int, int, int, object]],
) -> None:
    """The exported template with cells overwritten by hostile values (text, formulas,
    huge numbers, NaN, blanks) imports to a rulebook or diagnostics, exit 0, 1 or 2."""
    import openpyxl  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory() as scratch, within(120):
        folder = Path(scratch)
        workbook = folder / "book.xlsx"
        assert invoke("export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(workbook))[0] == 0
        book = openpyxl.load_workbook(workbook)
        for sheet_number, row, column, value in changes:
            sheet = book.worksheets[(sheet_number - 1) % len(book.worksheets)]
            if isinstance(value, str):
                value = "".join(char for char in value if char.isprintable() or char == "\n")
            sheet.cell(row=row, column=column).value = value
        book.save(workbook)
        out = folder / "rulebook.cquin"
        code, _ = invoke("import-xlsx", str(workbook), str(out))
        event(f"exit {code}")
        if code != 0:
            assert not out.exists()
        else:
            assert not has_errors(diagnose(out.read_text(encoding="utf-8"), str(out)))
