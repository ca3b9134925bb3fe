"""`cquin fmt`: canonical layout, every comment kept, meaning unchanged, idempotent."""

from __future__ import annotations

import json
import os
import re
import stat
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lark import Token, Tree
from strategies import schemes

from cquin_rules.syntax.formatter import (
    format_file,
    format_text,
    layout_tree,
    money,
    start_for,
    unified_diff,
    write_atomically,
)
from cquin_rules.syntax.parser import parse, parse_tree
from cquin_rules.syntax.printer import print_scheme

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    {
        *ROOT.glob("tests/conformance/*/*.cquin"),
        *ROOT.glob("rulebooks/**/*.cquin"),
        *ROOT.glob("cquin_rules/**/*.cquin"),
    }
)


# ---- helpers ---------------------------------------------------------------------------


def fmt(text: str, start: str = "rulebook") -> str:
    formatted, diagnostics = format_text(text, start=start)
    assert formatted is not None, [d.render(text) for d in diagnostics]
    return formatted


def comments(text: str, start: str = "rulebook") -> Counter[str]:
    """The multiset of comment texts (trailing spaces aside), as the lexer sees them."""
    _, found = layout_tree(text.removeprefix("\ufeff"), start)
    return Counter(str(c).rstrip() for c in found)


def shape(node: Tree[Token] | Token) -> Any:
    """The parse tree without layout: rule names and tokens, money without separators."""
    if isinstance(node, Token):
        value = node.value.replace(",", "") if node.type == "MONEY" else node.value
        return (node.type, value)
    return (node.data, tuple(shape(child) for child in node.children))


def same_meaning(before: str, after: str, start: str = "rulebook") -> None:
    assert shape(layout_tree(before, start)[0]) == shape(layout_tree(after, start)[0])
    if start == "rulebook":
        model_before, found_before = parse(before)
        model_after, found_after = parse(after)
        assert model_before == model_after
        assert [d.code for d in found_before] == [d.code for d in found_after]


def is_syntax_ok(text: str, start: str) -> bool:
    _, diagnostics = parse_tree(text, start)
    return not diagnostics


# ---- every rulebook and framework file in the project --------------------------------


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_project_files_keep_meaning_and_comments(path: Path) -> None:
    """Every shipped file formats idempotently, with every comment and the same model."""
    text = path.read_text(encoding="utf-8")
    start = start_for(text)
    if not is_syntax_ok(text, start):
        assert format_text(text, start=start)[0] is None
        return
    formatted = fmt(text, start)
    assert fmt(formatted, start) == formatted
    assert comments(formatted, start) == comments(text, start)
    same_meaning(text, formatted, start)


def test_project_has_files_to_format() -> None:
    """The parametrised test above really sees the conformance cases and rulebooks."""
    assert len(SOURCES) >= 10


# ---- the layout ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        ("£3000000", "£3,000,000"),
        ("£3,000,000", "£3,000,000"),
        ("£1234.56", "£1,234.56"),
        ("£0.50", "£0.50"),
        ("£999", "£999"),
        ("£250k", "£250k"),
        ("£1.5m", "£1.5m"),
        ("£1,2345", "£1,2345"),
        ("£012", "£012"),
        ("£1.5", "£1.5"),
    ],
)
def test_money_gets_thousands_separators_only_when_well_formed(
    written: str, formatted: str
) -> None:
    """Money is grouped in threes; `k`/`m` amounts and malformed ones stay as written."""
    assert money(written) == formatted


def test_start_for_reads_the_first_word_after_comments() -> None:
    """`framework` after comments and blank lines picks the framework start; else rulebook."""
    assert start_for("\ufeff# c\n\n  framework x \"t\" {}") == "framework_file"
    assert start_for('scheme "S" {}') == "rulebook"
    assert start_for("frameworks") == "rulebook"


def test_crlf_and_byte_order_mark_are_read() -> None:
    """CRLF line endings and a BOM parse; the output uses `\\n` and drops the BOM."""
    text = '\ufeffscheme "S" {\r\n  cquin value £5 # c\r\n}\r\n'
    assert fmt(text) == 'scheme "S" {\n  cquin value £5                         # c\n}\n'


# ---- errors ----------------------------------------------------------------------------


