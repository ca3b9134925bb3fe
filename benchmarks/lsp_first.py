"""Time from starting `cquin lsp` to its first diagnostics, speaking LSP over pipes as an
editor does: initialize, initialized, didOpen, then wait for publishDiagnostics."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any


def _send(pipe: Any, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode("utf-8")
    pipe.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    pipe.flush()


def _receive(pipe: Any) -> dict[str, Any]:
    length = 0
    while True:
        line = pipe.readline()
        if not line:
            raise RuntimeError("the language server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(pipe.read(length))
    return message


def first_diagnostics(command: list[str], rulebook: Path) -> tuple[float, int]:
    """Seconds from spawning the server to the first publishDiagnostics for `rulebook`, and
    how many diagnostics it held."""
    started = time.perf_counter()
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    assert server.stdin is not None and server.stdout is not None
    try:
        uri = rulebook.resolve().as_uri()
        _send(server.stdin, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": {"processId": None, "rootUri": None,
                                        "capabilities": {}}})
        while "id" not in (reply := _receive(server.stdout)) or reply.get("id") != 1:
            pass
        _send(server.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _send(server.stdin, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "cquin", "version": 1,
                             "text": rulebook.read_text("utf-8")}}})
        while True:
            message = _receive(server.stdout)
            if message.get("method") == "textDocument/publishDiagnostics":
                seconds = time.perf_counter() - started
                return seconds, len(message["params"]["diagnostics"])
    finally:
        try:
            _send(server.stdin, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            _send(server.stdin, {"jsonrpc": "2.0", "method": "exit"})
            server.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            server.kill()
            server.wait()
