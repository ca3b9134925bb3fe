"""`cquin lsp` against a hostile or careless client (issue 17, item 13): malformed framings,
wrong JSON-RPC shapes, a day of edits, quick edits of a large rulebook.

The server runs in a subprocess under the hostile corpus's kernel bounds (RLIMIT_AS and
RLIMIT_CPU); each test asserts that it still answers, not how fast.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_corpus import CPU_SECONDS, _bounded
from test_lsp import NORTHSHIRE, Client

from cquin_rules.jsonrpc import Framing, Message, Problem

#: Seconds any one answer may take (a check of a 1 MB rulebook takes several).
PATIENCE = 240.0


def frame(message: dict[str, Any] | bytes) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


INITIALIZE = frame({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}}})
SHUTDOWN = frame({"jsonrpc": "2.0", "id": "last", "method": "shutdown"})
EXIT = frame({"jsonrpc": "2.0", "method": "exit"})

#: Well-formed messages the fuzzer mixes with random bytes (none ends the session).
VALID = [
    frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///f.cquin", "languageId": "cquin", "version": 1,
        "text": 'scheme "S" {\n  year 2018/19\n}\n'}}}),
    frame({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": "file:///f.cquin"}, "position": {"line": 0, "character": 1}}}),
    frame({"jsonrpc": "2.0", "id": 8, "method": "textDocument/completion", "params": {
        "textDocument": {"uri": "file:///f.cquin"}, "position": {"line": 9, "character": 0}}}),
]

#: Framings that stopped (or ended) the server before, and wrong JSON-RPC shapes.
HOSTILE = [
    b"Content-Length: 999999999999\r\n\r\n",
    b"Content-Length: -5\r\n\r\n{}",
    b"Content-Length: 12abc\r\n\r\n{}",
    b"Content-Length: \r\n\r\n",
    b"Content-Type: x\r\n\r\n{}",
    b"Content-Length: 4000\r\n\r\n{\"jsonrpc\": \"2.0\", ",
    b"Content-Length: 0\r\n\r\n",
    frame(b"{not json"),
    frame(b"\xff\xfe\x00"),
    frame(b"[" * 100_000 + b"]" * 100_000),
    frame(b"[1, 2]"),
    frame(b"null"),
    frame({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": "x"}),
    frame({"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}),
    frame({"jsonrpc": "1.0", "id": 4, "method": "textDocument/hover"}),
    frame({"jsonrpc": "2.0", "id": 5, "method": 17}),
    frame({"jsonrpc": "2.0", "id": 6, "method": "textDocument/definition", "params": {
        "textDocument": {"uri": "file:///dev/zero"}, "position": {"line": 0, "character": 0}}}),
    frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": "file:///f.cquin", "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 99, "character": 0},
                       "end": {"line": 9, "character": 99}}, "text": "x"}]}}),
    frame({"jsonrpc": "2.0", "id": 9, "result": None}),
    b"\x00" * 5000 + b"\r\n\r\n",
]


def converse(stream: bytes) -> tuple[list[dict[str, Any]], bytes, int]:
    """Everything the server says to `stream` (then shutdown and exit), its stderr and exit
    status, under the corpus's memory and CPU bounds."""
    environment = {k: v for k, v in os.environ.items() if k != "CQUIN_DEBUG"}
    completed = subprocess.run(
        [sys.executable, "-m", "cquin_rules", "lsp"], input=stream + SHUTDOWN + EXIT,
        capture_output=True, preexec_fn=_bounded, env=environment, timeout=CPU_SECONDS * 5)
    return replies(completed.stdout), completed.stderr, completed.returncode


def replies(output: bytes) -> list[dict[str, Any]]:
    """The messages in the server's output (whose framing is its own, so well formed)."""
    found = []
    framing = Framing(1 << 30)
    for item in framing.feed(output):
        assert isinstance(item, Message), item
        found.append(item.content)
    return found


def assert_answered_and_quiet(messages: list[dict[str, Any]], stderr: bytes,
                              status: int) -> None:
    """The final shutdown was answered, the exit was clean, and nothing shows a traceback:
    each line on stderr is one `cquin lsp:` summary."""
    assert any(m.get("id") == "last" and "result" in m for m in messages), messages[-3:]
    assert status == 0, stderr[-2000:]
    text = json.dumps(messages)
    assert "Traceback" not in text and "traceback" not in text
    assert b"Traceback" not in stderr
    assert all(line.startswith(b"cquin lsp: ") for line in stderr.splitlines()), stderr[-2000:]


