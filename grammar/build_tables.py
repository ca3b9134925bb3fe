"""Build the parser's LALR tables from grammar/cquin.lark and write them into the package.

Run after editing the grammar (tests/test_grammar_tables.py fails until you do):

    python grammar/build_tables.py

A script, not part of the package: the package only reads the tables, so the parser and
the table format do not import each other.
"""

from __future__ import annotations

from cquin_rules.syntax.grammar_tables import TABLES, encode, render
from cquin_rules.syntax.lalr import build_parser, grammar_text


def main() -> None:
    grammar = grammar_text()
    TABLES.write_text(render(encode(build_parser(grammar), grammar)), encoding="utf-8")
    print(f"wrote {TABLES}")


if __name__ == "__main__":
    main()
