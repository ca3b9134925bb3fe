"""Text to parse tree to model: the syntax stage, and the only place Lark's errors are seen.

Every problem is returned as a Diagnostic: characters the language forbids (E002, after
which a cleaned copy is still parsed so later mistakes are reported too), and every
syntax error (E001, up to `MAX_SYNTAX_ERRORS`), each phrased from what the parser could
have taken at that point.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from ..base.diagnostics import Diagnostic
from ..base.limits import Limits, exceeded, file_size_problem, text_size, tree_problems
from ..base.limits import current as current_limits
from ..base.span import Span
from .direct import parse_directly
from .lalr import get_parser
from .model import Scheme
from .positions import Lines, line_ends_as_newlines, string_end
from .recovery import syntax_errors
from .syntax_errors import first_error, keyword_terminals
from .transform import collection_paused, transform

__all__ = ["decode", "get_parser", "parse", "parse_by_tree", "parse_tree"]

BOM = "\ufeff"


# ---- bytes to text -------------------------------------------------------------------


def decode(data: bytes, path: str = "<text>") -> tuple[str | None, list[Diagnostic]]:
    """The text of a file's bytes; None with an E002 when they are not UTF-8.

    A byte order mark is dropped. The byte offset in the message counts from 0.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        diagnostic = Diagnostic(
            "E002",
            f"the file is not UTF-8 text (byte offset {error.start})",
            Span(line, column, line, column + 1),
            "save the file as UTF-8 text",
            path,
        )
        return None, [diagnostic]
    return text.removeprefix(BOM), []


# ---- characters the language forbids (E002) ----------------------------------------

_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\uff07"
_SPACES = "\u00a0\u202f\u2007"
_QUOTE_HINT = 'use a plain double quote (") around text'
#: Bidirectional and zero-width format characters: forbidden anywhere, strings and
#: comments included, because they make text read differently from what it means
#: (the language reference §2). A byte order mark is only allowed first, where `decode` drops it.
_FORMAT_CHARACTERS = "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010),
              0x2060, 0xFEFF]))
#: Control characters other than tab, line ends and form feed: forbidden outside strings
#: and comments (the language reference §2: inside them any character but NUL and the format
#: characters is text; the renderer shows controls as escapes).
_CONTROL_CHARACTERS = "".join(chr(c) for c in (*range(1, 0x20), *range(0x7F, 0xA0))
                              if chr(c) not in "\t\n\r\f")
_FORMAT_HINT = ("remove it: an invisible or direction-changing character makes text read "
                "differently from what it means")
#: Each forbidden character: the character parsed in its place, and the hint.
_FORBIDDEN: dict[str, tuple[str, str]] = {
    **{c: ('"', _QUOTE_HINT) for c in _DOUBLE_QUOTES + _SINGLE_QUOTES},
    **{c: (" ", "use a plain space") for c in _SPACES},
    **{c: (" ", _FORMAT_HINT) for c in _FORMAT_CHARACTERS},
    **{c: (" ", "remove it") for c in _CONTROL_CHARACTERS},
    "\x00": (" ", "remove it (the file may have been saved as UTF-16 or as a binary file)"),
}
#: Forbidden even inside strings and comments.
_ANYWHERE = "\x00" + _FORMAT_CHARACTERS
#: At most this many runs of forbidden characters are reported one by one; the rest are
#: counted in one last diagnostic, so 40 KB of NUL bytes cost one line, not 40,000.
MAX_CHARACTER_RUNS = 20


