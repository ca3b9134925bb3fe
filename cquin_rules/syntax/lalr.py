"""The LALR parser for rulebooks and framework files: built once, from the shipped tables."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.lark import PostLex

from . import grammar_tables

__all__ = ["OPTIONS", "WordsWhole", "build_parser", "get_parser", "grammar_text"]


class WordsWhole(PostLex):
    """Lets NAME be lexed in every parser state, so a run of letters is read as one word
    before it is classed as a keyword (`weight20%` is one bad word, not `weight` `20%`)."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def grammar_text() -> str:
    """The text of grammar/cquin.lark: shipped inside the package, or from the source tree.
    A file on disk is read directly: importlib.resources costs start-up time, and is
    needed only when the package is not a folder (a zip)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "grammar" / "cquin.lark",
                      package.parent / "grammar" / "cquin.lark"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    # lazy: only for a package that is not a folder on disk
    from importlib.resources import files

    return files("cquin_rules").joinpath("grammar").joinpath("cquin.lark").read_text(
        encoding="utf-8")


#: How the parser is built (the formatter's parser adds to them). The shipped tables record
#: them, and are used only when they match. Not `strict`: strict mode needs `interegular`,
#: a test dependency, and only checks the grammar (no shift/reduce conflict, no two
#: terminals that can match the same text) without changing the tables it builds;
#: tests/test_grammar_tables.py builds it strictly and compares.
OPTIONS: dict[str, object] = {
    "parser": "lalr",
    "lexer": "contextual",
    "strict": False,
    "propagate_positions": True,
    "maybe_placeholders": False,
    "start": ["rulebook", "framework_file"],
}


def build_parser(grammar: str, **extra: object) -> Lark:
    """The parser built from `grammar` with `OPTIONS` and `extra` (the formatter's, or
    `strict=True` in the tests), without the shipped tables (slow)."""
    options: dict[str, object] = {**OPTIONS, **extra}
    return Lark(grammar, postlex=WordsWhole(), **options)


@lru_cache(maxsize=1)
def get_parser() -> Lark:
    """The LALR parser for rulebooks and framework files, made once per process.

    Building the LALR tables from the grammar takes about a quarter of a second, so they
    are shipped ready-built in cquin_rules/grammar_tables.json (plain JSON, see
    grammar_tables.py) and read in a few milliseconds. When they were built from another
    grammar or another Lark the parser is built from the grammar instead; after editing
    the grammar, `python grammar/build_tables.py` regenerates them.
    """
    grammar = grammar_text()
    loaded = grammar_tables.load(grammar, OPTIONS, WordsWhole())
    return loaded if loaded is not None else build_parser(grammar)

