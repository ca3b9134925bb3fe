"""The command line as users meet it: exit codes, messages, and files left alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPEC_EXAMPLE = ROOT / "tests" / "conformance" / "01-spec-example"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_clean_rulebook_exits_0_and_counts_files() -> None:
    """A clean rulebook: exit 0 and a summary saying so."""
    code, _, err = invoke("check", str(SPEC_EXAMPLE / "rulebook.cquin"))
    assert code == 0
    assert "1 file checked: 0 errors, 0 warnings" in err


def test_check_missing_file_exits_2() -> None:
    """A file that cannot be read is a usage problem: exit 2, no traceback."""
    code, out, err = invoke("check", "no-such-file.cquin")
    assert code == 2
    assert "cannot read no-such-file.cquin" in err
    assert "Traceback" not in out + err


def test_check_binary_file_reports_e002(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are E002 with the byte offset, exit 1."""
    path = tmp_path / "bad.cquin"
    path.write_bytes(b'scheme "x" {\xff\xfe}')
    code, out, _ = invoke("check", str(path), "--format", "json")
    assert code == 1
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert diagnostic["code"] == "E002" and "byte offset 12" in diagnostic["message"]


def test_check_json_has_every_field(tmp_path: Path) -> None:
    """`--format json` gives path, line, column, code, severity, message and hint."""
    path = tmp_path / "r.cquin"
    path.write_text(
        (ROOT / "tests/conformance/13-E406-ambiguous-percent/rulebook.cquin").read_text()
    )
    code, out, _ = invoke("check", str(path), "--format", "json")
    assert code == 1
    (diagnostic,) = json.loads(out)["diagnostics"]
    assert set(diagnostic) == {"path", "line", "column", "code", "severity", "message", "hint"}
    assert diagnostic["code"] == "E406" and diagnostic["severity"] == "error"
    assert "5pp" in diagnostic["hint"]


def test_eval_unknown_format_is_usage_error() -> None:
    """An unknown --format value is a usage error: exit 2."""
    code, _, _ = invoke(
        "eval", str(SPEC_EXAMPLE / "rulebook.cquin"), str(SPEC_EXAMPLE / "data.csv"),
        "--format", "pdf",
    )
    assert code == 2


def test_fmt_check_diff_and_rewrite(tmp_path: Path) -> None:
    """fmt --check exits 1 and changes nothing; fmt rewrites; then --check exits 0."""
    path = tmp_path / "rulebook.cquin"
    shutil.copy(SPEC_EXAMPLE / "rulebook.cquin", path)
    before = path.read_bytes()
    code, out, _ = invoke("fmt", "--check", str(path))
    assert code == 1 and "would be reformatted" in out
    code, out, _ = invoke("fmt", "--diff", str(path))
    assert code == 0 and out.startswith("---") and path.read_bytes() == before
    code, _, _ = invoke("fmt", str(path))
    assert code == 0 and path.read_bytes() != before
    assert invoke("fmt", "--check", str(path))[0] == 0


def test_fmt_leaves_a_broken_file_untouched(tmp_path: Path) -> None:
    """A file that does not parse is reported and left byte-for-byte as it was."""
    path = tmp_path / "broken.cquin"
    path.write_bytes(b'scheme "x" {\n  year 2018/20\n  # a comment\n')
    before = path.read_bytes()
    code, _, err = invoke("fmt", str(path))
    assert code == 1
    assert "E001" in err and "left untouched" in err
    assert path.read_bytes() == before


def test_frameworks_lists_builtins() -> None:
    """`cquin frameworks` lists every built-in with its year."""
    code, out, _ = invoke("frameworks")
    assert code == 0
    assert "dh_2009_10" in out and "nhs_england_2023_24" in out


def test_check_reads_a_framework_file_as_a_framework(tmp_path: Path) -> None:
    """`cquin check` on a framework file checks it as a framework, not as a broken rulebook."""
    good = ROOT / "tests" / "conformance" / "15-framework" / "framework.cquin"
    assert invoke("check", str(good))[0] == 0
    bad = tmp_path / "framework.cquin"
    bad.write_text('framework x "y" {\n  year 2018/19\n  warn all or nothin\n}\n')
    code, out, _ = invoke("check", str(bad))
    assert code == 1
    assert f"{bad}:3:15: E001" in out and "did you mean `nothing`?" in out


def test_fmt_refuses_an_oversized_file_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fmt checks the size limit first: E003, exit 1, the file untouched."""
    monkeypatch.setenv("CQUIN_MAX_FILE_SIZE", "100")
    path = tmp_path / "big.cquin"
    path.write_text('scheme "x" {\n' + "  # padding\n" * 20 + "}\n")
    before = path.read_bytes()
    code, _, err = invoke("fmt", str(path))
    assert code == 1
    assert "E003" in err and "left untouched" in err
    assert path.read_bytes() == before
