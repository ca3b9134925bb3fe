"""The syntax stage: bytes to text, forbidden characters (E002) and syntax errors (E001)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import CONFORMANCE, case_params, conformance_cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.syntax.lalr import get_parser
from cquin_rules.syntax.parser import decode, parse, parse_tree

HERE = Path(__file__).parent
CASES = case_params(conformance_cases(), "parse")
SPEC_EXAMPLE = (CONFORMANCE / "01-spec-example" / "rulebook.cquin").read_text("utf-8")

HEADER = 'scheme "S" {\n  cquin value £500,000\n}\n'


def codes(diagnostics: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in diagnostics]


def only(diagnostics: list[Diagnostic], code: str = "E001") -> Diagnostic:
    assert [d.code for d in diagnostics] == [code], [d.render() for d in diagnostics]
    return diagnostics[0]


def goal(body: str) -> str:
    return HEADER + f'goal A "A" {{\n  {body}\n}}\n'


def indicator(body: str) -> str:
    return goal(f"domain safety\n  weight 100%\n  indicator x {{ {body} }}")


# ---- the parser itself --------------------------------------------------------------


def test_parser_is_built_once() -> None:
    """get_parser() returns the same cached Lark object every time."""
    assert get_parser() is get_parser()


@pytest.mark.parametrize("case", CASES)
def test_conformance_rulebooks_parse(case: Path) -> None:
    """Every conformance rulebook parses; only the syntax case reports a syntax error."""
    path = case / "rulebook.cquin"
    text = path.read_text("utf-8")
    expected = json.loads((case / "expect.json").read_text("utf-8"))
    syntax = [
        (code, line)
        for code, line in expected.get("check", {}).get("diagnostics", [])
        if code in ("E001", "E002", "E104")
    ]
    scheme, diagnostics = parse(text, str(path))
    assert codes(diagnostics) == [tuple(pair) for pair in syntax]
    assert all(d.path == str(path) for d in diagnostics)
    if not syntax:
        assert scheme is not None


def test_case_14_says_to_is_expected() -> None:
    """`linear from 60% 75%` is E001 at line 12, saying `to` was expected, in words."""
    text = (CONFORMANCE / "14-E001-syntax" / "rulebook.cquin").read_text("utf-8")
    scheme, diagnostics = parse(text)
    error = only(diagnostics)
    assert scheme is None
    assert error.line == 12
    assert error.column == text.splitlines()[11].index("75%") + 1
    assert "expected `to` after the first threshold of `linear from`" in error.message
    assert "TO" not in error.message and "PERCENT" not in error.message


def test_framework_files_parse_with_their_own_start() -> None:
    """parse_tree(..., "framework_file") parses a framework file (for the framework stage)."""
    text = 'framework f "F" {\n  year 2018/19\n  warn all or nothing\n}\n'
    tree, diagnostics = parse_tree(text, "framework_file")
    assert diagnostics == []
    assert tree is not None and tree.data == "framework_file"


# ---- E001: syntax errors in words ---------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n# and another\n"])
def test_an_empty_file_is_e001_at_line_1(text: str) -> None:
    """An empty or comment-only file is E001 at line 1 asking for the scheme header."""
    scheme, diagnostics = parse(text)
    error = only(diagnostics)
    assert scheme is None
    assert (error.line, error.column) == (1, 1)
    assert 'the scheme header `scheme "title" { … }`' in error.message


def test_a_rulebook_must_start_with_its_scheme() -> None:
    """A goal before the scheme block is E001 naming the scheme header."""
    error = only(parse('goal A "A" { }\n')[1])
    assert "scheme header" in error.message and "found `goal`" in error.message


@pytest.mark.parametrize(
    "rows",
    [
        "100% when value >= 90%",
        "0% otherwise  100% when value >= 90%",
        "100% when value >= 90%  0% otherwise  50% otherwise",
        "",
    ],
)
def test_a_missing_or_misplaced_otherwise_row_is_e001_with_a_hint(rows: str) -> None:
    """A pay table without a final `otherwise` row, or with a row after it, is E001."""
    error = only(parse(indicator(f"pay {{ {rows} }}"))[1])
    assert error.hint == 'add "0% otherwise" as the last row'


@pytest.mark.parametrize(
    ("share", "hint"),
    [
        ("1/4", "write it as a percentage: `1/4` is `25%`"),
        ("1/8", "write it as a percentage: `1/8` is `12.5%`"),
        ("4/4", "write it as a percentage: `4/4` is `100%`"),
        ("1/3", "`1/3` is no exact percentage; for items that share equally, leave out all "
                "their `weight` lines: items with none share equally"),
        ("1/0", "write a percentage such as `50%`"),
    ],
)
def test_a_fraction_where_a_percentage_belongs_gets_the_percentage_or_equal_shares(
        share: str, hint: str) -> None:
    """`weight 1/3` (a commissioner's "a third each") is E001 with a hint that says what
    to write instead: the exact percentage, or leaving weights out for equal shares."""
    error = only(parse(goal(f"weight {share}"))[1])
    assert f"found the fraction `{share}`" in error.message
    assert error.hint == hint


@pytest.mark.parametrize(
    ("body", "word"),
    [("weight20%", "weight20"), ("domainsafety", "domainsafety")],
)
def test_words_are_read_whole(body: str, word: str) -> None:
    """A keyword run into what follows is one unknown word: E001, with a hint to split it."""
    error = only(parse(goal(body))[1])
    assert f"found `{word}`" in error.message
    assert error.hint is not None and error.hint.startswith("put a space after")


def test_a_misspelt_keyword_gets_a_did_you_mean() -> None:
    """`wieght 20%` in a goal suggests `weight`."""
    error = only(parse(goal("wieght 20%"))[1])
    assert error.hint == "did you mean `weight`?"
    assert "a goal statement" in error.message


@pytest.mark.parametrize(
    ("body", "written"),
    [
        ("weight 62.5 %", "62.5%"),
        ("indicator x { baseline 60%  pay 100% when value >= baseline + 5 pp }", "5pp"),
    ],
)
def test_a_space_inside_a_literal_is_explained(body: str, written: str) -> None:
    """`62.5 %` and `5 pp` say no space is allowed inside a number, and how to write it."""
    error = only(parse(goal(body))[1])
    assert error.message == f"no space is allowed inside a number: write {written}"
    assert error.line == 5


@pytest.mark.parametrize("body", ["weight 5pp", "indicator x { pay 100% when value >= 5pp }"])
def test_percentage_points_only_after_baseline_plus_or_minus(body: str) -> None:
    """`5pp` outside `baseline +`/`baseline -` explains what percentage points are for."""
    error = only(parse(goal(body))[1])
    assert "only used after `baseline +` or `baseline -`" in error.message
    assert error.hint == "write a percentage such as `5%`"


@pytest.mark.parametrize(
    ("body", "name"),
    [("weight $5", "dollar sign"), ("weight 5%;", "semicolon"), ("weight 5% @", "commercial at")],
)
def test_unknown_characters_are_named(body: str, name: str) -> None:
    """A character that is no part of the language is named, at its own column."""
    text = goal(body)
    error = only(parse(text)[1])
    char = body[-1] if body[-1] in ";@" else "$"
    assert f"the character `{char}` ({name}, U+" in error.message
    assert error.column == text.splitlines()[error.line - 1].index(char) + 1


def test_an_unterminated_string_is_explained() -> None:
    """A string with no closing quote on its line says so, at its opening quote."""
    text = HEADER + 'goal A "Unfinished {\n  weight 100%\n}\n'
    error = only(parse(text)[1])
    assert error.message == "this text in quotes is not closed"
    assert (error.line, error.column) == (4, 8)


def test_a_missing_closing_brace_is_reported_at_the_end() -> None:
    """A file that ends inside a block expects a closing brace, found the end of the file."""
    error = only(parse(HEADER + 'goal A "A" {\n  weight 100%\n')[1])
    assert "a closing brace `}`" in error.message
    assert error.message.endswith("found the end of the file")


def test_the_expected_set_is_narrow() -> None:
    """After `domain safety` the message offers goal words, never framework words."""
    error = only(parse(goal("domain safety  goals at most 3"))[1])
    assert "require" not in error.message and "warn" not in error.message
    assert "a goal statement" in error.message


# ---- E002: forbidden characters, decoding ---------------------------------------------


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u201c", "a left double quotation mark (U+201C)"),
        ("\u201d", "a right double quotation mark (U+201D)"),
        ("\u2019", "a right single quotation mark (U+2019)"),
    ],
)
def test_smart_quotes_are_e002_and_the_rest_is_still_checked(char: str, name: str) -> None:
    """A smart quote outside a string is E002 naming it; later mistakes are still found."""
    text = HEADER + f'goal A {char}A" {{\n  domain safty\n}}\n'
    _, diagnostics = parse(text)
    assert codes(diagnostics) == [("E002", 4), ("E001", 5)]
    assert diagnostics[0].message == f"{name} is not allowed outside quoted text"
    assert diagnostics[0].column == 8
    assert diagnostics[0].hint is not None and '"' in diagnostics[0].hint
    assert "safty" in diagnostics[1].message


def test_a_smart_quote_closing_a_string_is_e002() -> None:
    """`"title”` is read as a string closed by a smart quote: E002 at that quote only."""
    text = 'scheme "S\u201d {\n  cquin value £1\n}\n'
    scheme, diagnostics = parse(text)
    assert codes(diagnostics) == [("E002", 1)]
    assert diagnostics[0].column == 10
    assert scheme is not None and scheme.header.title == "S"


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u00a0", "a no-break space (U+00A0)"),
        ("\u202f", "a narrow no-break space (U+202F)"),
        ("\u2007", "a figure space (U+2007)"),
    ],
)
def test_non_breaking_spaces_are_e002(char: str, name: str) -> None:
    """A non-breaking space between words is E002, and the file parses as if plain."""
    text = HEADER.replace("cquin value", f"cquin{char}value")
    scheme, diagnostics = parse(text)
    error = only(diagnostics, "E002")
    assert error.message.startswith(name)
    assert error.hint == "use a plain space"
    assert (error.line, error.column) == (2, 8)
    assert scheme is not None and scheme.header.cquin_value is not None


def test_smart_quotes_in_strings_and_comments_are_fine() -> None:
    """Inside strings and comments any character but NUL is allowed."""
    text = 'scheme "Dr O\u2019Brien\u00a0\u201cx\u201d" { # it\u2019s \u201cfine\u201d\u00a0\n}\n'
    scheme, diagnostics = parse(text)
    assert diagnostics == []
    assert scheme is not None and scheme.header.title == "Dr O\u2019Brien\u00a0\u201cx\u201d"


@pytest.mark.parametrize(
    "text",
    ['scheme "S\x00" {\n}\n', 'scheme "S" { # \x00\n}\n', 'scheme "S" {\x00}\n'],
)
def test_nul_is_e002_everywhere(text: str) -> None:
    """NUL is E002 inside strings and comments too."""
    error = only(parse(text)[1], "E002")
    assert error.message == "a NUL character (U+0000) is not allowed anywhere in a rulebook"
    assert error.column == text.index("\x00") + 1


def test_not_utf8_is_e002_with_the_byte_offset() -> None:
    """Bytes that are not UTF-8 give no text and one E002 with the offset and position."""
    data = b'scheme "S" {\n  provider "Caf' + b"\xe9" + b'"\n}\n'
    text, diagnostics = decode(data, "bad.cquin")
    error = only(diagnostics, "E002")
    assert text is None
    offset = data.index(b"\xe9")
    assert error.message == f"the file is not UTF-8 text (byte offset {offset})"
    assert (error.line, error.column) == (2, 16)
    assert error.hint is not None and "UTF-8" in error.hint
    assert error.path == "bad.cquin"


def test_a_byte_order_mark_and_crlf_are_accepted() -> None:
    """A UTF-8 BOM is ignored and CRLF line endings parse to the same model."""
    data = ("\ufeff" + SPEC_EXAMPLE.replace("\n", "\r\n")).encode("utf-8")
    text, decode_diagnostics = decode(data)
    assert decode_diagnostics == [] and text is not None
    scheme, diagnostics = parse(text)
    assert diagnostics == []
    assert scheme == parse(SPEC_EXAMPLE)[0]
    assert parse("\ufeff" + SPEC_EXAMPLE)[0] == scheme


# ---- properties -----------------------------------------------------------------------


def _inside(text: str, diagnostic: Diagnostic) -> bool:
    lines = re.split("\r\n|\r|\n", text.removeprefix("\ufeff"))  # a lone CR ends a line
    span = diagnostic.span
    if not 1 <= span.line <= len(lines):
        return False
    return 1 <= span.column <= len(lines[span.line - 1]) + 1


_PIECES = re.findall(r"\S+|\s+", SPEC_EXAMPLE)


@st.composite
def _mangled_rulebooks(draw: st.DrawFn) -> str:
    """The spec example with a few pieces dropped, doubled or replaced by random text."""
    pieces = list(_PIECES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(pieces) - 1))
        action = draw(st.sampled_from(["drop", "double", "replace"]))
        if action == "drop":
            del pieces[index]
        elif action == "double":
            pieces.insert(index, pieces[index])
        else:
            pieces[index] = draw(st.text(max_size=6))
    return "".join(pieces)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), _mangled_rulebooks()))
def test_parse_never_raises_and_points_inside_the_input(text: str) -> None:
    """For any text, parse() returns (never raises) diagnostics that point inside it."""
    scheme, diagnostics = parse(text)
    assert all(_inside(text, d) for d in diagnostics), [d.render() for d in diagnostics]
    assert all(d.code in ("E001", "E002", "E104") for d in diagnostics)
    if scheme is None:
        assert any(d.code == "E001" for d in diagnostics)