def test_syntax_error_gives_none_and_the_diagnostic() -> None:
    """A text that does not parse is not formatted; the E001 says where."""
    text = 'scheme "S" {\n  cquin value £5\n  pay linear from 60% 75%\n}\n'
    formatted, diagnostics = format_text(text, "r.cquin")
    assert formatted is None
    assert [(d.code, d.line, d.path) for d in diagnostics] == [("E001", 3, "r.cquin")]


def test_forbidden_character_stops_the_formatter() -> None:
    """A smart quote outside text (E002) is an error: nothing is formatted."""
    formatted, diagnostics = format_text('scheme \u201cS" {}\n')
    assert formatted is None
    assert "E002" in [d.code for d in diagnostics]


def test_empty_text_is_a_syntax_error() -> None:
    """An empty file has no scheme: E001 at line 1, nothing formatted."""
    formatted, diagnostics = format_text("")
    assert formatted is None
    assert [(d.code, d.line) for d in diagnostics] == [("E001", 1)]


# ---- files -----------------------------------------------------------------------------

UGLY = 'scheme "S" { cquin value £5000 }\n'
PRETTY = 'scheme "S" {\n  cquin value £5,000\n}\n'


def test_format_file_rewrites_the_file(tmp_path: Path) -> None:
    """A file that changes is rewritten, and the result says so."""
    path = tmp_path / "r.cquin"
    path.write_text(UGLY, encoding="utf-8")
    result = format_file(path)
    assert (result.changed, result.text, result.diagnostics) == (True, PRETTY, [])
    assert path.read_text(encoding="utf-8") == PRETTY
    assert not format_file(path).changed


def test_format_file_check_and_diff_do_not_write(tmp_path: Path) -> None:
    """`--check` and `--diff` report the change and leave the file alone."""
    path = tmp_path / "r.cquin"
    path.write_text(UGLY, encoding="utf-8")
    assert format_file(path, check=True).changed
    result = format_file(path, diff=True)
    assert result.changed
    assert "-scheme \"S\" { cquin value £5000 }\n" in result.diff
    assert "+  cquin value £5,000\n" in result.diff
    assert path.read_text(encoding="utf-8") == UGLY


def test_format_file_leaves_a_broken_file_untouched(tmp_path: Path) -> None:
    """A file with a syntax error is reported, not changed, not even its timestamp."""
    path = tmp_path / "r.cquin"
    path.write_bytes(b'scheme "S" {  cquin value\n')
    before = path.stat().st_mtime_ns
    result = format_file(path)
    assert (result.changed, result.text) == (False, None)
    assert [d.code for d in result.diagnostics] == ["E001"]
    assert path.read_bytes() == b'scheme "S" {  cquin value\n'
    assert path.stat().st_mtime_ns == before


