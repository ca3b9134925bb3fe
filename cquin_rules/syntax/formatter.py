"""`cquin fmt`: rulebooks and framework files rewritten in one canonical layout.

The formatter works from Lark's parse tree with every token kept, not from the model, so
that it can keep what the model drops: every comment, in place, and the author's choice
to write an indicator on one line. It changes layout only; the parse tree (and so the
model, the checks and the money) is the same before and after, and formatting twice
gives the same text as formatting once.

The layout: two spaces per level; one statement per line, except an indicator its author
wrote on one line; one blank line between top-level blocks, and single blank lines kept
between statements inside a block; the percent payouts of a pay table padded so that
`when` and `otherwise` line up; the braces of neighbouring one-line indicators lined up;
trailing comments at column 42 (as in the language reference), or two spaces after a
longer line; money written with thousands separators (`£3000000` is `£3,000,000`; pence,
`k` and `m` as written).
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from contextvars import ContextVar
from functools import cache
from typing import NamedTuple

from attrs import define
from lark import Lark, Token, Tree

from ..base.diagnostics import Diagnostic, has_errors
from ..base.files import write_atomically
from ..base.limits import Limits, read_limited
from . import grammar_tables
from .lalr import OPTIONS, WordsWhole, build_parser, grammar_text
from .parser import decode, parse_tree, start_for
from .positions import line_ends_as_newlines

__all__ = [
    "Formatted",
    "format_file",
    "format_text",
    "start_for",
    "unified_diff",
    "write_atomically",
]

Start = str
_BLOCKS = frozenset(
    {"scheme", "goal", "part", "period", "indicator", "example", "framework", "pay_table"}
)
_INDENT = "  "
#: Where a trailing comment's `#` goes (counting from 0), unless the code is longer: then
#: two spaces after it. The column the language reference's examples use.
COMMENT_COLUMN = 41
_COMMENTS: ContextVar[list[Token]] = ContextVar("cquin_fmt_comments")


def _collect_comment(token: Token) -> None:
    _COMMENTS.get().append(token)


@cache
def _layout_parser() -> Lark:
    """The project's grammar and `parser.OPTIONS`, but keeping every token and reporting
    comments.

    `cquin_rules.syntax.parser.get_parser()` drops keywords and punctuation from the tree and
    ignores comments silently; the formatter needs both, so it has its own instance, read
    from the same shipped tables (keeping every token changes how trees are built, not the
    tables), or built from the grammar when they do not match the installed Lark.
    """
    grammar = grammar_text()
    callbacks = {"COMMENT": _collect_comment}
    loaded = grammar_tables.load(grammar, OPTIONS, WordsWhole(), keep_all_tokens=True,
                                 lexer_callbacks=callbacks)
    if loaded is not None:
        return loaded
    return build_parser(grammar, keep_all_tokens=True, lexer_callbacks=callbacks)


def layout_tree(text: str, start: Start = "rulebook") -> tuple[Tree[Token], list[Token]]:
    """The parse tree with every token, and the comments in source order.

    Raises Lark's `UnexpectedInput` on a syntax error: callers check the text with
    `parser.parse_tree` first, which turns errors into diagnostics.
    """
    comments: list[Token] = []
    reset = _COMMENTS.set(comments)
    try:
        tree = _layout_parser().parse(text, start=start)
    finally:
        _COMMENTS.reset(reset)
    return tree, comments


# ---- literals --------------------------------------------------------------------------

_MONEY = re.compile(
    r"£(?P<pounds>[1-9][0-9]{0,2}(?:,[0-9]{3})*|[1-9][0-9]*|0)(?P<pence>\.[0-9]{2})?"
)


def money(text: str) -> str:
    """`£3000000` as `£3,000,000`; pence kept; `£250k`, `£1.5m` and malformed amounts as
    written (the checker reports those, and the formatter must not guess)."""
    match = _MONEY.fullmatch(text)
    if match is None:
        return text
    pounds = int(match["pounds"].replace(",", ""))
    return f"£{pounds:,}{match['pence'] or ''}"


def _words(tokens: list[Token]) -> str:
    """Tokens joined by single spaces, except around `.` in paths and before `,`."""
    out: list[str] = []
    previous: Token | None = None
    for token in tokens:
        text = money(token.value) if token.type == "MONEY" else token.value
        if previous is not None and token.type not in ("COMMA", "DOT") and previous.type != "DOT":
            out.append(" ")
        out.append(text)
        previous = token
    return "".join(out)


def _tokens(node: Tree[Token] | Token) -> list[Token]:
    if isinstance(node, Token):
        return [node]
    return list(node.scan_values(lambda value: isinstance(value, Token)))


# ---- lines before comments are placed -------------------------------------------------


@define
class _Line:
    """One output line of code, and the tokens on it (their comments go with it)."""

    depth: int
    code: str
    tokens: list[Token]
    #: Source line of the statement this line starts, for keeping the author's blank line.
    source_line: int | None = None
    opens: bool = False
    closes: bool = False
    #: Forced blank line before (between top-level blocks).
    separated: bool = False


@define
class _Out:
    """One emitted line: code with its trailing comment, or a comment on its own."""

    depth: int
    code: str
    comment: str | None = None
    blank_before: bool = False
    opens: bool = False
    closes: bool = False
    is_code: bool = True


def _parts(block: Tree[Token]) -> tuple[list[Token], Token, list[Tree[Token] | Token], Token]:
    """A block's header tokens, its `{`, its statements and its `}`."""
    children = block.children
    opening = next(i for i, c in enumerate(children) if isinstance(c, Token) and c.type == "LBRACE")
    header = [c for c in children[:opening] if isinstance(c, Token)]
    lbrace = children[opening]
    rbrace = children[-1]
    assert isinstance(lbrace, Token) and isinstance(rbrace, Token)
    return header, lbrace, list(children[opening + 1 : -1]), rbrace


