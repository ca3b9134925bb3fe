"""Where something is in a source file: the position every diagnostic and model node carries."""

from __future__ import annotations

from attrs import frozen


@frozen
class Span:
    """Where a node starts and ends in its source: 1-based lines and columns."""

    line: int
    column: int
    end_line: int
    end_column: int


NOWHERE = Span(1, 1, 1, 1)