def test_format_file_reports_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 give E002 and leave the file as it was."""
    path = tmp_path / "r.cquin"
    path.write_bytes(b'scheme "\xff" {}\n')
    result = format_file(path)
    assert (result.changed, [d.code for d in result.diagnostics]) == (False, ["E002"])
    assert path.read_bytes() == b'scheme "\xff" {}\n'


def test_format_file_keeps_crlf_line_endings(tmp_path: Path) -> None:
    """A file written with CRLF keeps CRLF, and a formatted CRLF file is unchanged."""
    path = tmp_path / "r.cquin"
    path.write_bytes(UGLY.replace("\n", "\r\n").encode())
    assert format_file(path).changed
    assert path.read_bytes() == PRETTY.replace("\n", "\r\n").encode()
    assert not format_file(path).changed


def test_format_file_detects_framework_files(tmp_path: Path) -> None:
    """A file starting with `framework` is formatted as a framework file."""
    path = tmp_path / "f.cquin"
    path.write_text('framework f "F" { year 2018/19 }', encoding="utf-8")
    result = format_file(path)
    assert result.diagnostics == []
    assert path.read_text(encoding="utf-8") == 'framework f "F" {\n  year 2018/19\n}\n'


def test_format_file_keeps_the_file_mode(tmp_path: Path) -> None:
    """The rewritten file keeps the old one's permissions."""
    path = tmp_path / "r.cquin"
    path.write_text(UGLY, encoding="utf-8")
    os.chmod(path, 0o640)
    format_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_write_atomically_leaves_the_old_file_whole_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed write leaves the old text in place and no temporary file behind."""
    path = tmp_path / "r.cquin"
    path.write_text(UGLY, encoding="utf-8")

    def fail(_: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, PRETTY)
    assert path.read_text(encoding="utf-8") == UGLY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.cquin"]


def test_unified_diff_names_the_file() -> None:
    """The diff names the file on both sides and is empty when nothing changes."""
    patch = unified_diff("r.cquin", "a\n", "b\n")
    assert patch.splitlines()[:2] == ["--- r.cquin (original)", "+++ r.cquin (formatted)"]
    assert unified_diff("r.cquin", "a\n", "a\n") == ""


# ---- property tests --------------------------------------------------------------------

NAMES = ("FLU", "A1", "uptake", "x", "early_b", "total", "value", "Q2")
STRINGS = ('"t"', '""', '"say \\"hi\\""', '"Dr O’Brien"', '"# not a comment"')
comment_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12
).map(lambda s: "#" + s)


@st.composite
def separators(draw: st.DrawFn) -> str:
    """Whitespace between two tokens, sometimes with comments in it."""
    kind = draw(st.integers(0, 9))
    if kind < 5:
        return draw(st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n\n\n", " \r\n  ", "\n    "]))
    if kind < 7:
        return draw(st.sampled_from(["", " ", "   "])) + draw(comment_texts) + "\n"
    return (
        draw(st.sampled_from(["\n", "\n\n"]))
        + draw(st.sampled_from(["", "  ", "      "]))
        + draw(comment_texts)
        + draw(st.sampled_from(["\n", "\n\n"]))
    )


def scramble(draw: st.DrawFn, words: list[str]) -> str:
    """The words with random layout and comments between them (and before and after)."""
    out = [draw(st.sampled_from(["", "# head\n", "# head\n\n"]))]
    dense = draw(st.booleans())  # mostly single spaces: many blocks written on one line
    for word in words:
        out.append(word)
        out.append(" " if dense and draw(st.integers(0, 9)) < 8 else draw(separators()))
    return "".join(out)


def sample(draw: st.DrawFn, options: tuple[str, ...] | list[str]) -> str:
    return draw(st.sampled_from(list(options)))


def money_word(draw: st.DrawFn) -> str:
    return sample(draw, ("£3000000", "£3,000,000", "£1234.56", "£250k", "£1.5m", "£0.01", "£7"))


def threshold(draw: st.DrawFn) -> list[str]:
    return sample(
        draw,
        ("60%", "250", "baseline", "baseline + 5pp", "baseline - 3", "baseline * 80%",
         "baseline + 5%"),
    ).split()


def condition(draw: st.DrawFn) -> list[str]:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return ["value", sample(draw, (">=", ">", "<=", "<")), *threshold(draw)]
    return ["denominator < 20", "achieved", "not achieved", "reported"][kind - 1].split()


def payout(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        return [sample(draw, ("100%", "50%", "0%", "12.5%"))]
    return ["linear", "from", *threshold(draw), "to", *threshold(draw)]


def pay(draw: st.DrawFn) -> list[str]:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return ["pay", "linear", "from", *threshold(draw), "to", *threshold(draw)]
    if kind == 1:
        return ["pay", sample(draw, ("100%", "50%")), "when", *condition(draw)]
    rows: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        rows += [*payout(draw), "when", *condition(draw)]
    return ["pay", "{", *rows, *payout(draw), "otherwise", "}"]


def indicator(draw: st.DrawFn) -> list[str]:
    words = ["indicator", sample(draw, NAMES)]
    if draw(st.booleans()):
        words.append(sample(draw, STRINGS))
    words.append("{")
    simple = (
        "measure percent", "measure number", "measure evidence", "higher is better",
        "lower is better", "weight 40%", "gate", "baseline 62%", "baseline 250",
        "minimum denominator 20", 'source "s"', "reported monthly", 'definition "d"',
        'exclusions "e"',
    )
    for _ in range(draw(st.integers(0, 3))):
        words += sample(draw, simple).split()
    if draw(st.booleans()):
        words.extend(["value", money_word(draw)])
    if draw(st.integers(0, 4)):
        words += pay(draw)
    return [*words, "}"]


def items(draw: st.DrawFn, depth: int) -> list[str]:
    words: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 3 and depth < 2:
            words += ["part", sample(draw, NAMES)]
            if draw(st.booleans()):
                words.append(sample(draw, STRINGS))
            words += ["{", *items(draw, depth + 1), "}"]
        elif kind == 2:
            words += sample(
                draw, ("combine weighted", "combine minimum", "combine all", "combine at least 2")
            ).split()
        else:
            words += indicator(draw)
    return words


def goal(draw: st.DrawFn) -> list[str]:
    words = ["goal", sample(draw, ("FLU", "CMA", "A1")), sample(draw, STRINGS), "{"]
    simple = (
        "national", "local", "domain safety", "domain safety , experience, innovation",
        'lead "l"', 'rationale "r"', "status green", "weight 20%",
    )
    for _ in range(draw(st.integers(0, 3))):
        words += sample(draw, simple).split()
    if draw(st.booleans()):
        words += ["value", money_word(draw)]
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 2))):
            period = sample(draw, ("Q2", "H1", "year"))
            words += ["period", period, "50%", "{", *items(draw, 1), "}"]
    else:
        words += items(draw, 0)
    return [*words, "}"]


def example(draw: st.DrawFn) -> list[str]:
    words = ["example", sample(draw, STRINGS), "{"]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3))
        path = sample(draw, ("FLU", "FLU . uptake", "CMA.x.y"))
        period = [sample(draw, ("Q2", "H1"))] if draw(st.booleans()) else []
        if kind == 0:
            measured = sample(
                draw, ("68%", "140/200", "212", "achieved", "not achieved", "yes", "no")
            )
            words += [*path.split(), *period, "=", *measured.split()]
        elif kind == 1:
            words += ["expect", sample(draw, ("total", "national", "local")), "=", money_word(draw)]
        elif kind == 2:
            words += ["expect", *path.split(), *period, "=", money_word(draw)]
        else:
            status = sample(draw, ("met", "partially met", "not met", "not reported"))
            words += ["expect", *path.split(), *period, "status", *status.split()]
    return [*words, "}"]


@st.composite
def rulebook_texts(draw: st.DrawFn) -> str:
    """A rulebook that parses (not necessarily one that checks), laid out at random."""
    header = [
        'provider "p"', 'commissioner "c"', "year 2018/19", "framework dh_2009_10",
        'framework "f.cquin"', "outturn value £104000000", "cquin value 2.5% of contract",
        "national value 0.5% of contract", "payment on account 90%",
        "reconcile at months 6 , 9,12",
    ]
    words = ["scheme", sample(draw, STRINGS), "{"]
    for _ in range(draw(st.integers(0, 4))):
        words += sample(draw, header).split()
    if draw(st.booleans()):
        words += ["contract", "value", money_word(draw)]
    words.append("}")
    for _ in range(draw(st.integers(0, 3))):
        words += goal(draw) if draw(st.integers(0, 3)) else example(draw)
    return scramble(draw, words)


@st.composite
def framework_texts(draw: st.DrawFn) -> str:
    """A framework file that parses, laid out at random."""
    statements = (
        "year 2018/19", "cquin value at most 2.5% of contract", "cquin value 1.25% of contract",
        "national value 0.5% of contract", "contract value at least £10000000",
        "contract value above £30,000,000", "require domains safety, effectiveness",
        "require equal weights", "goals at most 5", "indicators at most 5",
        "national indicators at most 5", "payment on account 100%", "reconcile at months 12",
        "warn all or nothing", "warn goals more than 10", "warn indicators more than 20",
    )
    words = ["framework", "f", sample(draw, STRINGS), "{"]
    for _ in range(draw(st.integers(0, 5))):
        words += sample(draw, statements).split()
    return scramble(draw, [*words, "}"])


def check_properties(text: str, start: str, model_check: Callable[[str, str], None]) -> None:
    assert is_syntax_ok(text, start), text
    once = fmt(text, start)
    assert fmt(once, start) == once
    assert comments(once, start) == comments(text, start)
    assert shape(layout_tree(once, start)[0]) == shape(
        layout_tree(text.removeprefix("\ufeff").replace("\r\n", "\n"), start)[0]
    )
    model_check(text, once)


def no_model_check(before: str, after: str) -> None:
    pass


def same_model(before: str, after: str) -> None:
    model_before, _ = parse(before)
    model_after, _ = parse(after)
    assert model_before == model_after


@given(rulebook_texts())
def test_generated_rulebooks_keep_meaning_comments_and_are_idempotent(text: str) -> None:
    """For random rulebook texts: parse(fmt(x)) = parse(x), fmt is idempotent, comments kept."""
    check_properties(text, "rulebook", same_model)


@given(framework_texts())
def test_generated_framework_files_keep_meaning_comments_and_are_idempotent(text: str) -> None:
    """The same properties for framework files."""
    check_properties(text, "framework_file", no_model_check)


@st.composite
def scrambled_valid_rulebooks(draw: st.DrawFn) -> tuple[Any, str]:
    """A valid scheme from the model strategies, printed, then laid out at random."""
    scheme = draw(schemes(examples=True))
    tree, _ = layout_tree(print_scheme(scheme))
    words = [str(token) for token in tree.scan_values(lambda v: isinstance(v, Token))]
    return scheme, scramble(draw, words)


@given(scrambled_valid_rulebooks())
def test_valid_rulebooks_format_to_the_same_model(case: tuple[Any, str]) -> None:
    """For valid schemes laid out at random, the formatted text gives back the scheme."""
    scheme, text = case
    check_properties(text, "rulebook", same_model)
    model, diagnostics = parse(fmt(text))
    assert model == scheme
    assert diagnostics == []


# ---- editor highlighting (editors/vscode) ----------------------------------------------

EDITOR = ROOT / "editors" / "vscode"
GRAMMAR = json.loads((EDITOR / "syntaxes" / "cquin.tmLanguage.json").read_text(encoding="utf-8"))


def _rules(patterns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Patterns with `include`s of the repository expanded, in order."""
    found: list[dict[str, Any]] = []
    for pattern in patterns:
        if "include" in pattern:
            found += _rules([GRAMMAR["repository"][pattern["include"].removeprefix("#")]])
        elif "patterns" in pattern and "match" not in pattern and "begin" not in pattern:
            found += _rules(pattern["patterns"])
        else:
            found.append(pattern)
    return found


