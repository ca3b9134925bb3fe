"""The shipped LALR tables (cquin_rules/grammar_tables.json): current, plain data, and the
same parser as one built from the grammar."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lark
import pytest
from lark import Lark, Token, Tree

import cquin_rules.syntax.lalr as parser_module
from cquin_rules.syntax import grammar_tables
from cquin_rules.syntax.lalr import get_parser
from cquin_rules.syntax.parser import parse_tree, start_for

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cquin_rules"
GRAMMAR = ROOT / "grammar" / "cquin.lark"
SOURCES = sorted(
    path
    for folder in (ROOT / "tests", ROOT / "rulebooks", PACKAGE)
    for path in folder.rglob("*.cquin")
)

HEADER = 'scheme "S" {\n  cquin value £500,000\n}\n'


def indicator(body: str) -> str:
    goal = 'goal A "A" {\n  domain safety\n  weight 100%\n'
    return HEADER + goal + f"  indicator x {{ {body} }}\n}}\n"


BROKEN = {
    "empty": "",
    "header not closed": 'scheme "S" {\n  cquin value £500,000\n',
    "word run together": HEADER + 'goal A "A" {\n  weight20%\n}\n',
    "linear without to": indicator("pay linear from 60%"),
    "smart quotes": "scheme \u201cS\u201d {\n}\n",
    "spaced percentage": indicator("pay linear from 62.5 % to 75%"),
    "spaced money": 'scheme "S" {\n  cquin value £ 250\n}\n',
    "dollar": 'scheme "S" {\n  cquin value $250\n}\n',
    "open string": 'scheme "S {\n}\n',
    "stray brace": HEADER + "}\n",
    "otherwise not last": indicator("pay {\n 0% otherwise\n 100% when value >= 90%\n }"),
    "misspelt keyword": HEADER + 'goal A "A" {\n  wieght 20%\n}\n',
    "framework cut short": "framework {\n  year 2019/20\n",
}


@pytest.fixture(scope="module")
def built() -> Lark:
    """A parser built from the grammar text, not read from the tables."""
    return parser_module.build_parser(parser_module.grammar_text())


def shipped() -> dict[str, Any]:
    tables: dict[str, Any] = json.loads(grammar_tables.TABLES.read_text("utf-8"))
    return tables


def test_tables_match_the_grammar() -> None:
    """The tables were built from grammar/cquin.lark as it is now: after editing the
    grammar, run `python grammar/build_tables.py`."""
    grammar = GRAMMAR.read_text("utf-8")
    assert shipped()["grammar_sha256"] == grammar_tables.grammar_hash(grammar), (
        "grammar/cquin.lark changed: run `python grammar/build_tables.py`"
    )
    assert parser_module.grammar_text() == grammar


def test_tables_are_what_the_grammar_builds(built: Lark) -> None:
    """Regenerating the tables gives the shipped file byte for byte (same every time,
    whatever Python's string hashing)."""
    recorded = shipped()["lark_version"]
    if recorded != lark.__version__:
        pytest.skip(f"tables written by Lark {recorded}, Lark {lark.__version__} installed")
    grammar = parser_module.grammar_text()
    expected = grammar_tables.render(grammar_tables.encode(built, grammar))
    assert grammar_tables.TABLES.read_text("utf-8") == expected


def test_get_parser_reads_the_tables() -> None:
    """With the installed Lark, get_parser() is read from the tables, not built."""
    if shipped()["lark_version"] != lark.__version__:
        pytest.skip("the tables were written by another Lark; the parser is built instead")
    assert get_parser().source_path == "<deserialized>"


def test_decoder_restores_lark_serialisation(built: Lark) -> None:
    """JSON and the decoder give back exactly what Lark serialised: integer keys, tuples."""
    encoded = grammar_tables.encode(built, parser_module.grammar_text())
    read = json.loads(grammar_tables.render(encoded))
    data, memo = grammar_tables.decode(read["data"], read["memo"])
    assert data == encoded["data"]
    assert memo == encoded["memo"]
    assert all(isinstance(key, int) for key in memo)


def test_same_terminals(built: Lark) -> None:
    """The loaded parser has the built one's terminals, patterns and priorities."""
    def terminals(parser: Lark) -> list[tuple[str, str, str, int]]:
        return sorted(
            (t.name, type(t.pattern).__name__, t.pattern.value, t.priority)
            for t in parser.terminals
        )

    assert terminals(get_parser()) == terminals(built)


def shape(tree: Tree[Token]) -> Iterator[tuple[object, ...]]:
    """Every node and token of a tree with its positions (Tree equality ignores them)."""
    meta = tree.meta
    yield (tree.data, len(tree.children), meta.line, meta.column, meta.end_line,
           meta.end_column, meta.start_pos, meta.end_pos)
    for child in tree.children:
        if isinstance(child, Tree):
            yield from shape(child)
        else:
            yield (child.type, str(child), child.line, child.column, child.end_line,
                   child.end_column, child.start_pos, child.end_pos)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_trees_for_every_cquin_file(path: Path, built: Lark) -> None:
    """The loaded and the built parser give identical trees, positions included."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    start = start_for(text)
    try:
        expected = list(shape(built.parse(text, start=start)))
    except lark.exceptions.UnexpectedInput:
        with pytest.raises(lark.exceptions.UnexpectedInput):
            get_parser().parse(text, start=start)
        return
    assert list(shape(get_parser().parse(text, start=start))) == expected


def diagnostics(text: str) -> list[tuple[str, str, object, str | None]]:
    _, found = parse_tree(text, start_for(text))
    return [(d.code, d.message, d.span, d.hint) for d in found]


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
def test_same_syntax_errors(text: str, built: Lark, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken input gets the same E001/E002 messages, spans and hints either way."""
    from_tables = diagnostics(text)
    assert any(code in ("E001", "E002") for code, *_ in from_tables), from_tables
    monkeypatch.setattr(parser_module, "get_parser", lambda: built)
    assert diagnostics(text) == from_tables


def test_other_grammar_is_not_read_from_the_tables() -> None:
    """An edited grammar, another Lark or other options make load() refuse the tables."""
    grammar = parser_module.grammar_text()
    options = parser_module.OPTIONS
    postlex = parser_module.WordsWhole()
    if shipped()["lark_version"] == lark.__version__:
        assert grammar_tables.load(grammar, options, postlex) is not None
    else:
        assert grammar_tables.load(grammar, options, postlex) is None
    assert grammar_tables.load(grammar + "\n// edited\n", options, postlex) is None
    assert grammar_tables.load(grammar, {**options, "propagate_positions": False}, postlex) is None


def test_stale_or_broken_file_is_not_read(tmp_path: Path) -> None:
    """A file from another Lark, a truncated file or a missing one gives None."""
    grammar = parser_module.grammar_text()
    options = parser_module.OPTIONS
    postlex = parser_module.WordsWhole()
    other_lark = tmp_path / "other.json"
    other_lark.write_text(json.dumps({**shipped(), "lark_version": "0.0.1"}), "utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(grammar_tables.TABLES.read_text("utf-8")[:5000], "utf-8")
    for path in (other_lark, truncated, tmp_path / "missing.json"):
        assert grammar_tables.load(grammar, options, postlex, path) is None


def test_nothing_is_unpickled() -> None:
    """No module of cquin_rules imports pickle (or its kin) or uses Lark's pickle cache."""
    forbidden = re.compile(
        r"^\s*(import|from)\s+(c?pickle|_pickle|shelve|marshal|dill)\b"
        r"|\bpickle\.|\bcache\s*=\s*(True|['\"]|str\()|\bLark\.load\("
        r"|CQUIN_CACHE_DIR",
        re.MULTILINE,
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for match in forbidden.finditer(path.read_text("utf-8"))
    ]
    assert found == []



def test_the_grammar_is_strict_and_strictness_does_not_change_the_tables(built: Lark) -> None:
    """Built in Lark's strict mode (no shift/reduce conflict, no colliding terminals; it
    needs `interegular`, a test dependency), the grammar gives the tables the runtime
    parser is built with, which does not need strict mode."""
    pytest.importorskip("interegular")
    grammar = parser_module.grammar_text()
    strict = grammar_tables.encode(parser_module.build_parser(grammar, strict=True), grammar)
    runtime = grammar_tables.encode(built, grammar)
    assert strict["data"]["options"].pop("strict") is True
    assert runtime["data"]["options"].pop("strict") is False
    assert strict == runtime


def test_no_build_dependent_width_is_recorded() -> None:
    """Defect 5: the file records no regex width (its unbounded value is the `re` module's
    MAXREPEAT, 2**64 on one build of Python 3.11 and 2**32 - 1 on Debian's), so the same
    file is right on every build; loaded, the widths are the running Python's own."""
    text = grammar_tables.TABLES.read_text("utf-8")
    assert '"_width":null' in text
    assert "18446744073709551616" not in text and "4294967295" not in text
    loaded = {t.name: t.pattern.max_width for t in get_parser().terminals}
    assert loaded == {t.name: t.pattern.max_width for t in build_parser_terminals()}


def build_parser_terminals() -> list[Any]:
    return list(parser_module.build_parser(parser_module.grammar_text()).terminals)


#: Comments seen by the `layout_built` parser, cleared by each test.
COMMENTS: list[Token] = []


@pytest.fixture(scope="module")
def layout_built() -> Lark:
    """Lark's own `keep_all_tokens` parser, built from the grammar text."""
    return parser_module.build_parser(parser_module.grammar_text(), keep_all_tokens=True,
                                      lexer_callbacks={"COMMENT": COMMENTS.append})


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_formatter_parser_from_tables_keeps_every_token(path: Path, layout_built: Lark) -> None:
    """The formatter's parser, read from the shipped tables with every token kept, gives
    the trees and comments that Lark's `keep_all_tokens` parser built from the grammar
    gives."""
    from cquin_rules.syntax import formatter

    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    start = start_for(text)
    COMMENTS.clear()
    try:
        expected = list(shape(layout_built.parse(text, start=start)))
    except lark.exceptions.UnexpectedInput:
        return
    comments = list(COMMENTS)
    tree, found = formatter.layout_tree(text, start)
    assert list(shape(tree)) == expected
    assert [(c.value, c.line) for c in found] == [(c.value, c.line) for c in comments]


def test_formatter_parser_is_read_from_the_tables() -> None:
    """With the installed Lark, `cquin fmt` reads its parser from the tables too, so it
    needs neither the grammar built again nor strict mode's `interegular`."""
    from cquin_rules.syntax import formatter

    if shipped()["lark_version"] != lark.__version__:
        pytest.skip("the tables were written by another Lark; the parser is built instead")
    assert formatter._layout_parser().source_path == "<deserialized>"


_WITHOUT_TEST_EXTRA = """
import sys
sys.modules["interegular"] = None  # as after a plain `pip install .`: import fails
import lark
if sys.argv[1] == "other-lark":  # the tables were written by another Lark: built instead
    lark.__version__ = "0.0.0"
from cquin_rules.api import diagnose
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.lalr import get_parser
text = open(sys.argv[2], encoding="utf-8").read()
assert [d for d in diagnose(text, "r.cquin") if d.severity == "error"] == []
formatted, found = format_text(text, "r.cquin")
assert formatted is not None and found == [], found
print(get_parser().source_path)
"""


@pytest.mark.parametrize("lark_version", ["same-lark", "other-lark"])
def test_check_and_fmt_need_no_test_dependency(lark_version: str) -> None:
    """Defect 4: with `interegular` not importable, `check` and `fmt` work whether the
    parser is read from the tables or built from the grammar (another Lark installed)."""
    rulebook = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
    done = subprocess.run([sys.executable, "-c", _WITHOUT_TEST_EXTRA, lark_version,
                           str(rulebook)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    built = done.stdout.strip() != "<deserialized>"
    assert built == (lark_version == "other-lark" or shipped()["lark_version"] != lark.__version__)
