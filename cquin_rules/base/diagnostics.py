"""Diagnostics: the one shape every problem takes, and the one place that draws it.

A diagnostic carries data (code, span, message, hint); the CLI, the JSON output, the
Python API and the language server all render from it, so a message is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from attrs import field, frozen

from .span import NOWHERE, Span

Severity = Literal["error", "warning"]


@frozen
class Diagnostic:
    """One problem found in a rulebook, framework or measurements file."""

    code: str
    message: str
    span: Span = NOWHERE
    hint: str | None = None
    path: str = field(default="<text>", eq=False)
    #: A spreadsheet cell (`Returns!D7`) when the problem is in a workbook: the span's line
    #: and column are then the cell's row and column.
    cell: str | None = field(default=None, eq=False)

    @property
    def severity(self) -> Severity:
        return "warning" if self.code.startswith("W") else "error"

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def at(self, path: str) -> Diagnostic:
        """The same diagnostic, said of the file at `path`."""
        return Diagnostic(self.code, self.message, self.span, self.hint, path, self.cell)

    def to_dict(self) -> dict[str, object]:
        cell = {"cell": self.cell} if self.cell else {}
        return {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        } | cell

    def render(self, source: str | SourceLines | None = None) -> str:
        """`path:line:column: CODE message`, the source line with a caret, the hint;
        `path: Sheet!D7: CODE message` for a cell of a workbook.

        A span with column 0 means a whole line (a row of a measurements file), drawn as
        `path:line: CODE message` with no caret. Give a `SourceLines` when rendering many
        diagnostics of one file: a plain text is indexed again for each call. A long line
        is shown as a window around the caret, so each diagnostic is a few hundred
        characters whatever the file holds.
        """
        where = f"{printable(self.path)}:{self.span.line}"
        if self.span.column:
            where += f":{self.span.column}"
        if self.cell:
            where = f"{self.path}: {self.cell}"
        lines = [f"{where}: {self.code} {printable(self.message)}"]
        if source is not None and self.span.column and not self.cell:
            indexed = source if isinstance(source, SourceLines) else SourceLines(source)
            line = indexed.line(self.span.line)
            if line is not None:
                lines.extend(_caret(line, self.span))
        if self.hint:
            lines.append(f"  hint: {printable(self.hint)}")
        return "\n".join(lines)


#: The widest source line shown under a diagnostic, in characters; a longer one is
#: shown as this much around the caret, with `…` where it was cut.
SHOWN_WIDTH = 120


def _caret(line: str, span: Span) -> list[str]:
    """The source line (or a window of it) and the caret under the span."""
    text = line.replace("\t", " ")
    start = min(span.column - 1, len(text))
    width = 1
    if span.end_line == span.line:
        width = max(1, span.end_column - span.column)
    width = min(width, max(1, len(text) - start))
    before = after = ""
    if len(text) > SHOWN_WIDTH:
        left = max(0, min(start - SHOWN_WIDTH // 3, len(text) - SHOWN_WIDTH))
        right = left + SHOWN_WIDTH
        before = "…" if left else ""
        after = "…" if right < len(text) else ""
        text = text[left:right]
        start -= left
        width = max(1, min(width, len(text) - start))
    shown = before + printable(text) + after
    caret = " " * (len(before) + len(printable(text[:start])))
    caret += "^" * max(1, len(printable(text[start:start + width])))
    return [f"  {shown}", f"  {caret}"]


#: A line end: CRLF, LF, or a lone CR (the language reference §2), as the parser counts lines.
_LINE_END = re.compile("\r\n|\r|\n")


class SourceLines:
    """A source text with its line starts found once, so rendering any number of
    diagnostics of it is linear in its size. Lines end as the parser ends them: at LF,
    CRLF or a lone CR, and nowhere else (not at a form feed or U+2028)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def line(self, number: int) -> str | None:
        """Line `number` (1-based) without its line end; None past the end."""
        if not 1 <= number <= len(self._starts):
            return None
        start = self._starts[number - 1]
        end = self._starts[number] if number < len(self._starts) else len(self.text)
        if number == len(self._starts) and start == len(self.text):
            return None  # after a final line end (or in an empty text) there is no line
        return self.text[start:end].rstrip("\r\n")


#: How many diagnostics a command prints before it says how many more there are.
MOST_SHOWN = 200


def render_all(diagnostics: Iterable[Diagnostic],
               sources: Mapping[str, str | None]) -> Iterator[str]:
    """Each diagnostic rendered against its file's text (`sources` by path), each file
    indexed once; after `MOST_SHOWN`, one line saying how many more errors and warnings
    there are instead (the JSON output lists them all). A breached limit (E003) is always
    shown: it says why reading stopped."""
    indexed: dict[str, SourceLines | None] = {}
    hidden = {"error": 0, "warning": 0}
    shown = 0
    for diagnostic in diagnostics:
        if shown >= MOST_SHOWN and diagnostic.code != "E003":
            hidden[diagnostic.severity] += 1
            continue
        if diagnostic.path not in indexed:
            text = sources.get(diagnostic.path)
            indexed[diagnostic.path] = None if text is None else SourceLines(text)
        shown += 1
        yield diagnostic.render(indexed[diagnostic.path])
    parts = [f"{count:,} more {kind}{'s' * (count != 1)}"
             for kind, count in hidden.items() if count]
    if parts:
        yield "and " + " and ".join(parts)


#: Control characters (C0, DEL, C1): a newline would forge a diagnostic line, an escape
#: sequence would drive the terminal. Tab is shown as itself. Bidirectional and zero-width
#: format characters too: shown raw they would reorder or hide what is around them.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))
             if code != 0x09} | {0x0A: "\\n", 0x0D: "\\r"} | {
    code: f"\\u{code:04x}" for code in (*range(0x200B, 0x2010), *range(0x202A, 0x202F), 0x2060,
                                       *range(0x2066, 0x206A), 0xFEFF)}


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\n`), so what
    a data file holds is shown, never obeyed, by a terminal."""
    return text if text.isprintable() else text.translate(_CONTROLS)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    return (diagnostic.path, diagnostic.span.line, diagnostic.span.column, diagnostic.code)


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


class CquinError(Exception):
    """Raised by the API when input has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic], source: str | None = None) -> None:
        self.diagnostics = diagnostics
        self.source = source
        indexed = None if source is None else SourceLines(source)
        super().__init__("\n".join(d.render(indexed) for d in diagnostics))
