"""JSON-RPC over a byte stream, for the language server: messages read whatever a client
sends, and no internal error shown as a traceback.

pygls' own reader stops answering for good after some malformed headers, and reads a
declared length before weighing it (`Content-Length: 999999999999` ends the process), so
`cquin lsp` reads its input here instead. A framing that cannot be read is answered with
a JSON-RPC error (id null, as the protocol says when the id is unknown) and skipped;
reading resumes at the next `Content-Length:` header. A message too large is refused by
`Limits.max_message_size` before any of its body is kept.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, BinaryIO

from attrs import frozen

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pygls.lsp.server import LanguageServer
    from pygls.protocol import LanguageServerProtocol

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

_HEADER = re.compile(rb"content-length:", re.IGNORECASE)
#: A complete `Content-Length` header line. Valid JSON never holds one (a raw line break
#: cannot be inside a JSON string, nor these words outside one), so one inside a body
#: means the body was cut short and the next message starts there.
_HEADER_LINE = re.compile(rb"content-length:[ \t]*[0-9]+[ \t]*\r?\n", re.IGNORECASE)
#: Bytes in one header line, and header lines before the blank line, at most.
_LONGEST_HEADER = 4096
_MOST_HEADERS = 32
#: How far back a scan of a growing body starts again, so a header split between two
#: reads is still found.
_OVERLAP = 64
_CHUNK = 1 << 16


@frozen
class Message:
    """One message body, parsed as JSON (any JSON value: its shape is checked later)."""

    content: Any


@frozen
class Problem:
    """A framing that could not be read: a JSON-RPC error code and a short message."""

    code: int
    message: str


class Framing:
    """Splits a byte stream into messages (`Content-Length` headers, a blank line, a body).

    Whatever arrives, `feed` returns, holds at most `most` bytes of a body plus one read,
    and after anything it cannot read starts again at the next `Content-Length:` header.
    """

    def __init__(self, most: int, too_large: str = "") -> None:
        self.most = most
        self.too_large = too_large
        self._buffer = bytearray()
        self._state = "headers"
        self._length: int | None = None
        self._headers = 0
        self._scanned = 0

    def feed(self, data: bytes) -> list[Message | Problem]:
        """The messages and problems that `data`, after what came before, completes."""
        self._buffer += data
        found: list[Message | Problem] = []
        while self._step(found):
            pass
        return found

    def _restart(self, state: str = "headers") -> None:
        self._state, self._length, self._headers, self._scanned = state, None, 0, 0

    def _step(self, found: list[Message | Problem]) -> bool:
        """Read one thing from the buffer; False when more bytes are needed."""
        if self._state == "resync":
            return self._resync()
        if self._state == "body":
            return self._body(found)
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > _LONGEST_HEADER:
                found.append(Problem(INVALID_REQUEST, "a header line too long was skipped"))
                self._restart("resync")
                return True
            return False
        inside = _HEADER.search(self._buffer, 1, end)
        if inside is not None:  # garbage, then a header: start again at the header
            found.append(Problem(INVALID_REQUEST, "an unreadable header was skipped"))
            del self._buffer[: inside.start()]
            self._restart()
            return True
        line = bytes(self._buffer[:end]).rstrip(b"\r")
        name, colon, value = line.partition(b":")
        if line.strip() and (not colon or self._headers >= _MOST_HEADERS):
            found.append(Problem(INVALID_REQUEST, "an unreadable header was skipped"))
            self._restart("resync")  # the line itself may be the next header
            if not _HEADER.match(line):
                del self._buffer[: end + 1]
            return True
        del self._buffer[: end + 1]
        if not line.strip():
            if self._length is not None:
                length = self._length
                self._restart("body")
                self._length = length
                return True
            if self._headers:
                found.append(Problem(INVALID_REQUEST,
                                     "a message without a Content-Length header was skipped"))
                self._restart("resync")
            return True
        self._headers += 1
        if name.strip().lower() == b"content-length":
            text = value.strip()
            if not text.isdigit() or len(text) > 20:
                found.append(Problem(INVALID_REQUEST, "a message whose Content-Length is not a "
                                     "whole number of bytes was skipped"))
                self._restart("resync")
                return True
            length = int(text)
            if length > self.most:
                found.append(Problem(INVALID_REQUEST, f"a message of {length:,} bytes is larger "
                                     f"than {self.most:,} bytes and was skipped"
                                     + (f"; {self.too_large}" if self.too_large else "")))
                self._restart("resync")
                return True
            self._length = length
        return True

    def _resync(self) -> bool:
        match = _HEADER.search(self._buffer)
        if match is None:
            keep = len(b"content-length:") - 1
            del self._buffer[: max(0, len(self._buffer) - keep)]
            return False
        del self._buffer[: match.start()]
        self._restart()
        return True

    def _body(self, found: list[Message | Problem]) -> bool:
        length = self._length or 0
        end = min(len(self._buffer), length)
        cut = _HEADER_LINE.search(self._buffer, max(0, self._scanned - _OVERLAP), end)
        if cut is not None:
            found.append(Problem(PARSE_ERROR, "a message cut short was skipped"))
            del self._buffer[: cut.start()]
            self._restart()
            return True
        self._scanned = end
        if len(self._buffer) < length:
            return False
        body = bytes(self._buffer[:length])
        try:
            content = json.loads(body)
        except Exception:  # not JSON, not UTF-8, nested past the recursion limit …
            found.append(Problem(PARSE_ERROR, "a message that is not valid JSON was skipped"))
            self._restart("resync")  # the body may hold the next message's header
            return True
        del self._buffer[:length]
        found.append(Message(content))
        self._restart()
        return True


# ---- serving ----------------------------------------------------------------------------


def one_line(text: object) -> str:
    """The first line of `text`, at most 300 characters: what a log or error reply shows."""
    first = str(text).strip().splitlines()[:1]
    return (first[0] if first else "internal error")[:300]


class _OneLine(logging.Formatter):
    """A log record as one line, never with its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        return f"cquin lsp: {record.levelname.lower()}: {one_line(text)}"