def character_name(char: str) -> str:
    """`a right double quotation mark (U+201D)`: a character named for a message."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "").lower()
    if not name:
        name = "NUL character" if char == "\x00" else "control character"
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name} ({code})"


#: Any forbidden character: a text without one (nearly every file) needs no closer look.
_ANY_FORBIDDEN = re.compile("[" + re.escape("".join(_FORBIDDEN)) + "]")
#: What the scan stops at: a comment, a string, or a run of forbidden characters.
_SCAN = re.compile('[#"]|[' + re.escape("".join(_FORBIDDEN)) + "]+")
#: Runs forbidden inside a string or a comment, where any other character is text.
_IN_TEXT = re.compile("[" + re.escape(_ANYWHERE) + "]+")


def _forbidden_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of forbidden characters: NUL and format characters
    anywhere, the others outside strings and comments. A string
    left open on its line and holding a smart double quote was most likely meant to end
    there, so that quote counts as outside. Lone CRs must already be line ends (`\n`)."""
    found: list[tuple[int, int]] = []
    if _ANY_FORBIDDEN.search(text) is None:
        return found
    length = len(text)
    i = 0
    while (match := _SCAN.search(text, i)) is not None:
        char = match.group()[0]
        if char == "#":
            end = text.find("\n", match.start())
            end = length if end < 0 else end
            found.extend(m.span() for m in _IN_TEXT.finditer(text, match.start(), end))
            i = end
        elif char == '"':
            start = match.start()
            end, closed = string_end(text, start)
            if not closed:
                smart = max(text.rfind(quote, start + 1, end) for quote in _DOUBLE_QUOTES)
                if smart > start:
                    found.extend(m.span() for m in _IN_TEXT.finditer(text, start + 1, smart))
                    found.append((smart, smart + 1))
                    i = smart + 1
                    continue
            found.extend(m.span() for m in _IN_TEXT.finditer(text, start + 1, end))
            i = end + 1 if closed else end
        else:
            found.append(match.span())
            i = match.end()
    return found


def _where(char: str) -> str:
    if char == "\x00":
        return "anywhere in a rulebook"
    if char in _FORMAT_CHARACTERS:
        return "anywhere, even in quoted text or a comment"
    return "outside quoted text"


def _clean(text: str) -> tuple[str, list[Diagnostic]]:
    """`text` with each forbidden character replaced by what is parsed in its place, and
    one E002 per run of them (at most `MAX_CHARACTER_RUNS`, then one that counts the rest).
    Lone CRs must already be line ends, as `line_ends_as_newlines` makes them."""
    runs = _forbidden_runs(text)
    if not runs:
        return text, []
    lines = Lines(text)
    chars = list(text)
    diagnostics = []
    for number, (start, end) in enumerate(runs):
        for offset in range(start, end):
            chars[offset] = _FORBIDDEN[text[offset]][0]
        if number > MAX_CHARACTER_RUNS:
            continue
        char = text[start]
        hint = _FORBIDDEN[char][1]
        if number == MAX_CHARACTER_RUNS:
            rest = len(runs) - number
            places = "1 more place" if rest == 2 else f"{rest - 1:,} more places"
            message = (f"{character_name(char)} is not allowed {_where(char)}, nor are the "
                       f"characters at {places} after it" if rest > 1 else
                       f"{character_name(char)} is not allowed {_where(char)}")
        elif end - start > 1:
            after = ("the character" if end - start == 2
                     else f"the {end - start - 1:,} characters")
            message = (f"{character_name(char)} is not allowed {_where(char)}, nor is "
                       f"{after} after it" if end - start == 2 else
                       f"{character_name(char)} is not allowed {_where(char)}, nor are "
                       f"{after} after it")
        else:
            message = f"{character_name(char)} is not allowed {_where(char)}"
        diagnostics.append(Diagnostic("E002", message, lines.span(start, end), hint))
    return "".join(chars), diagnostics


# ---- the stages --------------------------------------------------------------------