# ---- the framing, in process ------------------------------------------------------------

FINAL = frame({"jsonrpc": "2.0", "id": "final", "method": "shutdown"})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from(HOSTILE[:8] + VALID),
                          st.sampled_from([b"Content-Length: ", b"\r\n", b"\r\n\r\n",
                                           b"Content-Length: 30\r\n\r\n", b"{", b"\n"])),
                max_size=12),
       st.lists(st.integers(min_value=1, max_value=60), max_size=8))
def test_any_bytes_then_a_message_the_message_is_read(pieces: list[bytes],
                                                     cuts: list[int]) -> None:
    """Whatever comes before, in whatever chunks it arrives, a well-formed message after it
    is read (the framing resynchronises on the next header), and a body is never held
    beyond the limit."""
    framing = Framing(most=10_000)
    stream = b"".join(pieces) + FINAL
    found: list[Message | Problem] = []
    start = 0
    for cut in cuts:
        found += framing.feed(stream[start:start + cut])
        start += cut
    found += framing.feed(stream[start:])
    assert found and found[-1] == Message(json.loads(FINAL.partition(b"\r\n\r\n")[2]))
    assert len(framing._buffer) <= 10_000 + len(stream)


def test_the_limit_is_weighed_before_the_body_is_read() -> None:
    """A declared length above the limit is refused at once, with the usual hint, and the
    next message is read without waiting for (or keeping) the bytes it declared."""
    framing = Framing(most=1000, too_large="the limit is 1,000; raise it with CQUIN_X")
    found = framing.feed(b"Content-Length: 999999999999\r\n\r\n" + FINAL)
    assert isinstance(found[0], Problem) and "999,999,999,999 bytes" in found[0].message
    assert "raise it with CQUIN_X" in found[0].message
    assert isinstance(found[1], Message)


# ---- the real server, in a subprocess ---------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_each_malformed_framing_is_survived(hostile: bytes) -> None:
    """Each framing that once stopped the server, or a wrong JSON-RPC shape: answered with
    an error or skipped, then the next request is answered and exit is clean."""
    messages, stderr, status = converse(INITIALIZE + hostile + VALID[1] + VALID[2])
    assert_answered_and_quiet(messages, stderr, status)
    assert any(m.get("id") == 7 for m in messages)  # the hover after it


def test_wrong_shapes_are_answered_under_their_id() -> None:
    """A request the server cannot take gets an error reply under its own id (or null),
    with a short message and no traceback data."""
    messages, stderr, status = converse(INITIALIZE + b"".join(HOSTILE[12:17]))
    assert_answered_and_quiet(messages, stderr, status)
    errors = {m["id"]: m["error"] for m in messages if "error" in m}
    assert errors[3]["code"] == -32602 and errors[4]["code"] == -32600
    assert errors[5]["code"] == -32600 and errors[None]["code"] == -32600
    assert all(set(error) == {"code", "message"} for error in errors.values())
    (definition,) = [m for m in messages if m.get("id") == 6]
    assert definition["result"] is None  # a document not open is never read from disk


def test_a_request_after_shutdown_is_refused_not_left_unanswered() -> None:
    """LSP says a request after shutdown is an error; pygls dropped it, so an editor waited."""
    messages, stderr, status = converse(INITIALIZE + SHUTDOWN + VALID[2])
    assert any(m.get("id") == "last" and "result" in m for m in messages)
    (late,) = [m for m in messages if m.get("id") == 7]
    assert late["error"]["code"] == -32600 and "after shutdown" in late["error"]["message"]
    assert status == 0 and b"Traceback" not in stderr


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(st.binary(max_size=3000), st.sampled_from(HOSTILE + VALID)),
                min_size=1, max_size=10))
def test_fuzzed_streams_never_stop_the_server(pieces: list[bytes]) -> None:
    """Random bytes mixed with valid and hostile messages, then shutdown: it is answered,
    exit is clean, and stderr holds one-line summaries only."""
    messages, stderr, status = converse(INITIALIZE + b"".join(pieces))
    assert_answered_and_quiet(messages, stderr, status)


