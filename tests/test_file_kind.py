"""Which kind of file a text is (LANGUAGE.md §2): a framework file when its first statement
is `framework`, whatever its comments hold; decided in time linear in the leading comments,
by `cquin check`, `cquin fmt`, the language server and the API alike."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from cquin_rules import lsp
from cquin_rules.api import diagnose
from cquin_rules.cli import main
from cquin_rules.syntax.parser import start_for

ROOT = Path(__file__).resolve().parent.parent
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
FRAMEWORK = (NORTHSHIRE / "framework.cquin").read_text(encoding="utf-8")
COMMENT = "# Northshire's scheme, built on the national framework for 2018/19\n"


def test_a_comment_naming_framework_leaves_a_rulebook_a_rulebook() -> None:
    """Defect 3: a comment before `scheme` holding the word "framework" is only a comment."""
    assert start_for(COMMENT + RULEBOOK) == "rulebook"
    assert start_for("#framework\nscheme") == "rulebook"
    assert start_for("# a\n#   framework here\n\n  scheme") == "rulebook"


def test_framework_after_comments_and_blank_lines_is_a_framework_file() -> None:
    """The first statement decides: comments, blank lines, a BOM and CRLF before it do not."""
    assert start_for(COMMENT + FRAMEWORK) == "framework_file"
    assert start_for("\ufeff# c\r\n\r\n\t framework x \"t\" {}") == "framework_file"
    assert start_for("framework") == "framework_file"


def test_a_word_that_only_starts_with_framework_is_not_the_keyword() -> None:
    """`frameworks`, `framework_x` and `framework2` are other words; so is nothing at all."""
    for text in ("frameworks", "framework_x {", "framework2", "", "# only a comment", '"x"'):
        assert start_for(text) == "rulebook", text


def test_check_fmt_and_the_editor_read_the_commented_rulebook_as_a_rulebook(
    tmp_path: Path,
) -> None:
    """Through the real commands: `cquin check` is clean, `cquin fmt --check` finds nothing
    to change, the language server publishes no problem and offers rulebook keywords."""
    path = tmp_path / "rulebook.cquin"
    path.write_text(COMMENT + RULEBOOK, encoding="utf-8")
    (tmp_path / "framework.cquin").write_text(FRAMEWORK, encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "E001" not in checked.output
    formatted = runner.invoke(main, ["fmt", "--check", str(path)])
    assert "E001" not in formatted.output
    assert formatted.exit_code in (0, 1), formatted.output
    assert [d.code for d in diagnose(COMMENT + RULEBOOK, str(path))
            if d.severity == "error"] == []
    assert lsp.formatted(COMMENT + RULEBOOK, str(path)) is not None


def test_the_editor_completes_a_framework_file_with_framework_statements() -> None:
    """Completion inside a framework file offers framework requirements, not goals."""
    text = COMMENT + 'framework f "F" {\n  \n}\n'
    offset = text.index("{\n  ") + 4
    words = {s.label for s in lsp.suggestions(text, offset, None)}
    assert "require" in words
    assert "goal" not in words


_BOUNDED = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
    from cquin_rules.syntax.parser import start_for
    banner = "#" * 10_000 + "\\n" + "#" * 5_000 + " framework " + "#" * 5_000 + "\\n"
    kinds = [start_for(banner + "scheme"), start_for(banner + "framework f"),
             start_for("#" * 50_000), start_for("\\n" * 50_000 + "scheme")]
    print(" ".join(kinds))
    """
)


def test_a_banner_of_ten_thousand_hashes_is_decided_within_a_cpu_bound() -> None:
    """Issue 17.1: leading `#` runs once cost time exponential in their length (24 took
    26 s); 10,000 and more are now decided well inside a 20 s CPU limit (the kernel kills
    the process with SIGXCPU past it, so the bound holds however busy the machine is)."""
    done = subprocess.run([sys.executable, "-c", _BOUNDED], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"killed or failed ({done.returncode}): {done.stderr[-2000:]}"
    assert done.stdout.split() == ["rulebook", "framework_file", "rulebook", "rulebook"]
