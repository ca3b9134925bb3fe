"""What a framework file's comments record: its sources and how sure they are.

The grammar ignores comments, so the built-in frameworks keep their citations in them,
in three conventions (docs/frameworks.md):

    # Source: where the framework's facts come from          (the whole file)
    # confidence H: the source of the statement just below   (one requirement; H or M)
    # not asserted (L, [memory]): a fact the file does not check, and its source

A note runs on over the comments on the following lines that are indented by two spaces
or more after the `#`. The comments are taken from the lexer, never by pattern from the
text, so a `#` inside a quoted title is not a comment.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen
from lark import Token
from lark.exceptions import LarkError

from ..syntax.lalr import get_parser
from .framework import Confidence, Note

__all__ = ["FileNotes", "read_notes"]

_SOURCE = "Source:"
_CONFIDENCE = "confidence"
_LEVELS = ("H", "M")
_KINDS = ("not asserted",)


@frozen
class FileNotes:
    """A framework file's comments, read: its citation, each grade by the line of the
    statement it stands above, and the facts it records without checking."""

    source: str | None
    confidence: dict[int, Confidence]
    notes: tuple[Note, ...]


def _comments(text: str) -> list[Token]:
    try:
        tokens = list(get_parser().lex(text, dont_ignore=True))
    except LarkError:  # only read after a clean parse; a file that will not lex has none
        return []
    return [token for token in tokens if token.type == "COMMENT"]


def _body(comment: Token) -> str:
    return str(comment)[1:]


def _continues(comment: Token) -> bool:
    body = _body(comment)
    return body[:2] == "  " and bool(body.strip())


def _runs(comments: list[Token]) -> Iterable[tuple[str, int]]:
    """Each note's text, joined into one line, and the line of its last comment."""
    index = 0
    while index < len(comments):
        first = comments[index]
        parts = [_body(first).strip()]
        last = first
        index += 1
        while (index < len(comments) and comments[index].line == (last.line or 0) + 1
               and _continues(comments[index])):
            last = comments[index]
            parts.append(_body(last).strip())
            index += 1
        yield " ".join(parts), last.line or 0


def _grade(text: str) -> Confidence | None:
    """`confidence H: source` as a grade; anything else is not one."""
    rest = text.removeprefix(_CONFIDENCE).lstrip()
    level, colon, source = rest.partition(":")
    if not text.startswith(_CONFIDENCE) or not colon or level.strip() not in _LEVELS:
        return None
    return Confidence(level.strip(), source.strip())


def read_notes(text: str, statement_lines: Iterable[int]) -> FileNotes:
    """The notes in `text`'s comments; a grade belongs to the first of `statement_lines`
    after it, when only comments come between."""
    comments = _comments(text)
    commented = {comment.line for comment in comments}
    statements = sorted(statement_lines)
    source: str | None = None
    confidence: dict[int, Confidence] = {}
    notes: list[Note] = []
    for note, last in _runs(comments):
        if note.startswith(_SOURCE) and source is None:
            source = note.removeprefix(_SOURCE).strip()
        elif (grade := _grade(note)) is not None:
            below = next((line for line in statements if line > last), None)
            if below is not None and all(n in commented for n in range(last + 1, below)):
                confidence[below] = grade
        else:
            for kind in _KINDS:
                if note.startswith(kind):
                    notes.append(Note(kind, note.removeprefix(kind).lstrip(" :")))
    return FileNotes(source, confidence, tuple(notes))
