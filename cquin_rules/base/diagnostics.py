"""Diagnostics: the one shape every problem takes, and the one place that draws it.

A diagnostic carries data (code, span, message, hint); the CLI, the JSON output, the
Python API and the language server all render from it, so a message is written once.
"""

from __future__ import annotations

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

    def render(self, source: str | None = None) -> str:
        """`path:line:column: CODE message`, the source line with a caret, the hint;
        `path: Sheet!D7: CODE message` for a cell of a workbook.

        A span with column 0 means a whole line (a row of a measurements file), drawn as
        `path:line: CODE message` with no caret.
        """
        where = f"{printable(self.path)}:{self.span.line}"
        if self.span.column:
            where += f":{self.span.column}"
        if self.cell:
            where = f"{self.path}: {self.cell}"
        lines = [f"{where}: {self.code} {printable(self.message)}"]
        if source is not None and self.span.column and not self.cell:
            text_lines = source.splitlines()
            if 1 <= self.span.line <= len(text_lines):
                text = text_lines[self.span.line - 1].replace("\t", " ")
                width = 1
                if self.span.end_line == self.span.line:
                    width = max(1, self.span.end_column - self.span.column)
                width = min(width, max(1, len(text) - self.span.column + 1))
                start = self.span.column - 1
                lines.append(f"  {printable(text)}")
                lines.append("  " + " " * len(printable(text[:start]))
                             + "^" * max(1, len(printable(text[start:start + width]))))
        if self.hint:
            lines.append(f"  hint: {printable(self.hint)}")
        return "\n".join(lines)


#: Control characters (C0, DEL, C1): a newline would forge a diagnostic line, an escape
#: sequence would drive the terminal. Tab is shown as itself.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))
             if code != 0x09} | {0x0A: "\\n", 0x0D: "\\r"}


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
        super().__init__("\n".join(d.render(source) for d in diagnostics))
