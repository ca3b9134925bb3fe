"""What the server says, as the plain JSON the protocol is: the capabilities it answers
`initialize` with, and diagnostics in the client's position units.

No pygls or lsprotocol here: importing `lsprotocol.types` alone takes about 0.3 s, so the
first diagnostics (`front`) are written from these dicts before either is loaded, and the
pygls server publishes through the same functions, so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base.diagnostics import Diagnostic
from ..base.span import Span

#: The position encodings the server can count in (as pygls' workspace does).
ENCODINGS = ("utf-8", "utf-16", "utf-32")

#: What `build_server`'s pygls server answers `initialize` with, but `positionEncoding`.
#: tests/test_lsp.py compares the two, so a feature added there must be added here.
CAPABILITIES: dict[str, Any] = {
    "completionProvider": {"triggerCharacters": ["."]},
    "definitionProvider": True,
    "documentFormattingProvider": True,
    "executeCommandProvider": {"commands": []},
    "hoverProvider": True,
    "textDocumentSync": {"change": 2, "openClose": True, "save": True},
    "workspace": {"fileOperations": {},
                  "workspaceFolders": {"changeNotifications": True, "supported": True}},
}


def position_encoding(capabilities: Any) -> str:
    """The encoding pygls picks: the client's first choice it knows, else UTF-16."""
    general = capabilities.get("general") if isinstance(capabilities, dict) else None
    offered = general.get("positionEncodings") if isinstance(general, dict) else None
    for name in offered if isinstance(offered, list) else ():
        if name in ENCODINGS:
            return str(name)
    return "utf-16"


def initialize_result(encoding: str, release: str) -> dict[str, Any]:
    """The answer to `initialize`, as the pygls server gives it."""
    return {"capabilities": {**CAPABILITIES, "positionEncoding": encoding},
            "serverInfo": {"name": "cquin", "version": release}}


def release() -> str:
    """The installed version of cquin-rules, for `serverInfo`."""
    # lazy: importlib.metadata is wanted once, to answer `initialize`
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cquin-rules")
    except PackageNotFoundError:
        return "0"


def units(text: str, encoding: str | None) -> int:
    """How many code units of `encoding` the client counts in `text`."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def client_range(span: Span, lines: Sequence[str], encoding: str | None
                 ) -> dict[str, dict[str, int]]:
    """A span (1-based, end exclusive; column 0 is a whole line) as an LSP range in the
    client's units, clamped to the document."""
    last = max(0, len(lines) - 1)

    def position(line: int, column: int) -> tuple[int, int]:
        index = min(max(0, line - 1), last)
        width = len(lines[index].rstrip("\r\n")) if lines else 0
        return index, min(max(0, column - 1), width)

    if span.column == 0:
        start, end = position(span.line, 1), position(span.line, 10**9)
    else:
        start, end = position(span.line, span.column), position(span.end_line, span.end_column)
        end = max(start, end)

    def client(where: tuple[int, int]) -> dict[str, int]:
        if not lines:  # as pygls says a position past the last line
            return {"line": 0, "character": 0}
        return {"line": where[0], "character": units(lines[where[0]][: where[1]], encoding)}

    return {"start": client(start), "end": client(end)}


def diagnostic_json(diagnostic: Diagnostic, lines: Sequence[str], encoding: str | None,
                    path: str | None = None) -> dict[str, Any]:
    """A cquin diagnostic as LSP shows it: 0-based range, severity, code, message and hint.

    One about another file (the framework a rulebook names) is shown on the first line,
    saying where it is.
    """
    message = diagnostic.message
    span = diagnostic.span
    if path is not None and diagnostic.path != path:
        message = f"{diagnostic.path}:{span.line}: {message}"
        span = Span(1, 1, 1, 1)
    if diagnostic.hint:
        message += f"\nhint: {diagnostic.hint}"
    return {"code": diagnostic.code, "message": message,
            "range": client_range(span, lines, encoding),
            "severity": 2 if diagnostic.severity == "warning" else 1, "source": "cquin"}


def publish_params(uri: str, diagnostics: list[dict[str, Any]], version: int | None
                   ) -> dict[str, Any]:
    """The parameters of `textDocument/publishDiagnostics`."""
    params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
    if version is not None:
        params["version"] = version
    return params