def quiet() -> None:
    """Every log record, uncaught exception and asyncio error as one line on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.ERROR)
    logging.getLogger("pygls").setLevel(logging.CRITICAL)  # its errors reach report_server_error
    logging.raiseExceptions = False

    def summary(kind: type[BaseException], value: BaseException, _: object) -> None:
        sys.stderr.write(f"cquin lsp: error: {kind.__name__}: {one_line(value)}\n")

    sys.excepthook = summary
    threading.excepthook = lambda args: summary(args.exc_type, args.exc_value
                                                 or args.exc_type(), None)


class Writer:
    """Standard output as pygls writes to it: each message flushed whole."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self.lock:
            self.stream.write(data)
            self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def incoming(framing: Framing, source: BinaryIO | None = None) -> Iterator[Message | Problem]:
    """The items framed from `source` (standard input), one at a time as they arrive,
    until it ends. One generator serves a whole session: `front` reads the first messages
    from it and the pygls server the rest, so none is lost or read twice."""
    descriptor = (source or sys.stdin.buffer).fileno()
    while True:
        try:
            data = os.read(descriptor, _CHUNK)
        except OSError:
            data = b""
        if not data:
            return
        yield from framing.feed(data)


def run(server: LanguageServer, writer: Writer, items: Iterator[Message | Problem],
        backlog: Iterable[Message | Problem] = ()) -> None:
    """Serve `server` until the client says exit or goes away: first `backlog` (messages
    read before the server was built), then `items` as they come.

    A thread reads `items`; each is handled on the event loop, in order, so work the
    server schedules (a debounced check) runs after every message that has arrived so far.
    """
    # lazy: the event loop is wanted only once pygls serves, after the first diagnostics
    import asyncio

    quiet()
    server.protocol.set_writer(writer)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(
        lambda _, context: logging.getLogger("cquin").error(
            "%s", context.get("exception") or context.get("message")))
    for item in backlog:
        loop.call_soon(handle, server.protocol, writer, item)

    def read() -> None:
        for item in items:
            loop.call_soon_threadsafe(handle, server.protocol, writer, item)
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=read, name="cquin-lsp-reader", daemon=True).start()
    try:
        loop.run_forever()
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


def send(writer: Writer, message: dict[str, Any]) -> None:
    """One JSON-RPC message, framed."""
    body = json.dumps(message).encode("utf-8")
    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def reply_error(writer: Writer, ident: int | str | None, code: int, message: str) -> None:
    """A JSON-RPC error reply, framed."""
    send(writer, {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}})


def handle(protocol: LanguageServerProtocol, writer: Writer, item: Message | Problem) -> None:
    """One framed item: a problem answered, a message checked for shape and handed to pygls.

    A request in the wrong shape is answered with an error under its id (or null); a
    notification or response in the wrong shape is dropped, with one line logged.
    """
    log = logging.getLogger("cquin")
    try:
        if isinstance(item, Problem):
            log.error("%s", item.message)
            reply_error(writer, None, item.code, item.message)
            return
        message = item.content
        if not isinstance(message, dict):
            reply_error(writer, None, INVALID_REQUEST, "a message must be one JSON object")
            return
        ident = message.get("id")
        usable = ident if isinstance(ident, (int, str)) and not isinstance(ident, bool) else None
        method = message.get("method")
        request = "method" in message and "id" in message

        def refuse(code: int, text: str) -> None:
            log.error("%s", text)
            muted: set[Any] = getattr(protocol, "muted", set())
            if usable in muted:  # front answered it already: say nothing twice
                muted.discard(usable)
            elif request:
                reply_error(writer, usable, code, text)

        if (message.get("jsonrpc") != "2.0" or ("method" in message and not isinstance(
                method, str)) or ("id" in message and usable is None)):
            refuse(INVALID_REQUEST, "a message that is not JSON-RPC 2.0 was skipped")
            return
        if request and method != "exit" and getattr(protocol, "_shutdown", False):
            refuse(INVALID_REQUEST, f"{method} came after shutdown")  # as LSP asks
            return
        try:
            structured = protocol.structure_message(message)
        except Exception:
            refuse(INVALID_PARAMS, f"the parameters of {method} are not as LSP defines them")
            return
        try:
            protocol.handle_message(structured)
        except Exception as error:
            refuse(INTERNAL_ERROR, f"{method} could not be handled: {one_line(error)}")
    except (BrokenPipeError, ConnectionResetError):
        raise SystemExit(1) from None
    except Exception as error:  # never let one message stop the server
        log.error("%s", error)
    finally:
        _forget_finished(protocol)


def _forget_finished(protocol: LanguageServerProtocol) -> None:
    """Drop pygls' record of finished work: it keeps a future for every notification its
    own handlers run (didOpen, didChange …) and never removes it, about 2 KB an edit."""
    futures = getattr(protocol, "_request_futures", None)
    if isinstance(futures, dict) and futures:
        for key in [key for key, future in futures.items() if future.done()]:
            futures.pop(key, None)
