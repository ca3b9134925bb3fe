"""Hardening, round two (issue 17): writes, reads, workbooks, forecasts, schedules and
diagnostics that an attacker or an unlucky user broke. Each test pins one item."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.api import loads
from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.base.files import write_atomically
from cquin_rules.base.span import Span
from cquin_rules.cli import main
from cquin_rules.engine.measurements import parse_measurements

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
SCHEME = loads(RULEBOOK).scheme


def invoke(*args: str) -> tuple[int, str]:
    """The command line in-process: exit status and output, never a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    return result.exit_code, output


# ---- 6: writes go to what a path means, or are refused ----------------------------------


def test_a_write_through_a_symlink_changes_its_target(tmp_path: Path) -> None:
    """A symlink stays a symlink; the file it points to gets the new text."""
    target = tmp_path / "real.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_write_to_something_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    """A FIFO, a folder or a device is never replaced: exit 2 naming the path."""
    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    elif kind == "directory":
        target = tmp_path / "folder"
        target.mkdir()
        with pytest.raises(OSError, match="not a regular file"):
            write_atomically(target, "new")
        assert target.is_dir()
        return
    else:
        target = tmp_path / "null"
        try:
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root (never test on the real /dev/null)")
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"),
                          str(NORTHSHIRE / "data.csv"), "--format", "table",
                          "--output", str(target))
    assert code == 2 and f"cannot write {target}" in output and "not a regular file" in output
    if kind == "fifo":
        assert stat.S_ISFIFO(target.lstat().st_mode)
    if kind == "device":
        assert stat.S_ISCHR(target.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_file_is_not_rewritten(tmp_path: Path) -> None:
    """A 0444 file is left alone: exit 2 saying it is read-only."""
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o444)
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"),
                          str(NORTHSHIRE / "data.csv"), "--format", "table",
                          "--output", str(target))
    assert code == 2 and f"cannot write {target}" in output and "read-only" in output
    assert target.read_text(encoding="utf-8") == "old"


def test_a_read_only_file_is_refused_by_the_writer(tmp_path: Path) -> None:
    """write_atomically itself refuses a file without write permission, even for root."""
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o444)
    with pytest.raises(OSError, match="read-only"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"


def test_a_hard_linked_file_is_refused_and_both_names_keep_their_text(tmp_path: Path) -> None:
    """A file with two names is not split in two by a rename: the write is refused."""
    target = tmp_path / "rulebook.cquin"
    target.write_text("old", encoding="utf-8")
    other = tmp_path / "other.cquin"
    os.link(target, other)
    with pytest.raises(OSError, match="hard link"):
        write_atomically(target, "new")
    assert os.path.samefile(target, other) and other.read_text(encoding="utf-8") == "old"


def test_a_write_keeps_owner_and_mode(tmp_path: Path) -> None:
    """The replaced file has the old owner, group and mode."""
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    before = target.stat()
    write_atomically(target, "new")
    after = target.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (
        before.st_uid, before.st_gid, 0o640)


# ---- 19: a write failure says "write" ----------------------------------------------------


def test_fmt_says_cannot_write_when_the_write_fails(tmp_path: Path) -> None:
    """`fmt` of a file it may read but not replace says "cannot write", not "cannot read"."""
    target = tmp_path / "rulebook.cquin"
    target.write_text(RULEBOOK.replace("weight 20%", "weight   20%"), encoding="utf-8")
    os.link(target, tmp_path / "other.cquin")
    code, output = invoke("fmt", str(target))
    assert code == 2 and f"cannot write {target}" in output and "cannot read" not in output


# ---- 8: --output is never an input ------------------------------------------------------


def test_eval_output_onto_its_own_input_is_refused(tmp_path: Path) -> None:
    """`eval --output` naming the rulebook or the measurements is refused; both unchanged."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_text(RULEBOOK, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_bytes((NORTHSHIRE / "data.csv").read_bytes())
    for same in (rulebook, data, tmp_path / "." / "data.csv"):
        code, output = invoke("eval", str(rulebook), str(data), "--output", str(same))
        assert code == 2 and "is also an input" in output
    assert rulebook.read_text(encoding="utf-8") == RULEBOOK
    assert data.read_bytes() == (NORTHSHIRE / "data.csv").read_bytes()