class _Layout:
    """Lays out a parse tree as lines, then places the comments and blank lines.

    Each comment belongs to a token: a comment after code on its line goes with the last
    token before it (a trailing comment); a comment on a line of its own goes with the
    next token (it is emitted on its own line before that token's line), or, after the
    last token, to the end of the file.
    """

    def __init__(self, text: str, tree: Tree[Token], comments: list[Token]) -> None:
        self.tree = tree
        self.blank_lines = {
            number for number, line in enumerate(text.split("\n"), start=1) if not line.strip()
        }
        self.lines: list[_Line] = []
        self.leading: dict[int, list[Token]] = {}
        self.trailing: dict[int, Token] = {}
        self.at_end: list[Token] = []
        tokens = _tokens(tree)
        last_on_line = {token.line: token for token in tokens}
        positions = [_start(token) for token in tokens]
        for comment in comments:
            owner = last_on_line.get(comment.line)
            if owner is not None and _start(owner) < _start(comment):
                self.trailing[id(owner)] = comment
                continue
            following = bisect.bisect_right(positions, _start(comment))
            if following < len(tokens):
                self.leading.setdefault(id(tokens[following]), []).append(comment)
            else:
                self.at_end.append(comment)

    # -- code --

    def document(self) -> str:
        blocks = [c for c in self.tree.children if isinstance(c, Tree)]
        for index, block in enumerate(blocks):
            first = len(self.lines)
            self.block(block, 0)
            if index:
                self.lines[first].separated = True
        return _render(self.emit())

    def block(self, block: Tree[Token], depth: int) -> None:
        header, lbrace, body, rbrace = _parts(block)
        if self.is_empty(block):
            tokens = [*header, lbrace, rbrace]
            self.lines.append(_Line(depth, _words(header) + " {}", tokens, header[0].line))
            return
        self.lines.append(
            _Line(depth, _words(header) + " {", [*header, lbrace], header[0].line, opens=True)
        )
        if block.data == "pay_table":
            self.table(body, depth + 1)
        else:
            self.statements(body, depth + 1)
        self.lines.append(_Line(depth, "}", [rbrace], rbrace.line, closes=True))

    def statements(self, body: list[Tree[Token] | Token], depth: int) -> None:
        widths = self.one_line_widths(body)
        for statement, width in zip(body, widths, strict=True):
            tokens = _tokens(statement)
            if width is not None:
                code = _inline_block(_tree(statement), width)
                self.lines.append(_Line(depth, code, tokens, tokens[0].line))
            elif isinstance(statement, Tree) and statement.data in _BLOCKS:
                self.block(statement, depth)
            else:
                self.lines.append(_Line(depth, _words(tokens), tokens, tokens[0].line))

    def one_line_widths(self, body: list[Tree[Token] | Token]) -> list[int | None]:
        """For each one-line indicator, the width its header is padded to: the widest
        header among the one-line indicators written next to it (no blank line or comment
        between them), so their braces line up."""
        widths: list[int | None] = [None] * len(body)
        run: list[int] = []

        def close_run() -> None:
            width = max((len(_words(_parts(_tree(body[i]))[0])) for i in run), default=0)
            for i in run:
                widths[i] = width
            run.clear()

        for index, statement in enumerate(body):
            if not self.one_line(statement):
                close_run()
                continue
            first = _tokens(statement)[0]
            if id(first) in self.leading or self.blank_before(first.line):
                close_run()
            run.append(index)
        close_run()
        return widths

    def one_line(self, node: Tree[Token] | Token) -> bool:
        """An indicator written on one line, or an empty one (which is written `{}`)."""
        return (
            isinstance(node, Tree)
            and node.data == "indicator"
            and (node.meta.line == node.meta.end_line or self.is_empty(node))
        )

    def is_empty(self, node: Tree[Token] | Token) -> bool:
        """A block with no statements and no comments inside: written `header {}`."""
        if not isinstance(node, Tree) or node.data not in _BLOCKS:
            return False
        _, lbrace, body, rbrace = _parts(node)
        return not body and id(lbrace) not in self.trailing and id(rbrace) not in self.leading

    def table(self, rows: list[Tree[Token] | Token], depth: int) -> None:
        """Rows with the percent payouts padded, so their `when` and `otherwise` line up
        (a `linear from A to B` payout is longer and is not padded)."""
        split = [_row_parts(row) for row in rows]
        width = max((len(_words(payout)) for payout, _ in split if len(payout) == 1), default=0)
        for row, (payout, rest) in zip(rows, split, strict=True):
            tokens = _tokens(row)
            code = _words(payout).ljust(width) + " " + _words(rest)
            self.lines.append(_Line(depth, code, tokens, tokens[0].line))

    # -- comments and blank lines --

    def emit(self) -> list[_Out]:
        out: list[_Out] = []
        for line in self.lines:
            before = [c for token in line.tokens for c in self.leading.get(id(token), [])]
            # A comment after a token that is no longer last on its line moves above it.
            before += [self.trailing[id(t)] for t in line.tokens[:-1] if id(t) in self.trailing]
            before.sort(key=_start)
            # Comments from inside the statement come above it: the author's blank line
            # before the statement goes above the first of them, and none between.
            inside = [c for c in before if (c.line or 0) >= (line.source_line or 0)]
            comment_depth = line.depth + 1 if line.closes else line.depth
            for index, comment in enumerate(before):
                if inside and (comment.line or 0) >= (line.source_line or 0):
                    blank = comment is inside[0] and self.blank_before(line.source_line)
                else:
                    blank = self.blank_before(comment.line)
                blank = blank or (index == 0 and line.separated)
                out.append(_Out(comment_depth, _comment_text(comment), None, blank, is_code=False))
            end = self.trailing.get(id(line.tokens[-1]))
            blank = not inside and self.blank_before(line.source_line)
            out.append(
                _Out(
                    line.depth,
                    line.code,
                    None if end is None else _comment_text(end),
                    blank or (not before and line.separated),
                    opens=line.opens,
                    closes=line.closes,
                )
            )
        for comment in self.at_end:
            out.append(
                _Out(
                    0, _comment_text(comment), None, self.blank_before(comment.line), is_code=False
                )
            )
        return out

    def blank_before(self, line: int | None) -> bool:
        """Whether the author left a blank line just above source line `line`."""
        return line is not None and line > 1 and (line - 1) in self.blank_lines


