"""Positions in rulebook text: offsets to lines and columns, and where a string ends."""

from __future__ import annotations

import bisect
import re

from ..base.span import Span

__all__ = ["Lines", "line_ends_as_newlines", "string_end"]

#: A carriage return not followed by a line feed: a line end of its own (the language reference §2).
_LONE_CR = re.compile("\r(?!\n)")


def line_ends_as_newlines(text: str) -> str:
    """`text` with each lone CR made a `\n`: every editor shows a lone CR as a line end,
    so the parser must too, or a comment ending in one would hide the next line. Offsets
    are unchanged (one character for one), so positions found in the result hold for
    `text`; CRLF stays as it is (the CR is blank space before the line end)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def string_end(text: str, start: int) -> tuple[int, bool]:
    """The offset of the closing quote of the string opened at `start`, or of the end of
    its line when it is not closed."""
    i = start + 1
    while i < len(text) and text[i] != "\n":
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            i += 2
            continue
        if text[i] == '"':
            return i, True
        i += 1
    return i, False


class Lines:
    """Offsets to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(line, column, end_line, end_column)
