"""The language server's first answers, given before pygls loads (`lsp/front.py`): they
are what the pygls server would have said, each said once, and in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_lsp import BROKEN, NORTHSHIRE, Client

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.base.span import Span
from cquin_rules.lsp import front, server, wire

#: An error on a line with characters of one, two, three and four UTF-8 bytes (the last
#: two UTF-16 units) before it, so every position encoding counts differently.
WIDE = BROKEN.replace('goal FLU "Flu" {', 'goal FLU "Flü € 𝄞" { ~')


def _initialize(client: Client, capabilities: dict[str, Any], **extra: Any) -> Any:
    params = {"processId": None, "rootUri": None, "capabilities": capabilities, **extra}
    return client.request("initialize", params)


def _session(capabilities: dict[str, Any], extra: dict[str, Any], text: str,
             uri: str) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """initialize (with `extra` fields), open `text`, then change it to the same text:
    the answer to initialize, the diagnostics of version 1 and of version 2."""
    client = Client()
    try:
        result = _initialize(client, capabilities, **extra)
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "cquin", "version": 1, "text": text}})
        first = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": text}]})
        second = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        assert (first["params"]["version"], second["params"]["version"]) == (1, 2)
        assert client.close() == 0
        return result, first["params"]["diagnostics"], second["params"]["diagnostics"]
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_front_and_pygls_say_the_same(tmp_path: Path) -> None:
    """For each position encoding a client may ask for: front's answer to initialize is
    pygls' answer (an unknown field leaves initialize to pygls), and the diagnostics front
    publishes for version 1 are those pygls publishes for the same text as version 2."""
    uri = (tmp_path / "wide é.cquin").as_uri()
    columns = set()
    editor = {"processId": os.getpid(), "clientInfo": {"name": "Visual Studio Code"},
              "locale": "en-gb", "rootUri": tmp_path.as_uri(), "trace": "off",
              "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "w"}]}
    for offered, extra in (([], {}), (["utf-8"], {}), (["utf-32", "utf-16"], {}),
                           (["latin-1"], {}), (["utf-16"], editor)):
        capabilities = {"general": {"positionEncodings": offered}} if offered else {}
        by_front, first, again = _session(capabilities, extra, WIDE, uri)
        by_pygls, *_ = _session(capabilities, {**extra, "x-not-lsp": 1}, WIDE, uri)
        assert by_front == by_pygls, offered
        assert first == again, offered
        assert first and first[0]["code"] == "E001"
        columns.add(first[0]["range"]["start"]["character"])
    assert by_front["capabilities"]["positionEncoding"] == "utf-16"
    assert len(columns) == 3  # the encodings counted differently, and the same in both


def test_each_answer_once_and_in_order(tmp_path: Path) -> None:
    """Everything sent at once, before the server has started: initialize is answered
    once, each document's diagnostics are published once, every request is answered once,
    and initialize's answer comes first."""
    uri_a, uri_b = (tmp_path / "a.cquin").as_uri(), (tmp_path / "b.cquin").as_uri()
    text = NORTHSHIRE.read_text(encoding="utf-8")
    messages = [
        {"id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri_a, "languageId": "cquin", "version": 1, "text": text}}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri_b, "languageId": "cquin", "version": 3, "text": BROKEN}}},
        {"id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri_a},
            "position": {"line": text[:text.index("goal FLU")].count("\n"), "character": 6}}},
    ]
    client = Client()
    try:
        assert client.process.stdin is not None
        client.process.stdin.write(b"".join(_frame({"jsonrpc": "2.0", **m}) for m in messages))
        client.process.stdin.flush()
        said = [client.wait(lambda m: True) for _ in range(4)]
        client.next_id = 10  # shutdown's id, after those above
        assert client.close() == 0
        said += [client.messages.get_nowait() for _ in range(client.messages.qsize())]
    finally:
        if client.process.poll() is None:
            client.process.kill()
    answers = [m["id"] for m in said if "id" in m]
    assert answers == [1, 2] and "capabilities" in said[0]["result"]
    assert "FLU" in next(m for m in said if m.get("id") == 2)["result"]["contents"]["value"]
    published = [(m["params"]["uri"], m["params"]["version"]) for m in said
                 if m.get("method") == "textDocument/publishDiagnostics"]
    assert sorted(published) == [(uri_a, 1), (uri_b, 3)]