def _rss_kilobytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def _change(client: Client, uri: str, version: int, text: str) -> None:
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                             "contentChanges": [{"text": text}]})


def _start(tmp_path: Path) -> Client:
    client = Client(preexec_fn=_bounded)
    client.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                  "capabilities": {}})
    client.notify("initialized", {})
    return client


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_memory_stays_flat_over_many_edits(tmp_path: Path) -> None:
    """3,000 edits, each a new version, with hovers that make the server check them:
    after the first 500, memory grows by less than 1 KB an edit on average (it used to keep
    about 2 KB an edit: pygls held a record of every notification)."""
    text = NORTHSHIRE.read_text(encoding="utf-8")
    uri = (tmp_path / "r.cquin").as_uri()
    client = _start(tmp_path)
    try:
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "cquin", "version": 1, "text": text}})
        client.diagnostics(uri)
        position = {"line": text[:text.index("goal FLU")].count("\n"), "character": 6}
        settled = 0
        for version in range(2, 3002):
            _change(client, uri, version, text.replace("68%", f"{version % 90}%"))
            if version % 50 == 0:
                hover = client.request("textDocument/hover", {
                    "textDocument": {"uri": uri}, "position": position})
                assert "FLU" in hover["contents"]["value"]
            if version == 500:
                settled = _rss_kilobytes(client.process.pid)
        grown = _rss_kilobytes(client.process.pid) - settled
        assert grown < 2500, f"{grown} kB more after 2,500 more edits"
        assert client.close() == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def _large_rulebook() -> str:
    """About 1 MB: Northshire's header and its goals repeated under new codes."""
    text = NORTHSHIRE.read_text(encoding="utf-8")
    head, _, rest = text.partition("\ngoal ")
    goals = "\ngoal " + rest.split("\nexample")[0]
    copies = [head]
    size, index = len(head), 0
    while size < 1_000_000:
        copies.append(re.sub(r"\ngoal ([A-Z]+)", rf"\ngoal \g<1>{index}", goals))
        size += len(copies[-1])
        index += 1
    return "".join(copies)


def test_quick_edits_of_a_large_rulebook_do_not_queue(tmp_path: Path) -> None:
    """20 quick edits of a 1 MB rulebook: diagnostics for the last version arrive and
    describe it, and the server checked a few versions, not all twenty."""
    import test_lsp

    text = _large_rulebook()
    assert len(text.encode("utf-8")) >= 1_000_000
    uri = (tmp_path / "big.cquin").as_uri()
    client = _start(tmp_path)
    saved = test_lsp.TIMEOUT
    test_lsp.TIMEOUT = PATIENCE
    try:
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "cquin", "version": 1, "text": text}})
        client.diagnostics(uri)
        lines = text.split("\n")
        for version in range(2, 22):
            edited = list(lines)
            edited[version * 100] = "  pay lineer"  # a syntax error, on a different line each time
            _change(client, uri, version, "\n".join(edited))
        checked: list[int] = []
        deadline = time.monotonic() + PATIENCE
        while not checked or checked[-1] != 21:
            assert time.monotonic() < deadline
            message = client.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
            checked.append(message["params"]["version"])
        codes = [(d["code"], d["range"]["start"]["line"]) for d in message["params"]["diagnostics"]]
        assert ("E001", 2100) in codes
        assert len(checked) <= 3, checked
        assert client.close() == 0
    finally:
        test_lsp.TIMEOUT = saved
        if client.process.poll() is None:
            client.process.kill()


@pytest.mark.parametrize("rulebook", sorted((Path(__file__).parent / "hostile").glob("*.cquin")),
                         ids=lambda path: path.name)
def test_hostile_rulebooks_in_the_language_server(rulebook: Path) -> None:
    """Each rulebook of the hostile corpus, opened in the editor and hovered: answered
    within the bounds, with no traceback."""
    text = rulebook.read_bytes().decode("utf-8", "replace")
    opened = frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": rulebook.as_uri(), "languageId": "cquin", "version": 1,
                         "text": text}}})
    hover = frame({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": rulebook.as_uri()}, "position": {"line": 0, "character": 1}}})
    messages, stderr, status = converse(INITIALIZE + opened + hover)
    assert_answered_and_quiet(messages, stderr, status)
    assert any(m.get("id") == 7 and "result" in m for m in messages)
