"""The hostile-input corpus (tests/hostile/, one small file per class of issue 17) run
through every command that reads it, each in a subprocess whose memory (RLIMIT_AS) and
CPU time (RLIMIT_CPU) the kernel bounds. The harness asserts the outcome, not the clock:
an exit status of 0, 1 or 2, no traceback or internal error, bounded output, no raw
control character from the data on the terminal, and no input overwritten.

Devices and FIFOs cannot be committed, so they are made (or named) at run time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile"
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = NORTHSHIRE / "rulebook.cquin"
DATA = NORTHSHIRE / "data.csv"
ESTIMATES = NORTHSHIRE / "estimates.csv"

#: The bounds every run is held to: far above what a real scheme needs.
MEMORY = 1536 << 20
CPU_SECONDS = 60
MOST_OUTPUT = 1 << 20


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run(*arguments: str | Path) -> subprocess.CompletedProcess[bytes]:
    """`cquin ARGUMENTS` under the bounds; the outcome is checked before it is returned."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("CQUIN_DEBUG", None)
    completed = subprocess.run(
        [sys.executable, "-m", "cquin_rules", *map(str, arguments)], capture_output=True,
        preexec_fn=_bounded, env=env, cwd=ROOT, timeout=CPU_SECONDS * 10, stdin=subprocess.DEVNULL)
    output = completed.stdout + completed.stderr
    shown = output[-3000:].decode("utf-8", "replace")
    assert completed.returncode in (0, 1, 2), (completed.returncode, shown)
    assert b"Traceback" not in output and b"internal error" not in output, shown
    assert len(output) < MOST_OUTPUT, len(output)
    assert b"\x1b" not in output and b"\r" not in output, shown
    return completed


def _rulebooks() -> list[Path]:
    return sorted(CORPUS.glob("*.cquin"))


def _data() -> list[Path]:
    return sorted([*CORPUS.glob("*.csv"), *CORPUS.glob("*.json")])


def _workbooks() -> list[Path]:
    return sorted(CORPUS.glob("*.xlsx"))


def test_the_corpus_has_one_file_per_class() -> None:
    """The corpus is there and small (each file under 256 KB)."""
    files = [*_rulebooks(), *_data(), *_workbooks()]
    assert len(files) >= 10
    assert all(path.stat().st_size < 256 << 10 for path in files)


@pytest.mark.parametrize("rulebook", _rulebooks(), ids=lambda p: p.name)
def test_hostile_rulebooks_through_every_command(rulebook: Path, tmp_path: Path) -> None:
    """check, fmt --check, test, eval (every format), explain, schedule, forecast and
    export-xlsx, then import-xlsx of that export: each answers within the bounds."""
    run("check", rulebook)
    run("fmt", "--check", rulebook)
    run("test", rulebook)
    for form in ("table", "json", "csv", "markdown", "html"):
        run("eval", rulebook, DATA, "--format", form)
    run("explain", rulebook, DATA)
    run("schedule", rulebook, DATA)
    run("forecast", rulebook, ESTIMATES, "--scenarios", "2000", "--seed", "1")
    workbook = tmp_path / "book.xlsx"
    if run("export-xlsx", rulebook, workbook).returncode == 0:
        run("import-xlsx", workbook, tmp_path / "back.cquin")


@pytest.mark.parametrize("data", _data(), ids=lambda p: p.name)
def test_hostile_measurements_through_every_command(data: Path) -> None:
    """eval, explain and schedule refuse hostile measurements with exit 1."""
    for arguments in (("eval", RULEBOOK, data), ("explain", RULEBOOK, data),
                      ("schedule", RULEBOOK, data), ("forecast", RULEBOOK, data,
                                                     "--scenarios", "2000", "--seed", "1")):
        assert run(*arguments).returncode == 1


@pytest.mark.parametrize("workbook", _workbooks(), ids=lambda p: p.name)
def test_hostile_workbooks_are_refused(workbook: Path, tmp_path: Path) -> None:
    """import-xlsx refuses each hostile workbook (exit 1 or 2) and writes nothing."""
    out = tmp_path / "out.cquin"
    assert run("import-xlsx", workbook, out).returncode in (1, 2)
    assert not out.exists()


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        return path
    if kind == "folder":
        return tmp_path
    return Path("/dev/zero")