def scopes(line: str) -> list[tuple[str, ...]]:
    """The scopes of each character of one line, as a TextMate engine assigns them: at
    each place the rule matching earliest (first listed on a tie) wins. Enough of the
    TextMate rules for this grammar: match, captures, begin/end with inner patterns."""
    result: list[tuple[str, ...]] = [()] * len(line)

    def paint(start: int, end: int, name: str | None, *, outer: bool = False) -> None:
        if name:
            for i in range(start, end):
                result[i] = (name, *result[i]) if outer else (*result[i], name)

    def captures(match: re.Match[str], names: dict[str, dict[str, str]]) -> None:
        for group, capture in names.items():
            if match.group(int(group)) is not None:
                paint(match.start(int(group)), match.end(int(group)), capture["name"])

    def run(rules: list[dict[str, Any]], pos: int, end_pattern: str | None) -> int:
        while pos < len(line):
            candidates = [
                (rule, re.compile(rule.get("match") or rule["begin"]).search(line, pos))
                for rule in rules
            ]
            best: tuple[dict[str, Any] | None, re.Match[str] | None] = (None, None)
            for candidate, found in candidates:
                if found and (best[1] is None or found.start() < best[1].start()):
                    best = (candidate, found)
            closing = re.compile(end_pattern).search(line, pos) if end_pattern else None
            chosen, match = best
            if closing and (match is None or closing.start() <= match.start()):
                return closing.start()
            if chosen is None or match is None:
                return len(line)
            rule = chosen
            if "match" in rule:
                paint(match.start(), match.end(), rule.get("name"))
                captures(match, rule.get("captures", {}))
                pos = max(match.end(), match.start() + 1)
                continue
            paint(match.start(), match.end(), rule.get("name"))
            captures(match, rule.get("beginCaptures", {}))
            inner_end = run(_rules(rule.get("patterns", [])), match.end(), rule["end"])
            closed = re.compile(rule["end"]).match(line, inner_end)
            stop = closed.end() if closed else len(line)
            paint(match.end(), stop, rule.get("name"), outer=True)
            if closed:
                captures(closed, rule.get("endCaptures", {}))
            pos = max(stop, match.end() + 1)
        return pos

    run(_rules(GRAMMAR["patterns"]), 0, None)
    return result


