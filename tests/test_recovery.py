"""Reading on after a syntax error (issue 10, defect 9): every mistake is reported in one
run, each with the words the parser gives for a first error, and one typo is one E001."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cquin_rules.api import diagnose
from cquin_rules.base.diagnostics import CquinError
from cquin_rules.syntax.parser import parse_tree
from cquin_rules.syntax.recovery import MAX_SYNTAX_ERRORS

HEADER = """scheme "Recovery" {
  provider "P"
  commissioner "C"
  year 2018/19
  cquin value £100,000
}
"""

GOALS = """
goal A "First" {
  domain safety
  weight 50%
  indicator x { measure percent pay 100% when value >= 50% }
}

goal B "Second" {
  domain safety
  weight 50%
  indicator y {
    measure percent
    pay linear from 60% to 75%
  }
}
"""

CLEAN = HEADER + GOALS

#: One mistake in each goal: a misspelt keyword in A, a missing `to` in B.
TWO_TYPOS = CLEAN.replace("  weight 50%\n  indicator x", "  weigth 50%\n  indicator x").replace(
    "from 60% to 75%", "from 60% 75%"
)

CQUIN = Path(sys.executable).with_name("cquin")
COMMAND = [str(CQUIN)] if CQUIN.exists() else [sys.executable, "-m", "cquin_rules"]


def syntax_errors(text: str, start: str = "rulebook") -> list[tuple[int, int, str]]:
    _, found = parse_tree(text, start)
    return [(d.line, d.column, d.message) for d in found if d.code == "E001"]


def test_the_clean_rulebook_parses() -> None:
    """The base of the cases below has no syntax error, so each error below is the typo's."""
    assert syntax_errors(CLEAN) == []
    assert not [d for d in diagnose(CLEAN) if d.code == "E001"]


def test_two_typos_in_two_goals_are_two_errors_at_their_places() -> None:
    """An error in one goal does not hide an error in a later goal; each has its words."""
    found = syntax_errors(TWO_TYPOS)
    assert [(line, column) for line, column, _ in found] == [(10, 3), (19, 25)]
    assert found[0][2].endswith("found `weigth`")
    assert found[1][2] == (
        "expected `to` after the first threshold of `linear from`, found the percentage `75%`"
    )
    hints = [d.hint for d in diagnose(TWO_TYPOS) if d.code == "E001"]
    assert hints == ["did you mean `weight`?", None]


ONE_TYPO = [
    ("misspelt keyword", "  weight 50%\n  indicator x", "  weigth 50%\n  indicator x", 10),
    ("missing to", "from 60% to 75%", "from 60% 75%", 19),
    ("missing threshold", "from 60% to 75%", "from 60% to", 20),
    ("missing opening brace", "indicator y {", "indicator y", 18),
    ("missing closing brace", "value >= 50% }\n}", "value >= 50%\n}", 14),
    ("missing goal title", 'goal B "Second" {', "goal B {", 14),
    ("missing indicator name", "indicator x {", "indicator {", 11),
    ("doubled word", "domain safety\n  weight 50%\n  indicator x",
     "domain safety\n  weight 50% 50%\n  indicator x", 10),
    ("doubled brace", "indicator y {", "indicator y { {", 17),
    ("misspelt block keyword", "indicator y {", "indicatr y {", 17),
    ("stray character", "weight 50%\n  indicator y", "weight: 50%\n  indicator y", 16),
    ("unclosed text", 'goal B "Second" {', 'goal B "Second {', 14),
    ("pay table without otherwise", "pay linear from 60% to 75%",
     "pay {\n      100% when value >= 75%\n    }", 21),
    ("goal statement missing its goal", "\ngoal B", "\n  weight 10%\ngoal B", 14),
]


@pytest.mark.parametrize(("old", "new", "line"), [case[1:] for case in ONE_TYPO],
                         ids=[case[0] for case in ONE_TYPO])
def test_one_typo_is_one_error(old: str, new: str, line: int) -> None:
    """A single mistake gives exactly one E001, at its line, however the parser recovers."""
    assert old in CLEAN
    found = syntax_errors(CLEAN.replace(old, new, 1))
    assert [found_line for found_line, _, _ in found] == [line]


def test_misspelt_keywords_on_following_lines_are_each_reported() -> None:
    """Two misspelt statements one after the other are two errors, each with its hint."""
    text = CLEAN.replace("  domain safety\n  weight 50%\n  indicator x",
                         "  domian safety\n  weigth 50%\n  indicator x")
    found = [d for d in diagnose(text) if d.code == "E001"]
    assert [(d.line, d.hint) for d in found] == [
        (9, "did you mean `domain`?"), (10, "did you mean `weight`?")
    ]