@pytest.mark.parametrize("kind", ["zero", "fifo", "folder"])
def test_devices_fifos_and_folders_are_never_read(kind: str, tmp_path: Path) -> None:
    """/dev/zero, a FIFO and a folder given to every reading command: exit 2, at once."""
    special = str(_special(kind, tmp_path))
    for arguments in (("check", special), ("fmt", special), ("test", special),
                      ("eval", RULEBOOK, special), ("explain", RULEBOOK, special),
                      ("schedule", RULEBOOK, special),
                      ("forecast", RULEBOOK, special, "--scenarios", "10"),
                      ("import-xlsx", special, tmp_path / "out.cquin")):
        assert run(*arguments).returncode == 2


def test_outputs_onto_inputs_are_refused(tmp_path: Path) -> None:
    """Every command that writes refuses to write over a file it reads."""
    rulebook = tmp_path / "rulebook.cquin"
    rulebook.write_bytes(RULEBOOK.read_bytes())
    data = tmp_path / "data.csv"
    data.write_bytes(DATA.read_bytes())
    workbook = tmp_path / "book.xlsx"
    assert run("export-xlsx", rulebook, workbook).returncode == 0
    saved = {path: path.read_bytes() for path in (rulebook, data, workbook)}
    for arguments in (("eval", rulebook, data, "--output", data),
                      ("eval", rulebook, data, "--output", rulebook),
                      ("export-xlsx", rulebook, rulebook),
                      ("import-xlsx", workbook, workbook)):
        assert run(*arguments).returncode == 2
    assert {path: path.read_bytes() for path in saved} == saved


def _framework_special(kind: str, folder: Path) -> Path:
    """A file named like a framework (`fw.cquin`) that is a FIFO, a folder or a link to
    /dev/zero."""
    path = folder / "fw.cquin"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    return path


@pytest.mark.parametrize("kind", ["zero", "fifo", "folder"])
def test_frameworks_that_are_not_files_are_never_read(kind: str, tmp_path: Path) -> None:
    """A framework named by `check --framework` or by the header's `framework "PATH"` that
    is a device, a FIFO or a folder: E305 (exit 1), at once, through every command that
    reads the rulebook's framework (a FIFO used to be waited on for ever)."""
    framework = _framework_special(kind, tmp_path)
    assert b"E305" in run("check", RULEBOOK, "--framework", framework).stdout
    rulebook = tmp_path / "rulebook.cquin"
    text = RULEBOOK.read_text(encoding="utf-8")
    rulebook.write_text(text.replace("  year 2018/19\n", '  year 2018/19\n  framework "fw.cquin"\n',
                                     1), encoding="utf-8")
    for arguments in (("check", rulebook), ("test", rulebook), ("eval", rulebook, DATA),
                      ("explain", rulebook, DATA), ("schedule", rulebook, DATA),
                      ("forecast", rulebook, ESTIMATES, "--scenarios", "10", "--seed", "1"),
                      ("export-xlsx", rulebook, tmp_path / "book.xlsx")):
        completed = run(*arguments)
        assert completed.returncode in (1, 2), arguments
        assert b"E305" in completed.stdout + completed.stderr, arguments


@pytest.mark.parametrize("count", ["1000000000000", "1000000000000000000000000"])
def test_forecast_scenarios_beyond_the_limit_stay_within_the_bounds(count: str) -> None:
    """A trillion scenarios, or 10^24: refused (E003) within the memory and CPU bounds."""
    completed = run("forecast", RULEBOOK, ESTIMATES, "--scenarios", count, "--seed", "1")
    assert completed.returncode in (1, 2) and b"E003" in completed.stdout + completed.stderr


def _writers(tmp_path: Path, target: Path) -> list[tuple[str | Path, ...]]:
    """Every command that writes, each told to write `target`."""
    rulebook = tmp_path / "in.cquin"
    rulebook.write_bytes(RULEBOOK.read_bytes())
    workbook = tmp_path / "in.xlsx"
    if not workbook.exists():
        assert run("export-xlsx", rulebook, workbook).returncode == 0
    return [("eval", rulebook, DATA, "--format", "table", "--output", target),
            ("export-xlsx", rulebook, target),
            ("import-xlsx", workbook, target)]


@pytest.mark.parametrize("kind", ["fifo", "folder", "read-only", "hard-linked"])
def test_writes_onto_what_a_rename_would_replace_are_refused(kind: str, tmp_path: Path) -> None:
    """Every writing command (and fmt, in place) told to write a FIFO, a folder, a read-only
    file or a file with a second hard link: exit 2, and the target is as it was."""
    target = tmp_path / "target.cquin"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.write_bytes(RULEBOOK.read_bytes().replace(b"  national\n", b"national\n", 1))
        if kind == "read-only":
            target.chmod(0o444)
        else:
            os.link(target, tmp_path / "other-name.cquin")
    before = target.lstat()
    content = target.read_bytes() if target.is_file() else None
    arguments = _writers(tmp_path, target)
    if content is not None:
        arguments.append(("fmt", target))  # unformatted, so fmt would write it
    for argument in arguments:
        completed = run(*argument)
        assert completed.returncode == 2, (argument, completed.stderr[-500:])
    after = target.lstat()
    assert (after.st_mode, after.st_ino, after.st_nlink) == (before.st_mode, before.st_ino,
                                                             before.st_nlink)
    if content is not None:
        assert target.read_bytes() == content