def test_export_and_import_onto_their_input_are_refused(tmp_path: Path) -> None:
    """`export-xlsx` and `import-xlsx` never write over the file they read."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_text(RULEBOOK, encoding="utf-8")
    code, output = invoke("export-xlsx", str(rulebook), str(rulebook))
    assert code == 2 and "is also an input" in output
    assert rulebook.read_text(encoding="utf-8") == RULEBOOK
    workbook = tmp_path / "book.xlsx"
    assert invoke("export-xlsx", str(rulebook), str(workbook))[0] == 0
    saved = workbook.read_bytes()
    link = tmp_path / "alias.xlsx"
    link.symlink_to(workbook)
    code, output = invoke("import-xlsx", str(workbook), str(link))
    assert code == 2 and "is also an input" in output
    assert workbook.read_bytes() == saved


# ---- 9: fmt never loses an edit made while it ran ---------------------------------------


def test_fmt_refuses_when_the_file_changed_after_it_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit saved between fmt's read and its rename survives; fmt says the file changed."""
    from cquin_rules.syntax import formatter

    target = tmp_path / "rulebook.cquin"
    target.write_text(RULEBOOK.replace("weight 20%", "weight   20%"), encoding="utf-8")
    edited = RULEBOOK + "# an edit saved meanwhile\n"
    real = formatter.format_text

    def slow_format(*args: object, **kwargs: object) -> object:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        target.write_text(edited, encoding="utf-8")
        return outcome

    monkeypatch.setattr(formatter, "format_text", slow_format)
    code, output = invoke("fmt", str(target))
    assert code == 2 and "changed since it was read" in output
    assert target.read_text(encoding="utf-8") == edited


# ---- 2 and 11: every read bounded before it happens -------------------------------------


@pytest.mark.parametrize("command", ["check", "fmt", "eval", "import-xlsx"])
def test_a_device_is_refused_before_it_is_read(tmp_path: Path, command: str) -> None:
    """/dev/zero is not read at all: exit 2, "not a regular file"."""
    arguments = {
        "check": ["check", "/dev/zero"],
        "fmt": ["fmt", "/dev/zero"],
        "eval": ["eval", str(NORTHSHIRE / "rulebook.cquin"), "/dev/zero"],
        "import-xlsx": ["import-xlsx", "/dev/zero", str(tmp_path / "out.cquin")],
    }[command]
    completed = _limited([sys.executable, "-m", "cquin_rules", *arguments], memory=1 << 30,
                         seconds=60)
    assert completed.returncode == 2, completed.stderr[-2000:]
    assert "/dev/zero" in completed.stderr and "not a regular file" in completed.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A FIFO given as a rulebook is refused at once (opening it would block for ever)."""
    pipe = tmp_path / "rulebook.cquin"
    os.mkfifo(pipe)
    try:
        completed = subprocess.run([sys.executable, "-m", "cquin_rules", "check", str(pipe)],
                                   capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("cquin check waited for a writer to the FIFO")
    assert completed.returncode == 2 and "not a regular file" in completed.stderr


def _one_cell_workbook(tmp_path: Path, reference: str, dimension: str | None = None) -> Path:
    """A northshire export whose Goals sheet gains one cell at `reference`."""
    exported = tmp_path / "whole.xlsx"
    assert invoke("export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(exported))[0] == 0
    hostile = tmp_path / "hostile.xlsx"
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(exported) as source, zipfile.ZipFile(
        hostile, "w", zipfile.ZIP_DEFLATED
    ) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == member:
                text = data.decode()
                row = "".join(c for c in reference if c.isdigit())
                text = text.replace(
                    "</sheetData>",
                    f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c>'
                    "</row></sheetData>")
                if dimension is not None:
                    start = text.index("<dimension ")
                    end = text.index("/>", start) + 2
                    text = text[:start] + f'<dimension ref="{dimension}"/>' + text[end:]
                data = text.encode()
            target.writestr(entry, data)
    return hostile


def test_a_workbook_with_a_far_cell_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """One cell at XFD1048576 is E003 (cells in a sheet), in bounded memory."""
    hostile = _one_cell_workbook(tmp_path, "XFD1048576")
    assert hostile.stat().st_size < 20_000
    completed = _limited([sys.executable, "-m", "cquin_rules", "import-xlsx", str(hostile),
                          str(tmp_path / "out.cquin")], memory=1 << 30, seconds=60)
    assert completed.returncode == 1, completed.stderr
    assert "E003" in completed.stderr and "CQUIN_MAX_CELLS" in completed.stderr
    assert not (tmp_path / "out.cquin").exists()


def test_a_workbook_declaring_a_huge_sheet_is_refused(tmp_path: Path) -> None:
    """A sheet whose declared dimension is A1:XFD1048576 is E003 before openpyxl reads it."""
    hostile = _one_cell_workbook(tmp_path, "A60", dimension="A1:XFD1048576")
    code, output = invoke("import-xlsx", str(hostile), str(tmp_path / "out.cquin"))
    assert code == 1 and "E003" in output and "CQUIN_MAX_CELLS" in output


def _limited(command: list[str], *, memory: int, seconds: int,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `command` with its address space and CPU time bounded by the kernel."""
    import resource

    def bound() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))

    return subprocess.run(command, capture_output=True, text=True, preexec_fn=bound,
                          timeout=seconds * 10, env=env, cwd=ROOT)