def scope_of(line: str, text: str, occurrence: int = 0) -> str:
    """The innermost scope of `text`'s first character, where it occurs in `line`."""
    index = -1
    for _ in range(occurrence + 1):
        index = line.index(text, index + 1)
    return scopes(line)[index][-1] if scopes(line)[index] else ""


def test_extension_manifest_registers_language_grammar_and_server() -> None:
    """package.json names the language, the grammar file and a configurable `cquin` path."""
    manifest = json.loads((EDITOR / "package.json").read_text(encoding="utf-8"))
    contributes = manifest["contributes"]
    assert contributes["languages"][0]["extensions"] == [".cquin"]
    grammar = contributes["grammars"][0]
    assert (grammar["language"], grammar["scopeName"]) == ("cquin", GRAMMAR["scopeName"])
    assert (EDITOR / grammar["path"]).is_file()
    assert contributes["configuration"]["properties"]["cquin.path"]["default"] == "cquin"
    assert "vscode-languageclient" in manifest["dependencies"]
    script = (EDITOR / manifest["main"]).read_text(encoding="utf-8")
    assert 'args: ["lsp"]' in script and 'get("path")' in script


def test_language_configuration_knows_comments_brackets_and_quotes() -> None:
    """`#` comments, `{ }` brackets and auto-closing double quotes."""
    config = json.loads((EDITOR / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"]["lineComment"] == "#"
    assert ["{", "}"] in config["brackets"]
    assert {"open": '"', "close": '"', "notIn": ["string", "comment"]} in config["autoClosingPairs"]


@pytest.mark.parametrize(
    ("line", "text", "scope"),
    [
        ('goal FLU "Flu" {', "goal", "storage.type.goal.cquin"),
        ('goal FLU "Flu" {', "FLU", "entity.name.type.goal.cquin"),
        ("  indicator uptake {", "uptake", "entity.name.function.item.cquin"),
        ('  lead "Dr \\"O\\" # here"  # note', "here", "string.quoted.double.cquin"),
        ('  lead "Dr \\"O\\" # here"  # note', '\\"', "constant.character.escape.cquin"),
        ('  lead "Dr \\"O\\" # here"  # note', "# note", "punctuation.definition.comment.cquin"),
        ('  lead "Dr \\"O\\" # here"  # note', "note", "comment.line.number-sign.cquin"),
        ("  contract value £120,000,000", "£120", "constant.numeric.money.cquin"),
        ("  value £1.5m", "£1.5m", "constant.numeric.money.cquin"),
        ("  weight 62.5%", "62.5", "constant.numeric.percent.cquin"),
        ("  pay 100% when value >= baseline + 5pp", "5pp", "constant.numeric.points.cquin"),
        ("  pay 100% when value >= baseline + 5pp", ">=", "keyword.operator.comparison.cquin"),
        ("  pay 100% when value >= baseline + 5pp", "when", "keyword.control.pay.cquin"),
        ("  minimum denominator 20", "20", "constant.numeric.cquin"),
        ("  year 2018/19", "2018/19", "constant.numeric.year.cquin"),
        ("  CMA.community = 140/200", "140/200", "constant.numeric.fraction.cquin"),
        ("  REC.courses Q4 = not achieved", "achieved", "constant.language.cquin"),
        ("  domain safety, experience", "safety", "support.constant.cquin"),
        ("  period Q2 50% {", "Q2", "constant.other.period.cquin"),
        ("  combine at least 2", "least", "keyword.other.cquin"),
    ],
)
def test_textmate_grammar_scopes(line: str, text: str, scope: str) -> None:
    """Keywords, names, strings, comments and every kind of literal get their scope."""
    assert scope_of(line, text) == scope


def test_textmate_grammar_colours_every_keyword_of_the_language() -> None:
    """Every word the grammar (cquin.lark) gives meaning to is coloured as a keyword."""
    words = set(re.findall(r'"([a-z]+)"', (ROOT / "grammar" / "cquin.lark").read_text()))
    assert len(words) > 60
    keyword_like = ("keyword.", "storage.type", "constant.language")
    uncoloured = [w for w in sorted(words) if not scope_of(f" {w} ", w).startswith(keyword_like)]
    assert uncoloured == []


def test_empty_indicator_lines_up_with_its_one_line_neighbours_at_once() -> None:
    """An empty indicator, written `{}`, joins its one-line neighbours the first time."""
    text = (
        'scheme "S" {}\ngoal G "g" {\n  indicator a { pay 100% when achieved }\n'
        "  indicator bb {\n  }\n}\n"
    )
    once = fmt(text)
    assert "  indicator a  { pay 100% when achieved }\n  indicator bb {}\n" in once
    assert fmt(once) == once