def test_writes_through_a_symlink_go_to_its_target(tmp_path: Path) -> None:
    """Every writing command, and fmt, told to write a symlink: the link stays a link and
    its target gets the output, with the target's mode kept."""
    real = tmp_path / "real.out"
    link = tmp_path / "link.out"
    link.symlink_to(real.name)
    for argument in _writers(tmp_path, link):
        real.write_bytes(b"old\n")
        real.chmod(0o640)
        assert run(*argument).returncode == 0, argument
        assert link.is_symlink() and real.read_bytes() != b"old\n"
        assert real.stat().st_mode & 0o777 == 0o640
    real_rulebook = tmp_path / "real.cquin"
    real_rulebook.write_bytes(RULEBOOK.read_bytes().replace(b"  national\n", b"national\n", 1))
    link_rulebook = tmp_path / "link.cquin"
    link_rulebook.symlink_to(real_rulebook.name)
    assert run("fmt", link_rulebook).returncode == 0
    assert link_rulebook.is_symlink()
    assert real_rulebook.read_bytes() == RULEBOOK.read_bytes()


# ---- issue 17, items 3, 7 and 14: characters, many errors, line ends --------------------


def test_forty_kilobytes_of_nul_bytes_are_one_diagnostic() -> None:
    """Item 3: 40 KB of NUL bytes once took 7.1 GB and printed 2.4 GB (a diagnostic, with
    its line, per byte); now one E002 for the run, a short line, within the bounds."""
    completed = run("check", CORPUS / "nul-bytes.cquin")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1
    assert output.count(b"E002") == 1 and b"nor are the 39,999 characters after it" in output
    assert len(output) < 8 << 10


def test_sixteen_thousand_errors_are_shown_capped() -> None:
    """Item 7: 16,001 errors (each `year` given again) are counted in full, shown for the
    first 200, then 'and 15,801 more errors'; the harness bounds time and output (the
    full rendering printed 2.7 MB, a line index per diagnostic)."""
    completed = run("check", CORPUS / "many-errors.cquin")
    assert completed.returncode == 1
    assert sum(b": E" in line for line in completed.stdout.splitlines()) == 200
    assert b"and 15,801 more errors\n" in completed.stdout
    assert b"16001 errors" in completed.stderr
    assert len(completed.stdout) < 64 << 10


def test_a_lone_cr_ends_a_comment_so_the_next_line_counts(tmp_path: Path) -> None:
    """Item 14: `# …` ended by a lone CR, then `combine minimum`: every editor shows the
    combine on its own line, and now the parser reads it too, so CMA (community not met)
    pays £0.00 rather than £630,000.00, and the formatter keeps the line."""
    rulebook = CORPUS / "lone-cr-comment.cquin"
    assert run("check", rulebook).returncode == 0
    document = json.loads(run("eval", rulebook, DATA, "--format", "json").stdout)
    earned = {goal["code"]: goal["earned"] for goal in document["goals"]}
    assert earned["CMA"] == "0.00"
    copy = tmp_path / "copy.cquin"
    copy.write_bytes(rulebook.read_bytes())
    assert run("fmt", copy).returncode == 0
    assert "share\n  combine minimum\n  indicator inpatient" in copy.read_text("utf-8")


def test_direction_changing_characters_in_quoted_text_are_refused() -> None:
    """Item 14: bidirectional and zero-width format characters are E002 even inside a
    string (a 'Trojan source' provider name), each named, and never echoed raw."""
    completed = run("check", CORPUS / "bidi-string.cquin")
    assert completed.returncode == 1
    assert completed.stdout.count(b"E002") == 4
    assert b"U+202E" in completed.stdout and b"U+2066" in completed.stdout
    assert "\u202e".encode() not in completed.stdout + completed.stderr


# ---- issue 17, item 18: shares that pay what was never earned ----------------------------


