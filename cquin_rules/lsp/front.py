"""The start of a session, answered before pygls loads: `initialize`, `initialized` and the
first `didOpen`, whose diagnostics are published at once. Then the pygls server takes
over and is handed every message so far, in order.

Importing pygls and lsprotocol takes about 0.4 s, longer than checking a rulebook, so an
editor opening a file used to wait for both. Here the first diagnostics cost what
`cquin check` costs; pygls loads while the user reads them. The pygls server still
handles every message, those front answered included: it is told which requests were
answered (it does not answer them again) and which documents were published (it does
not publish them again), so the client sees each answer once, in order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from ..base.limits import Limits, exceeded
from ..base.span import Span
from ..jsonrpc import Framing, Message, Problem, Writer, incoming, quiet, run, send
from .answers import Analysis
from .wire import diagnostic_json, initialize_result, position_encoding, publish_params, release

#: The fields of `initialize` front takes, and the JSON types each may have; a request
#: with any other is left to pygls, which knows them all.
_INITIALIZE_FIELDS: dict[str, tuple[type, ...]] = {
    "processId": (int, type(None)), "rootUri": (str, type(None)),
    "rootPath": (str, type(None)), "capabilities": (dict,), "clientInfo": (dict,),
    "locale": (str,), "trace": (str,), "workspaceFolders": (list, type(None)),
    "initializationOptions": (object,), "workDoneToken": (int, str),
}


def _identifier(message: dict[str, Any]) -> int | str | None:
    ident = message.get("id")
    return ident if isinstance(ident, (int, str)) and not isinstance(ident, bool) else None


class Front:
    """Answers what it can of the first messages; says when pygls must take over."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        #: Messages front handled, for pygls to handle again (silently).
        self.handled: list[Message | Problem] = []
        #: Ids of the requests front answered.
        self.answered: set[Any] = set()
        #: Each document front published: its analysis and version.
        self.published: dict[str, tuple[Analysis, int]] = {}
        self.encoding: str | None = None
        #: Set once the first diagnostics are out: pygls takes over from here.
        self.done = False

    def take(self, item: Message | Problem) -> bool:
        """Handle `item` if it is one front knows, well formed; False leaves it to pygls."""
        message = item.content if isinstance(item, Message) else None
        if self.done or not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return False
        method, params = message.get("method"), message.get("params")
        if method == "initialize" and self.encoding is None:
            return self._initialize(message, params)
        if self.encoding is None or "id" in message or not isinstance(params, dict):
            return False
        if method == "initialized":
            self.handled.append(item)
            return True
        if method == "textDocument/didOpen":
            return self._open(item, params)
        return False

    def _initialize(self, message: dict[str, Any], params: Any) -> bool:
        ident = _identifier(message)
        if (ident is None or not isinstance(params, dict) or "capabilities" not in params
                or any(name not in _INITIALIZE_FIELDS or (isinstance(value, bool)
                       and int in _INITIALIZE_FIELDS[name])
                       or not isinstance(value, _INITIALIZE_FIELDS[name])
                       for name, value in params.items())):
            return False
        self.encoding = position_encoding(params["capabilities"])
        send(self.writer, {"jsonrpc": "2.0", "id": ident,
                           "result": initialize_result(self.encoding, release())})
        self.answered.add(ident)
        self.handled.append(Message(message))
        return True

    def _open(self, item: Message | Problem, params: dict[str, Any]) -> bool:
        # lazy: pygls.uris is small (no lsprotocol), and names the document as pygls does
        from pygls.uris import to_fs_path, urlparse

        document = params.get("textDocument")
        if not isinstance(document, dict):
            return False
        uri, text, version = document.get("uri"), document.get("text"), document.get("version")
        if (not isinstance(uri, str) or not isinstance(text, str)
                or not isinstance(document.get("languageId"), str)
                or not isinstance(version, int) or isinstance(version, bool)):
            return False
        path = to_fs_path(uri) or urlparse(uri)[2] or uri
        analysis = Analysis(text, path)
        lines = text.splitlines(True)
        encoding = self.encoding or "utf-16"
        diagnostics = [diagnostic_json(d, lines, encoding, path) for d in analysis.diagnostics]
        send(self.writer, {"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                           "params": publish_params(uri, diagnostics, version)})
        self.published[uri] = (analysis, version)
        self.handled.append(item)
        self.done = True
        return True


def serve() -> None:
    """Speak LSP over standard input and output until the client says exit or goes away;
    no message, however malformed, stops it (see `jsonrpc`)."""
    try:
        limits = Limits.from_environment()
    except ValueError:
        limits = Limits()
    hint = exceeded("max_message_size", limits, "", Span(1, 0, 1, 0)).hint
    quiet()
    writer = Writer(sys.stdout.buffer)
    items = incoming(Framing(limits.max_message_size, hint or ""))
    front = Front(writer)
    waiting = _until_handover(front, items)
    if waiting is None:  # the client went away before pygls was needed
        return
    # lazy: pygls and lsprotocol load here, after the first diagnostics
    from .server import build_server

    server = build_server(front.published)
    server.protocol.muted = set(front.answered)  # type: ignore[attr-defined]
    run(server, writer, items, [*front.handled, *waiting])


def _until_handover(front: Front, items: Iterator[Message | Problem]
                    ) -> list[Message | Problem] | None:
    """Feed `front` until it publishes or meets a message it leaves to pygls: that
    message, to be handled next ([] after publishing); None if the input ends first."""
    for item in items:
        if not front.take(item):
            return [item]
        if front.done:
            return []
    return None