def test_first_diagnostics_come_before_pygls_loads() -> None:
    """front answers initialize and publishes the first diagnostics with neither pygls'
    server nor lsprotocol imported: they are what made an editor wait (about 0.4 s)."""
    probe = (
        "import io, json, sys\n"
        "from cquin_rules.jsonrpc import Message, Writer\n"
        "from cquin_rules.lsp.front import Front\n"
        "out = io.BytesIO()\n"
        "front = Front(Writer(out))\n"
        "for m in json.loads(sys.argv[1]):\n"
        "    assert front.take(Message(m))\n"
        "assert front.done\n"
        "print(sorted(n for n in ('lsprotocol', 'pygls.lsp', 'pygls.protocol', 'asyncio')\n"
        "             if n in sys.modules))\n"
        "print(out.getvalue().count(b'Content-Length'))\n"
    )
    messages = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize",
         "params": {"processId": 1, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///r.cquin", "languageId": "cquin", "version": 1, "text": BROKEN}}},
    ]
    done = subprocess.run([sys.executable, "-c", probe, json.dumps(messages)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "2"]


def test_front_leaves_what_it_does_not_know_to_pygls() -> None:
    """A request before initialize, a second initialize, odd fields or shapes: not taken."""
    taken = front.Front(_NullWriter())
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"processId": None, "capabilities": {}}}
    hover = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {}}
    assert not taken.take(front.Message(hover))
    for odd in ({"processId": True, "capabilities": {}}, {"processId": None},
                {"processId": None, "capabilities": {}, "rootUri": 5},
                {"processId": None, "capabilities": {}, "unknown": 1}):
        assert not taken.take(front.Message({**initialize, "params": odd})), odd
    assert not taken.take(front.Message({**initialize, "id": True}))
    assert not taken.take(front.Problem(-32700, "not JSON"))
    editor = {"processId": 7, "clientInfo": {"name": "Visual Studio Code"}, "locale": "en-gb",
              "rootPath": "/w", "rootUri": "file:///w", "trace": "off", "workDoneToken": "t",
              "workspaceFolders": [{"uri": "file:///w", "name": "w"}],
              "initializationOptions": None, "capabilities": {"general": {
                  "positionEncodings": ["utf-16"]}}}
    assert taken.take(front.Message({**initialize, "params": editor}))
    assert not taken.take(front.Message(initialize))  # a second one is pygls' to refuse
    assert not taken.take(front.Message({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                                         "params": {"textDocument": {"uri": 5}}}))
    assert taken.answered == {1} and not taken.done


class _NullWriter(front.Writer):
    def __init__(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab £é€𝄞\t"), max_size=12), max_size=4),
       st.integers(0, 6), st.integers(0, 15), st.integers(0, 6), st.integers(0, 15),
       st.sampled_from(["utf-8", "utf-16", "utf-32", None]), st.booleans())
def test_ranges_are_pygls_ranges(lines: list[str], line: int, column: int, end_line: int,
                                 end_column: int, encoding: str | None, crlf: bool) -> None:
    """`wire.diagnostic_json` places a span where pygls' position codec would, in each
    encoding, clamped to the document; `to_lsp` is the same thing as lsprotocol's type."""
    from pygls.workspace import PositionCodec, TextDocument

    text = ("\r\n" if crlf else "\n").join(lines)
    document = TextDocument("file:///r.cquin", text, position_codec=PositionCodec(encoding))
    diagnostic = Diagnostic("E001", "m", Span(line, column, end_line, end_column), path="r")
    shown = wire.diagnostic_json(diagnostic, document.lines, encoding, "r")
    expected = server.to_range(diagnostic.span, document)
    assert shown["range"] == {
        "start": {"line": expected.start.line, "character": expected.start.character},
        "end": {"line": expected.end.line, "character": expected.end.character}}
    typed = server.to_lsp(diagnostic, document, "r")
    assert (typed.range, typed.message, typed.code) == (expected, "m", "E001")


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _messages(output: bytes) -> list[dict[str, Any]]:
    from cquin_rules.jsonrpc import Framing, Message

    found = []
    for item in Framing(1 << 30).feed(output):
        assert isinstance(item, Message)
        found.append(item.content)
    return found