def test_payment_on_account_above_the_whole_is_refused() -> None:
    """Item 18: `payment on account 1000%` once checked clean and `schedule` advanced £30M
    on a £3M scheme; now E402 at that line, and schedule and eval refuse the rulebook."""
    rulebook = CORPUS / "payment-on-account.cquin"
    checked = run("check", rulebook)
    assert checked.returncode == 1
    assert b"E402 the payment on account is 1000% of the cquin value" in checked.stdout
    for arguments in (("schedule", rulebook, DATA), ("eval", rulebook, DATA)):
        completed = run(*arguments)
        assert completed.returncode == 1 and b"E402" in completed.stderr, arguments
        assert b"30,000,000" not in completed.stdout


def test_combine_at_least_zero_is_refused() -> None:
    """Item 18: `combine at least 0` once paid a goal in full with no data; now E001."""
    rulebook = CORPUS / "combine-at-least-zero.cquin"
    checked = run("check", rulebook)
    assert checked.returncode == 1
    assert b"E001 the count after `combine at least` must be at least 1, not `0`" in checked.stdout
    assert run("eval", rulebook, DATA).returncode == 1


# ---- issue 17, item 4: a framework path reads only a framework file -----------------------

SECRET = b'password = "hunter2"\napi key = "s3cr3t"\n'


def _header_framework(folder: Path, reference: str) -> Path:
    """The Northshire rulebook, saved in `folder`, naming `reference` as its framework."""
    rulebook = folder / "rulebook.cquin"
    text = RULEBOOK.read_text(encoding="utf-8")
    rulebook.write_text(text.replace("  year 2018/19\n",
                                     f'  year 2018/19\n  framework "{reference}"\n', 1),
                        encoding="utf-8")
    return rulebook


@pytest.mark.parametrize("reference, says", [
    ("/etc/passwd", b"is not relative to the rulebook's folder"),
    ("../../../../../../etc/passwd", b"does not name a .cquin file"),
    ("passwd.cquin", b"leads outside the rulebook's folder"),
    ("../outside/rules.cquin", b"leads outside the rulebook's folder"),
    ("secret.cquin", b"is not a framework file: its first statement is not `framework`"),
    ("binary.cquin", b"is not a framework file: it is not UTF-8 text"),
    ("/dev/zero", b"is not relative to the rulebook's folder"),
])
def test_a_header_framework_path_reads_only_a_framework_file(
    reference: str, says: bytes, tmp_path: Path,
) -> None:
    """Item 4: `framework "PATH"` once echoed /etc/passwd and a secrets file line by line
    in E001s and read /dev/zero without end. LANGUAGE.md §3: a path is relative, stays in
    the rulebook's folder tree (links followed), names a `.cquin` framework file; otherwise
    E305 at the rulebook's line, through every command, and no line of the file shown."""
    folder = tmp_path / "scheme"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "rules.cquin").write_bytes(SECRET)
    (folder / "secret.cquin").write_bytes(SECRET)
    (folder / "binary.cquin").write_bytes(b"\xff\xfe" + SECRET)
    (folder / "passwd.cquin").symlink_to("/etc/passwd")
    rulebook = _header_framework(folder, reference)
    for arguments in (("check", rulebook), ("test", rulebook), ("eval", rulebook, DATA),
                      ("schedule", rulebook, DATA)):
        completed = run(*arguments)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 1, arguments
        assert b"E305" in output and says in output, (arguments, output[-600:])
        assert b"hunter2" not in output and b"root:" not in output and b"E001" not in output


@pytest.mark.parametrize("given", ["/etc/passwd", "secret"])
def test_a_command_line_framework_is_read_only_as_a_framework_file(
    given: str, tmp_path: Path,
) -> None:
    """Item 4: `check --framework FILE` with a file that is not a framework file: E305,
    none of its lines shown (the command line may name any path, but only a framework
    file is parsed)."""
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    framework = str(secret) if given == "secret" else given
    completed = run("check", RULEBOOK, "--framework", framework)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1
    assert b"is not a framework file" in output
    assert b"hunter2" not in output and b"root:" not in output and b"E001" not in output


def test_a_framework_file_inside_the_folder_tree_is_still_read(tmp_path: Path) -> None:
    """The rules refuse only what §3 refuses: `rules/framework.cquin` below the rulebook's
    folder is read and the scheme checked against it (W501 on the three CMA indicators)."""
    folder = tmp_path / "scheme"
    (folder / "rules").mkdir(parents=True)
    (folder / "rules" / "framework.cquin").write_bytes(
        (NORTHSHIRE / "framework.cquin").read_bytes())
    completed = run("check", _header_framework(folder, "rules/framework.cquin"))
    assert completed.returncode == 0
    assert completed.stdout.count(b"W501") == 3