def _start(token: Token) -> int:
    return token.start_pos or 0


def _tree(node: Tree[Token] | Token) -> Tree[Token]:
    assert isinstance(node, Tree)
    return node


def _comment_text(comment: Token) -> str:
    return str(comment).rstrip()


def _row_parts(row: Tree[Token] | Token) -> tuple[list[Token], list[Token]]:
    """A pay-table row as its payout tokens and the rest (`when …` or `otherwise`)."""
    tree = _tree(row)
    payout = _tokens(tree.children[0])
    rest = [t for child in tree.children[1:] for t in _tokens(child)]
    return payout, rest


def _inline_block(block: Tree[Token], header_width: int | None = None) -> str:
    """A block on one line: `indicator x { measure percent  pay 100% when achieved }`."""
    header, _, body, _ = _parts(block)
    opening = _words(header)
    if header_width is not None:
        opening = opening.ljust(header_width)
    if block.data == "pay_table":
        items = [_words(_tokens(row)) for row in body]
    else:
        items = [
            _inline_block(s) if isinstance(s, Tree) and s.data in _BLOCKS else _words(_tokens(s))
            for s in body
        ]
    if not items:
        return opening + " {}"
    return opening + " { " + "  ".join(items) + " }"


def _render(out: list[_Out]) -> str:
    """The lines as text, with blank lines where kept and trailing comments placed."""
    lines: list[str] = []
    previous: _Out | None = None
    for item in out:
        if (
            item.blank_before
            and previous is not None
            and not previous.opens
            and not (item.closes and item.is_code)
        ):
            lines.append("")
        text = _INDENT * item.depth + item.code
        if item.is_code and item.comment is not None:
            text = text.ljust(COMMENT_COLUMN - 2) + "  " + item.comment
        lines.append(text)
        previous = item
    return "\n".join(lines) + "\n"


