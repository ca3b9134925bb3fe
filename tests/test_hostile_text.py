"""Issue 17, the text of a rulebook: runs of forbidden characters (item 3), format
characters and lone CRs (item 14), the rendering of many diagnostics (item 7), and the
shares the language bounds (item 18). The corpus (test_hostile_corpus.py) runs the same
classes through every command under resource limits; these pin the rules themselves."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cquin_rules.api import diagnose
from cquin_rules.base.diagnostics import MOST_SHOWN, Diagnostic, SourceLines, render_all
from cquin_rules.base.span import Span
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.parser import MAX_CHARACTER_RUNS, parse, start_for
from cquin_rules.syntax.positions import Lines, line_ends_as_newlines

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = (ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin").read_text("utf-8")


def e002(text: str) -> list[Diagnostic]:
    return [d for d in parse(text)[1] if d.code == "E002"]


# ---- item 3: one diagnostic per run, capped ----------------------------------------------


def test_forty_thousand_nul_bytes_are_one_e002_over_the_run() -> None:
    """40,000 NULs: one E002 spanning the run and counting it (was one per byte)."""
    (found,) = e002("\x00" * 40_000)
    assert found.span == Span(1, 1, 1, 40_001)
    assert found.message == ("a NUL character (U+0000) is not allowed anywhere in a rulebook, "
                             "nor are the 39,999 characters after it")


def test_runs_of_bad_characters_are_capped_with_a_count() -> None:
    """20,000 separate runs: the first MAX_CHARACTER_RUNS one by one, then one counting the
    rest, so the diagnostics stay few however the bad characters are spread."""
    found = e002("\x00a" * 20_000)
    assert len(found) == MAX_CHARACTER_RUNS + 1
    rest = 20_000 - MAX_CHARACTER_RUNS - 1
    assert found[-1].message.endswith(f"nor are the characters at {rest:,} more places after it")
    assert [d.span.column for d in found[:3]] == [1, 3, 5]


def test_a_run_of_two_says_the_character_after_it() -> None:
    (found,) = e002('scheme "x" {\x01\x02 }')
    assert found.message.endswith("outside quoted text, nor is the character after it")


def test_control_characters_are_e002_outside_strings_and_comments() -> None:
    """An escape sequence between words is E002 (once for the run); inside a string or a
    comment it is text, as LANGUAGE.md §2 says (the renderer escapes it when shown)."""
    (found,) = e002('scheme "x" {\n  \x1b[31m\n}\n')
    assert found.span.line == 2 and "U+001B" in found.message
    assert e002('scheme "x\x1b[31m" {\n}\n') == []
    assert e002('scheme "x" { # \x1b[31m red\n}\n') == []


# ---- item 14: format characters anywhere, a lone CR ends a line --------------------------

FORMAT_CHARACTERS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010),
                     0x2060, 0xFEFF]


@pytest.mark.parametrize("code", FORMAT_CHARACTERS, ids=lambda c: f"U+{c:04X}")
@pytest.mark.parametrize("where", ["string", "comment", "code"])
def test_format_characters_are_e002_anywhere(code: int, where: str) -> None:
    """Each bidirectional or zero-width format character is E002 inside a string, inside a
    comment and between words, naming the character (they make text read differently from
    what it means)."""
    char = chr(code)
    text = {"string": f'scheme "a{char}b" {{\n}}\n', "comment": f'scheme "a" {{ # a{char}b\n}}\n',
            "code": f'scheme "a" {{ {char}\n}}\n'}[where]
    (found,) = e002(text)
    assert f"(U+{code:04X})" in found.message and found.span.line == 1
    assert found.message.endswith("is not allowed anywhere, even in quoted text or a comment")


def test_a_byte_order_mark_is_allowed_only_first() -> None:
    assert e002("\ufeff" + RULEBOOK) == []
    assert [d.span.line for d in e002(RULEBOOK.replace("\n}", "\n\ufeff}", 1))] == [9]


HIDING = RULEBOOK.replace("  weight 30%\n  indicator inpatient",
                          "  weight 30%  # the CCG's share\r  combine minimum\n"
                          "  indicator inpatient")


def test_a_lone_cr_ends_a_comment() -> None:
    """The comment before a lone CR cannot hide the next line: the model is the one with a
    newline there, and the CMA goal combines by its minimum."""
    shown = HIDING.replace("\r", "\n")
    scheme, diagnostics = parse(HIDING)
    assert diagnostics == [] and scheme is not None
    assert scheme == parse(shown)[0]
    assert next(g for g in scheme.goals if g.code == "CMA").combine is not None


def test_lines_after_a_lone_cr_are_counted_as_editors_count_them() -> None:
    """A mistake after a lone CR is reported on the line an editor shows it on, and the
    caret line drawn under it is that line."""
    text = 'scheme "x" {\r  cquin value £100\r  yeer 2018/19\r}\r'
    (found,) = [d for d in parse(text)[1] if d.code == "E001"]
    assert (found.span.line, found.span.column) == (3, 3)
    assert "  yeer 2018/19" in found.render(text)


def test_the_formatter_and_file_kind_read_a_lone_cr_as_a_line_end() -> None:
    shown = HIDING.replace("\r", "\n")
    assert format_text(HIDING)[0] == format_text(shown)[0]
    assert "\n  combine minimum\n" in (format_text(HIDING)[0] or "")
    assert start_for("# a banner\rframework f \"F\" {\n}\n") == "framework_file"


@given(st.lists(st.sampled_from(["a", "b", " ", "\n", "\r", "\r\n"]), max_size=40))
def test_the_renderer_and_the_parser_agree_on_lines(parts: list[str]) -> None:
    """For any mix of LF, CR and CRLF, the line and column the parser gives an offset are
    where the renderer finds that character."""
    text = "".join(parts)
    lines = Lines(line_ends_as_newlines(text))
    source = SourceLines(text)
    for offset, char in enumerate(text):
        if char in "\r\n":
            continue
        line, column = lines.position(offset)
        shown = source.line(line)
        assert shown is not None and shown[column - 1] == char
    assert len(re.split("\r\n|\r|\n", text)) == len(lines.starts)


# ---- item 7: rendering is linear and capped ----------------------------------------------


def test_a_long_line_is_shown_as_a_window_round_the_caret() -> None:
    """A 1 MB line is drawn as a window of it, with the caret under the character."""
    text = "a" * 500_000 + "X" + "b" * 500_000
    diagnostic = Diagnostic("E001", "here", Span(1, 500_001, 1, 500_002), None, "f")
    _, line, caret = diagnostic.render(text).split("\n")
    assert len(line) < 300 and line.startswith("  …") and line.endswith("…")
    assert line[caret.index("^")] == "X" and caret.count("^") == 1


def test_the_number_shown_is_capped_with_a_count_of_the_rest() -> None:
    found = [Diagnostic("E104", "twice", Span(n, 1, n, 2), None, "f") for n in range(1, 501)]
    found += [Diagnostic("W502", "many", Span(1, 1, 1, 2), None, "f")] * 3
    shown = list(render_all(found, {"f": "x\n" * 500}))
    assert len(shown) == MOST_SHOWN + 1
    assert shown[-1] == f"and {500 - MOST_SHOWN:,} more errors and 3 more warnings"


_RENDER_MANY = textwrap.dedent(
    """
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
    from cquin_rules.base.diagnostics import Diagnostic, render_all
    from cquin_rules.base.span import Span
    text = "".join(f"  year 2018/19 # line {n} of a long file, with words\\n"
                   for n in range(16_000))
    found = [Diagnostic("E104", "given twice", Span(n, 3, n, 7), "keep one", "f")
             for n in range(1, 16_001)]
    import cquin_rules.base.diagnostics as d
    d.MOST_SHOWN = 10**9  # render every one: the cost, not the cap, is under test
    shown = list(render_all(found, {"f": text}))
    print(len(shown))
    """
)


def test_sixteen_thousand_diagnostics_render_within_a_cpu_bound() -> None:
    """16,000 diagnostics of a 16,000-line file render well inside a 20 s CPU limit (the
    kernel stops the child past it): the file's lines are indexed once, not once per
    diagnostic (which took 40 s)."""
    done = subprocess.run([sys.executable, "-c", _RENDER_MANY], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, f"killed or failed ({done.returncode}): {done.stderr[-1000:]}"
    assert done.stdout.split() == ["16000"]


# ---- item 18: shares the language bounds -------------------------------------------------


@pytest.mark.parametrize("share, codes", [("0%", []), ("100%", []), ("100.01%", ["E402"]),
                                          ("1000%", ["E402"])])
def test_payment_on_account_is_from_none_to_all(share: str, codes: list[str]) -> None:
    """LANGUAGE.md §3: a payment on account is 0% to 100% of the cquin value, E402 otherwise,
    at that statement."""
    text = RULEBOOK.replace("  national value 0.5% of contract",
                            f"  payment on account {share}\n  national value 0.5% of contract")
    found = [d for d in diagnose(text) if d.severity == "error"]
    assert [d.code for d in found] == codes
    assert all(d.span.line == 8 for d in found)


@pytest.mark.parametrize("count, codes", [("0", ["E001"]), ("1", [])])
def test_combine_at_least_counts_from_one(count: str, codes: list[str]) -> None:
    """LANGUAGE.md §6: K is 1 or more; `at least 0` would pay a goal in full with no data."""
    text = RULEBOOK.replace("  weight 30%\n  indicator inpatient",
                            f"  weight 30%\n  combine at least {count}\n  indicator inpatient")
    found = [d for d in diagnose(text) if d.severity == "error"]
    assert [d.code for d in found] == codes