# ---- 19: a rulebook's own export imports again ------------------------------------------


def test_a_rulebook_at_the_size_limit_exports_and_imports_again(tmp_path: Path) -> None:
    """A rulebook just within the file-size limit imports from its own export, though its
    canonical text is larger than the limit (the workbook was bounded when read)."""
    goals = "".join(
        f'goal G{n} "Goal {n}" {{ domain safety value £1,000 '
        f"indicator i {{ measure percent pay 100% when value >= 50% }} }}\n"
        for n in range(400))
    rulebook = tmp_path / "compact.cquin"
    rulebook.write_text('scheme "S" { provider "P" commissioner "C" year 2018/19 '
                        "contract value £40,000,000 cquin value £400,000 }\n" + goals,
                        encoding="utf-8")
    limit = str(rulebook.stat().st_size)
    workbook = tmp_path / "compact.xlsx"
    runner = CliRunner(env={"CQUIN_MAX_FILE_SIZE": str(10 * int(limit))})
    assert runner.invoke(main, ["export-xlsx", str(rulebook), str(workbook)]).exit_code == 0
    back = tmp_path / "back.cquin"
    result = CliRunner(env={"CQUIN_MAX_FILE_SIZE": limit}).invoke(
        main, ["import-xlsx", str(workbook), str(back)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert len(back.read_bytes()) > int(limit)


# ---- 5: exported text is never a formula ------------------------------------------------


@pytest.mark.parametrize("start", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1-1",
                                   "@SUM(A1)", "=cmd|' /C calc'!A0"])
def test_exported_text_starting_like_a_formula_is_a_string_cell(tmp_path: Path,
                                                                 start: str) -> None:
    """Titles starting with = + - @ are written as string cells and read back as text."""
    import openpyxl  # type: ignore[import-untyped]

    rulebook = tmp_path / "rulebook.cquin"
    title = start.replace('"', "'")
    rulebook.write_text(RULEBOOK.replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"',
        json.dumps(title)), encoding="utf-8")
    workbook = tmp_path / "book.xlsx"
    assert invoke("export-xlsx", str(rulebook), str(workbook))[0] == 0
    with zipfile.ZipFile(workbook) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    book = openpyxl.load_workbook(workbook)
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r if c.value == title]
    assert cells and all(c.data_type == "s" for c in cells)
    back = tmp_path / "back.cquin"
    code, output = invoke("import-xlsx", str(workbook), str(back))
    assert code == 0, output
    assert loads(back.read_text(encoding="utf-8")).scheme.goals[0].title == title