def test_errors_past_the_cap_are_counted_in_one_closing_line() -> None:
    """A hundred broken lines give the first twenty errors and one count of the rest."""
    broken = "\n".join(f"  weigth{n} 5%" for n in range(100))
    text = HEADER + 'goal A "a" {\n' + broken + "\n}\n"
    _, found = parse_tree(text, "rulebook")
    assert [d.code for d in found] == ["E001"] * (MAX_SYNTAX_ERRORS + 1)
    assert [d.line for d in found[:MAX_SYNTAX_ERRORS]] == list(range(8, 8 + MAX_SYNTAX_ERRORS))
    closing = found[-1]
    assert closing.message == f"and {100 - MAX_SYNTAX_ERRORS} more syntax errors not shown"
    assert closing.line == 8 + MAX_SYNTAX_ERRORS


def test_a_framework_file_reports_each_error() -> None:
    """Framework files are read on past a syntax error too."""
    text = (
        'framework f "F" {\n  year 2018/19\n  cquin value at mst 2.5% of contract\n'
        "  goals at most 5\n  require domanis safety\n}\n"
    )
    assert [line for line, _, _ in syntax_errors(text, "framework_file")] == [3, 5]


def test_syntax_errors_stop_the_checks_that_need_a_tree() -> None:
    """With syntax errors only syntax is reported: no check runs on a partial rulebook."""
    codes = [d.code for d in diagnose(TWO_TYPOS)]
    assert codes == ["E001", "E001"]


#: Pieces of rulebook text, to build texts that are nearly rulebooks.
PIECES = st.sampled_from([
    "scheme", "goal", "indicator", "part", "period", "pay", "linear", "from", "to", "when",
    "value", ">=", "otherwise", "weight", "domain", "example", "expect", "{", "}", "{", "}",
    '"t"', '"open', "A", "x.y", "=", "50%", "75%", "£1,000", "2018/19", "3", "5pp", "\n",
    "\n", "#", ",", "%", "£", ":", "(", "\x00", "\u201c",
])


@given(st.one_of(
    st.text(max_size=200),
    st.lists(PIECES, max_size=60).map(" ".join),
    st.tuples(st.integers(0, len(CLEAN)), st.integers(0, 40), st.lists(PIECES, max_size=4)).map(
        lambda cut: CLEAN[:cut[0]] + " ".join(cut[2]) + CLEAN[cut[0] + cut[1]:]
    ),
))
def test_diagnose_gives_positions_inside_the_text(text: str) -> None:
    """Whatever the text, diagnose returns diagnostics placed inside it, never an exception;
    a syntax error is never hidden behind a clean result."""
    try:
        found = diagnose(text)
    except CquinError:  # pragma: no cover - diagnose catches our own error
        raise AssertionError("diagnose raised CquinError") from None
    lines = text.removeprefix("\ufeff").split("\n")
    for diagnostic in found:
        assert 1 <= diagnostic.line <= len(lines), diagnostic
        assert 1 <= diagnostic.column <= len(lines[diagnostic.line - 1]) + 1, diagnostic
    _, syntax = parse_tree(text, "rulebook")
    assert len([d for d in syntax if d.code == "E001"]) <= MAX_SYNTAX_ERRORS + 1


def run_cquin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_cquin_check_reports_both_typos(tmp_path: Path) -> None:
    """The real `cquin check` prints both E001s, exits 1, and shows no traceback."""
    rulebook = tmp_path / "two.cquin"
    rulebook.write_text(TWO_TYPOS, encoding="utf-8")
    run = run_cquin("check", str(rulebook))
    assert run.returncode == 1
    assert f"{rulebook}:10:3: E001 expected" in run.stdout + run.stderr
    assert f"{rulebook}:19:25: E001 expected `to`" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_cquin_check_json_lists_both_typos(tmp_path: Path) -> None:
    """`cquin check --format json` lists both E001s with their lines and columns."""
    rulebook = tmp_path / "two.cquin"
    rulebook.write_text(TWO_TYPOS, encoding="utf-8")
    run = run_cquin("check", "--format", "json", str(rulebook))
    assert run.returncode == 1
    found = json.loads(run.stdout)["diagnostics"]
    assert [(d["code"], d["line"], d["column"]) for d in found] == [
        ("E001", 10, 3), ("E001", 19, 25)
    ]


def test_cquin_fmt_reports_every_error_and_leaves_the_file(tmp_path: Path) -> None:
    """`cquin fmt` on a file with several syntax errors names each and changes nothing."""
    rulebook = tmp_path / "two.cquin"
    rulebook.write_text(TWO_TYPOS, encoding="utf-8")
    run = run_cquin("fmt", str(rulebook))
    assert run.returncode == 1
    shown = run.stdout + run.stderr
    assert shown.count(": E001 ") == 2
    assert "left untouched" in shown and "Traceback" not in shown
    assert rulebook.read_text(encoding="utf-8") == TWO_TYPOS