# ---- the API ---------------------------------------------------------------------------



def format_text(
    text: str, path: str = "<text>", *, start: Start = "rulebook", limits: Limits | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """`text` in the canonical layout, or None and the diagnostics when it does not parse.

    Line endings come out as `\n` and a byte order mark is dropped. Only syntax (E001)
    and forbidden characters (E002) stop the formatter; other mistakes are kept as
    written for `cquin check` to report. `limits` defaults to the environment's.
    """
    _, diagnostics = parse_tree(text, start, path, limits)
    if has_errors(diagnostics):
        return None, diagnostics
    source = line_ends_as_newlines(text.removeprefix("\ufeff").replace("\r\n", "\n"))
    tree, comments = layout_tree(source, start)
    return _Layout(source, tree, comments).document(), diagnostics


class Formatted(NamedTuple):
    """What `format_file` found: whether the file changes, its new text (None when it
    does not parse), the diagnostics, and the unified diff when one was asked for."""

    changed: bool
    text: str | None
    diagnostics: list[Diagnostic]
    diff: str = ""


def format_file(
    path: str | os.PathLike[str], *, check: bool = False, diff: bool = False
) -> Formatted:
    """Format the file at `path` in place, atomically, unless `check` or `diff` is set,
    in which case nothing is written. A file that does not parse is left untouched.

    A file whose first word is `framework` is formatted as a framework file. A file with
    CRLF line endings keeps them. OSError (an unreadable file) propagates.
    """
    name = os.fspath(path)
    data, too_large = read_limited(name)
    if data is None:
        return Formatted(False, None, too_large)
    original, diagnostics = decode(data, name)
    if original is None:
        return Formatted(False, None, diagnostics)
    formatted, diagnostics = format_text(original, name, start=start_for(original))
    if formatted is None:
        return Formatted(False, None, diagnostics)
    if "\r\n" in original:
        formatted = formatted.replace("\n", "\r\n")
    old_text = data.decode("utf-8")
    changed = formatted != old_text
    # Lone CRs shown as the line ends they are: raw, they would overwrite the diff's lines.
    patch = (unified_diff(name, line_ends_as_newlines(old_text), formatted)
             if diff and changed else "")
    if changed and not (check or diff):
        write_atomically(name, formatted, unchanged=data)
    return Formatted(changed, formatted, diagnostics, patch)


def unified_diff(path: str, before: str, after: str) -> str:
    """The change from `before` to `after` as a unified diff naming `path` on both sides."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{path} (original)",
            tofile=f"{path} (formatted)",
        )
    )