# ---- 12: forecast scenarios bounded -----------------------------------------------------


@pytest.mark.parametrize("count", ["1000000000000", "1" + "0" * 24])
def test_forecast_scenarios_beyond_the_limit_are_e003(count: str) -> None:
    """A trillion scenarios, or 10^24, is E003 naming the variable, at once."""
    code, output = invoke("forecast", str(NORTHSHIRE / "rulebook.cquin"),
                          str(NORTHSHIRE / "estimates.csv"), "--scenarios", count, "--seed", "1")
    assert code == 1 and "E003" in output and "CQUIN_MAX_SCENARIOS" in output


def test_forecast_memory_is_flat_in_scenarios(tmp_path: Path) -> None:
    """Two million scenarios run in the memory of a small process (chunks, not one array)."""
    completed = _limited([sys.executable, "-m", "cquin_rules", "forecast",
                          str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "estimates.csv"),
                          "--scenarios", "2000000", "--seed", "1", "--format", "json"],
                         memory=1 << 30, seconds=300)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["scenarios"] == 2_000_000


# ---- 15 and 16: measurements read as they look -----------------------------------------


@pytest.mark.parametrize("value", ["৪0%", "٨0%", "8٠%", "１40/200", "140/２00", "৪0"])
def test_measurements_accept_only_ascii_digits(value: str) -> None:
    """A digit other than 0–9 is E603 naming the character (Bengali ৪ looks like 8)."""
    _, diagnostics = parse_measurements(f"goal,indicator,period,value\nFLU,uptake,,{value}\n",
                                        "data.csv", SCHEME)
    assert [d.code for d in diagnostics] == ["E603"], diagnostics
    assert "U+" in diagnostics[0].message and "0-9" in (diagnostics[0].hint or "")


def test_json_measurements_with_a_duplicate_key_are_an_error_at_its_line() -> None:
    """`"value"` twice in one object is E602 at that object's line, not last-one-wins."""
    text = ('[\n{"goal": "FLU", "indicator": "uptake", "value": "68%"},\n'
            '{"goal": "CMA", "indicator": "inpatient",\n "value": "68%", "value": "99%"}\n]\n')
    _, diagnostics = parse_measurements(text, "data.json", SCHEME)
    assert [(d.code, d.line) for d in diagnostics] == [("E602", 3)]
    assert "'value'" in diagnostics[0].message and "twice" in diagnostics[0].message


# ---- 19: diagnostics never carry raw control characters ---------------------------------


def test_control_characters_from_data_are_escaped_in_diagnostics() -> None:
    """A newline or an escape sequence in a message, hint or source line is shown escaped."""
    diagnostic = Diagnostic("E603", "cannot read '\x1b[2J\x1b[31mPWNED\nFAKE: E000' as a value",
                            Span(1, 1, 1, 3), "hint\rwith\x07bell", "data\n.csv")
    drawn = diagnostic.render("a\x1b]0;title\x07b\n")
    assert "\x1b" not in drawn and "\x07" not in drawn and "\r" not in drawn
    assert drawn.count("\n") == 3
    assert "\\x1b[2J" in drawn and "\\n" in drawn


def test_an_escape_sequence_in_a_csv_is_not_echoed_raw(tmp_path: Path) -> None:
    """`cquin eval` with a CSV cell holding ESC and a CR prints them escaped."""
    data = tmp_path / "data.csv"
    data.write_bytes(b"goal,indicator,period,value\nFLU,uptake,,\"\x1b[31m6\r8%\"\n")
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"), str(data))
    assert code == 1 and "E603" in output
    assert "\x1b" not in output and "\r" not in output and "\\x1b[31m" in output