def parse_tree(
    text: str, start: str, path: str = "<text>", limits: Limits | None = None
) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    """The syntax stage alone: the parse tree (None after a syntax error or a breached
    limit) and every E002/E001/E003 found. `start` is "rulebook" or "framework_file";
    `limits` defaults to the environment's (see limits.py)."""
    chosen = current_limits(limits)
    too_large = file_size_problem(text_size(text, chosen.max_file_size), chosen, path)
    if too_large is not None:
        return None, [too_large]
    text = line_ends_as_newlines(text.removeprefix(BOM))
    cleaned, diagnostics = _clean(text)
    tree: Tree[Token] | None
    try:
        # Lark allocates a tree node per token, all of which live on: each automatic
        # collection of the oldest generation would walk them all, making the parse grow
        # faster than the text (as the model's building did; see `collection_paused`).
        with collection_paused():
            tree = get_parser().parse(cleaned, start=start)
    except UnexpectedInput as error:
        tree = None
        diagnostics.extend(syntax_errors(cleaned, start) or [first_error(error, cleaned, start)])
    if tree is not None:
        breached = tree_problems(tree, chosen)
        if breached:
            tree = None
            diagnostics.extend(breached)
    return tree, [d.at(path) for d in diagnostics]


def parse(
    text: str, path: str = "<text>", limits: Limits | None = None
) -> tuple[Scheme | None, list[Diagnostic]]:
    """A rulebook's model (None after a syntax error) and every problem found in its
    syntax and words; cross-references, money and rule logic are the checker's."""
    chosen = current_limits(limits)
    direct = _parse_directly(text, path, chosen)
    if direct is not None:
        return direct
    return parse_by_tree(text, path, chosen)


def parse_by_tree(
    text: str, path: str = "<text>", limits: Limits | None = None
) -> tuple[Scheme | None, list[Diagnostic]]:
    """What `parse` returns, by way of Lark's parse tree: the path taken after a syntax
    error or when a limit may be breached (with recovery and limit checks that need the
    tree), and the reference the direct path is tested against."""
    chosen = current_limits(limits)
    tree, diagnostics = parse_tree(text, "rulebook", path, chosen)
    if tree is None:
        return None, diagnostics
    try:
        scheme, found = transform(tree)
    except RecursionError:
        message = "the rulebook is nested too deeply for Python's stack"
        return None, [*diagnostics, exceeded("max_nesting", chosen, message, Span(1, 1, 1, 1),
                                             path)]
    diagnostics.extend(d.at(path) for d in found)
    diagnostics.sort(key=lambda d: (d.span.line, d.span.column))
    return scheme, diagnostics


def _parse_directly(
    text: str, path: str, limits: Limits
) -> tuple[Scheme, list[Diagnostic]] | None:
    """What `parse` returns, from the model built during the parse (direct.py, no parse
    tree); None when the text has a syntax error or may breach a limit, which the tree
    path reports."""
    if file_size_problem(text_size(text, limits.max_file_size), limits, path) is not None:
        return None
    cleaned, diagnostics = _clean(line_ends_as_newlines(text.removeprefix(BOM)))
    built = parse_directly(cleaned, limits)
    if built is None:
        return None
    scheme, found = built
    diagnostics.extend(found)
    diagnostics = [d.at(path) for d in diagnostics]
    diagnostics.sort(key=lambda d: (d.span.line, d.span.column))
    return scheme, diagnostics


def start_for(text: str) -> str:
    """`framework_file` when the first token of `text` is the keyword `framework`, else
    `rulebook` (a comment never changes what the text means).

    The token is read by the parser's own lexer, in the state that starts a framework
    file, from the text as `parse_tree` would parse it: comments and blank space are
    skipped as the grammar skips them, in time linear in their length, and a word that
    only begins with `framework` is a different word.
    """
    cleaned, _ = _clean(line_ends_as_newlines(text.removeprefix(BOM)))
    interactive = get_parser().parse_interactive(cleaned, start="framework_file")
    tokens: Iterator[Token] = interactive.lexer_thread.lex(  # type: ignore[no-untyped-call]
        interactive.parser_state
    )
    try:
        first = next(tokens, None)
    except UnexpectedInput:
        return "rulebook"
    framework = keyword_terminals()["framework"]
    return "framework_file" if first is not None and first.type == framework else "rulebook"
