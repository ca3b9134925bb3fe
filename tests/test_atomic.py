"""Nothing lost: every command that writes a file writes it whole and only on success.

`files.write_atomically` writes a temporary file beside the target and renames it over
the target; these tests pin that a failure at any point (an error, a full disk, a
process killed with SIGKILL mid-write) leaves the old file byte for byte as it was, and
that each writing command (fmt, eval --output, export-xlsx, import-xlsx) writes nothing
when its input has errors.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.base.files import write_atomically
from cquin_rules.cli import main

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
OLD = b"the old file, whole\r\n" * 1000


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    return result.exit_code, output


def leftovers(folder: Path, keep: set[str]) -> set[str]:
    return {path.name for path in folder.iterdir()} - keep


def test_a_killed_writer_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """SIGKILL in the middle of writing 50 MB: the old file is byte-identical afterwards.

    The child slows its stream down and says when half is written; the parent kills it
    there. A SIGKILL gives no chance to clean up, so the temporary file (`.NAME.*.tmp`
    beside the target) is left behind: that is the one documented leftover.
    """
    target = tmp_path / "report.html"
    target.write_bytes(OLD)
    child = textwrap.dedent(
        """
        import io, os, sys, time
        from cquin_rules.base import files

        real_fdopen = os.fdopen

        class Slow(io.RawIOBase):
            def __init__(self, stream):
                self.stream = stream
                self.written = 0
            def write(self, data):
                for start in range(0, len(data), 1 << 20):
                    self.stream.write(data[start:start + (1 << 20)])
                    self.stream.flush()
                    self.written += 1
                    if self.written == 25:
                        print("half", flush=True)
                        time.sleep(60)
                return len(data)
            def flush(self):
                self.stream.flush()
            def fileno(self):
                return self.stream.fileno()
            def __enter__(self):
                return self
            def __exit__(self, *args):
                self.stream.close()

        files.os.fdopen = lambda handle, mode, **kwargs: Slow(real_fdopen(handle, "wb"))
        files.write_atomically(sys.argv[1], b"N" * (50 << 20))
        print("finished", flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", child, str(target)],
                               stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "half"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert target.read_bytes() == OLD
    left = leftovers(tmp_path, {"report.html"})
    assert len(left) == 1
    (temporary,) = left
    assert temporary.startswith(".report.html.") and temporary.endswith(".tmp")
    assert (tmp_path / temporary).stat().st_size >= 25 << 20


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk (an OSError from fsync) propagates; the old file and folder are as before."""
    target = tmp_path / "rulebook.cquin"
    target.write_bytes(OLD)

    def full_disk(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, "new text")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {"rulebook.cquin"}) == set()


def test_an_interrupt_before_the_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (KeyboardInterrupt) at the rename: old file whole, temporary removed."""
    target = tmp_path / "report.csv"
    target.write_bytes(OLD)

    def interrupted(source: str, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"new bytes")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {"report.csv"}) == set()


def test_a_successful_write_keeps_the_files_permissions(tmp_path: Path) -> None:
    """The new file replaces the old one whole and keeps its mode."""
    target = tmp_path / "rulebook.cquin"
    target.write_bytes(OLD)
    target.chmod(0o640)
    write_atomically(target, "new text\n")
    assert target.read_bytes() == b"new text\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path, {"rulebook.cquin"}) == set()


@pytest.mark.parametrize(
    "broken",
    [
        b'scheme "S" {\n  provider "P"\n  goal\n',
        b"\xef\xbb\xbfscheme \xe2\x80\x9cS\xe2\x80\x9d {\r\n}\r\n goal { {",
        b"scheme \xff\xfe\x00 not utf-8",
        b"",
    ],
)
def test_fmt_leaves_a_file_that_does_not_parse_byte_for_byte(tmp_path: Path,
                                                             broken: bytes) -> None:
    """`cquin fmt` on a broken file: exit 1, the bytes and the mtime exactly as before."""
    path = tmp_path / "broken.cquin"
    path.write_bytes(broken)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    code, output = invoke("fmt", str(path))
    assert code == 1 and "left untouched" in output
    assert path.read_bytes() == broken
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert leftovers(tmp_path, {"broken.cquin"}) == set()


def test_fmt_check_and_diff_write_nothing(tmp_path: Path) -> None:
    """`fmt --check` and `fmt --diff` on a file that would change leave it untouched."""
    path = tmp_path / "rulebook.cquin"
    messy = (NORTHSHIRE / "rulebook.cquin").read_bytes().replace(b"\n  ", b"\n      ")
    path.write_bytes(messy)
    assert invoke("fmt", "--check", str(path))[0] == 1
    assert invoke("fmt", "--diff", str(path))[0] == 0
    assert path.read_bytes() == messy
    assert invoke("fmt", str(path))[0] == 0
    assert path.read_bytes() != messy


def test_eval_output_is_written_only_on_success(tmp_path: Path) -> None:
    """Bad measurements: `eval --output` exits 1 and the old report is untouched."""
    report = tmp_path / "report.html"
    report.write_bytes(OLD)
    bad = tmp_path / "data.csv"
    bad.write_text("goal,indicator,value\nFLU,uptake,0.68\n", encoding="utf-8")
    code, _ = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"), str(bad), "--format", "html",
                     "--output", str(report))
    assert code == 1
    assert report.read_bytes() == OLD
    code, _ = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv"),
                     "--format", "html", "--output", str(report))
    assert code == 0 and report.read_bytes().startswith(b"<!DOCTYPE html>")
    assert leftovers(tmp_path, {"report.html", "data.csv"}) == set()


def test_eval_output_into_a_missing_folder_exits_2(tmp_path: Path) -> None:
    """An --output path that cannot be written is exit 2 with a message, not a bug."""
    code, output = invoke("eval", str(NORTHSHIRE / "rulebook.cquin"),
                          str(NORTHSHIRE / "data.csv"), "--output",
                          str(tmp_path / "missing" / "report.html"))
    assert code == 2 and "cannot write" in output


def test_export_and_import_write_nothing_on_errors(tmp_path: Path) -> None:
    """A rulebook with errors exports nothing; a workbook with errors imports nothing."""
    bad = tmp_path / "bad.cquin"
    bad.write_text((NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8").replace(
        "weight 20%", "weight 21%"), encoding="utf-8")
    workbook = tmp_path / "old.xlsx"
    workbook.write_bytes(OLD)
    assert invoke("export-xlsx", str(bad), str(workbook))[0] == 1
    assert workbook.read_bytes() == OLD
    rulebook = tmp_path / "old.cquin"
    rulebook.write_bytes(OLD)
    code, _ = invoke("import-xlsx", str(workbook), str(rulebook))
    assert code == 2
    assert rulebook.read_bytes() == OLD
    assert leftovers(tmp_path, {"bad.cquin", "old.xlsx", "old.cquin"}) == set()