def test_a_latin1_terminal_gets_no_internal_error(tmp_path: Path) -> None:
    """With PYTHONIOENCODING=latin-1, output with £ and → is written, not an internal error."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "LC_ALL": "C"}
    for arguments in (["eval", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv")],
                      ["explain", str(NORTHSHIRE / "rulebook.cquin"),
                       str(NORTHSHIRE / "data.csv")],
                      ["check", str(NORTHSHIRE / "rulebook.cquin")]):
        completed = subprocess.run([sys.executable, "-m", "cquin_rules", *arguments],
                                   capture_output=True, env=env, cwd=ROOT)
        assert completed.returncode in (0, 1), completed.stderr
        assert b"internal error" not in completed.stderr
        assert b"Traceback" not in completed.stderr


# ---- 19: workbook errors say what went wrong --------------------------------------------


def test_a_broken_workbook_says_what_is_wrong_without_pointing_elsewhere(
    tmp_path: Path,
) -> None:
    """"not an Excel workbook" gives the reason itself, not "see the exception"."""
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(b"goal,indicator\n")
    code, output = invoke("import-xlsx", str(renamed), str(tmp_path / "out.cquin"))
    assert code == 2 and "not an Excel workbook" in output
    assert "exception" not in output.lower() and "File is not a zip file" not in output


# ---- 19: the markdown report escapes HTML -----------------------------------------------


def test_markdown_report_escapes_html_in_titles(tmp_path: Path) -> None:
    """A `<script>` in a title is escaped in the markdown table (renderers pass raw HTML)."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_text(RULEBOOK.replace(
        '"Northshire Health and Care CQUIN 2018/19"', '"<script>alert(1)</script>"').replace(
        '"Improving the uptake of flu vaccinations by frontline clinical staff"',
        '"<img src=x onerror=alert(1)> & co"'), encoding="utf-8")
    code, output = invoke("eval", str(rulebook), str(NORTHSHIRE / "data.csv"), "--format",
                          "markdown")
    assert code == 0
    assert "<script>" not in output and "<img" not in output
    assert "&lt;script&gt;" in output and "&amp; co" in output


# ---- 10: schedule is linear in goals ----------------------------------------------------


SCHEDULE_PROBE = """
import resource, sys
from cquin_rules.api import loads
from cquin_rules.engine.measurements import parse_measurements
from cquin_rules.tools.schedule import payment_schedule, render_table
n = int(sys.argv[1])
head = ('scheme "S" {\\n provider "P"\\n commissioner "C"\\n year 2018/19\\n'
        f' contract value £{n * 100000:,}\\n cquin value £{n * 1000:,}\\n}}\\n')
goals = "".join(f'goal G{i} "g" {{\\n domain safety\\n value £1,000\\n'
                f' indicator i {{ measure percent pay 100% when value >= 50% }}\\n}}\\n'
                for i in range(n))
book = loads(head + goals)
rows = "goal,indicator,period,value\\n" + "".join(f"G{i},i,,60%\\n" for i in range(n))
measurements, found = parse_measurements(rows, "d.csv", book.scheme)
result = book.evaluate(measurements)
used = resource.getrusage(resource.RUSAGE_SELF)
spent = int(used.ru_utime + used.ru_stime) + 1
budget = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_CPU, (spent + budget, spent + budget + 5))
plan = payment_schedule(book.scheme, result, month=8)
render_table(plan)
print(len(plan.goals))
"""


def test_schedule_of_twenty_thousand_goals_runs_in_linear_time() -> None:
    """20,000 goals schedule within a CPU budget set by the kernel after the setup (the
    old lookup of each goal by scanning every goal took minutes)."""
    completed = subprocess.run([sys.executable, "-c", SCHEDULE_PROBE, "20000", "40"],
                               capture_output=True, text=True, cwd=ROOT, timeout=1200)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "20000"
