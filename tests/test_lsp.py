"""`cquin lsp`, end to end: the real server in a subprocess, spoken to in JSON-RPC.

Every wait has a timeout, so a server that hangs fails the test instead of blocking CI.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from cquin_rules import lsp
from cquin_rules.api import diagnose, loads
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.model import Indicator

ROOT = Path(__file__).resolve().parent.parent
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
TIMEOUT = 30.0

BROKEN = """scheme "S" {
  year 2018/19
  cquin value £1,000,000
}

goal FLU "Flu" {
  domain safety
  weight 80%
  indicator uptake { pay linear from 60% to 75% }
}
"""


def cquin_command() -> list[str]:
    script = Path(sys.executable).parent / "cquin"
    if script.exists():
        return [str(script)]
    found = shutil.which("cquin")
    return [found] if found else [sys.executable, "-m", "cquin_rules"]


class Client:
    """A minimal LSP client: Content-Length framing, requests by id, notifications queued."""

    def __init__(self, preexec_fn: Callable[[], None] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k != "CQUIN_DEBUG"}
        self.process = subprocess.Popen(
            [*cquin_command(), "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            preexec_fn=preexec_fn,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first message (skipping others) that `wanted` accepts, within TIMEOUT."""
        import time

        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the language server did not answer in time")
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                raise AssertionError("the language server did not answer in time") from None
            if message.get("method") in ("window/logMessage", "window/showMessage"):
                continue
            if wanted(message):
                return message

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
        )
        return list(message["params"]["diagnostics"])

    def close(self) -> int:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            return self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=TIMEOUT)
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    started = Client()
    try:
        result = started.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {}},
        )
        capabilities = result["capabilities"]
        assert capabilities["hoverProvider"] and capabilities["definitionProvider"]
        assert capabilities["documentFormattingProvider"]
        assert "." in capabilities["completionProvider"]["triggerCharacters"]
        started.notify("initialized", {})
        yield started
    finally:
        if started.process.poll() is None:
            started.process.kill()
            started.process.wait(timeout=TIMEOUT)


def open_document(client: Client, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "cquin", "version": 1, "text": text}},
    )
    return uri


def position_of(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    """The 0-based LSP position of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def test_broken_rulebook_gets_checks_diagnostics(client: Client, tmp_path: Path) -> None:
    """didOpen publishes what `cquin check` reports: E201 at the cquin value line, 0-based."""
    uri = open_document(client, tmp_path / "broken.cquin", BROKEN)
    found = client.diagnostics(uri)
    expected = diagnose(BROKEN, str(tmp_path / "broken.cquin"))
    assert [d["code"] for d in found] == [d.code for d in expected]
    (e201,) = [d for d in found if d["code"] == "E201"]
    assert e201["severity"] == 1 and e201["source"] == "cquin"
    assert e201["range"]["start"] == {"line": 2, "character": 2}
    assert e201["range"]["end"]["line"] == 2
    assert client.close() == 0


def test_every_change_republishes(client: Client, tmp_path: Path) -> None:
    """didChange with a syntax error gives E001; fixing it clears the diagnostics."""
    uri = open_document(client, tmp_path / "r.cquin", BROKEN.replace("80%", "100%"))
    assert client.diagnostics(uri) == []
    broken = BROKEN.replace("80%", "100%").replace("pay linear", "pay lineer")
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]},
    )
    found = client.diagnostics(uri)
    assert [d["code"] for d in found] == ["E001"]
    assert found[0]["range"]["start"]["line"] == 8
    (expected,) = diagnose(broken, str(tmp_path / "r.cquin"))
    assert found[0]["message"].startswith(expected.message)
    if expected.hint:
        assert found[0]["message"].endswith(f"hint: {expected.hint}")
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 3},
         "contentChanges": [{"text": BROKEN.replace("80%", "100%")}]},
    )
    assert client.diagnostics(uri) == []
    assert client.close() == 0


def test_hover_definition_completion_formatting(client: Client, tmp_path: Path) -> None:
    """On the Northshire rulebook: hover money and rule, jump to a declaration, complete, format."""
    text = NORTHSHIRE.read_text(encoding="utf-8")
    uri = open_document(client, tmp_path / "northshire.cquin", text)
    assert client.diagnostics(uri) == []

    hover = client.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": position_of(text, "goal FLU", 6)},
    )
    value = hover["contents"]["value"]
    assert "Improving the uptake of flu vaccinations" in value
    assert "£600,000.00" in value

    hover = client.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": position_of(text, "commissioner ", 3)},
    )
    assert "commissioner" in hover["contents"]["value"]
    start = position_of(text, "commissioner ")
    assert hover["range"]["start"] == start
    assert hover["range"]["end"] == {**start, "character": start["character"] + 12}

    example_use = text.index("FLU.uptake = 68%")
    hover = client.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": position_of(text, "FLU.uptake = 68%", 5)},
    )
    value = hover["contents"]["value"]
    assert "indicator FLU.uptake" in value and "Frontline clinical staff vaccinated" in value
    assert "linear from 60% to 75%" in value and "nothing at 60% or worse" in value

    location = client.request(
        "textDocument/definition",
        {"textDocument": {"uri": uri}, "position": position_of(text, "FLU.uptake = 68%", 6)},
    )
    declaration = position_of(text, 'indicator uptake "Frontline')
    assert location["uri"] == uri
    assert location["range"]["start"] == declaration
    assert example_use > text.index('indicator uptake "Frontline')

    location = client.request(
        "textDocument/definition",
        {"textDocument": {"uri": uri}, "position": position_of(text, "REC.courses Q4", 1)},
    )
    assert location["range"]["start"] == position_of(text, 'goal REC "Recovery')

    completion = client.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": position_of(text, "  expect FLU = £320", 2)},
    )
    labels = {item["label"] for item in completion["items"]}
    assert {"expect", "FLU", "CMA", "AED", "REC"} <= labels
    assert "weight" not in labels

    unformatted = text.replace("  weight 20%", "weight    20%", 1)
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": unformatted}]},
    )
    client.diagnostics(uri)
    edits = client.request(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    (edit,) = edits
    assert edit["range"]["start"] == {"line": 0, "character": 0}
    assert edit["newText"] == format_text(unformatted)[0]
    assert "\n  weight 20%" in edit["newText"]
    assert client.close() == 0


def test_completion_of_domains_and_frameworks(client: Client, tmp_path: Path) -> None:
    """After `domain` the four domains are offered; after `framework` the built-in names."""
    text = 'scheme "S" {\n  framework \n}\ngoal G "g" {\n  domain \n}\n'
    uri = open_document(client, tmp_path / "partial.cquin", text)
    client.diagnostics(uri)
    completion = client.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 9}},
    )
    assert {item["label"] for item in completion["items"]} == {
        "safety", "effectiveness", "experience", "innovation"
    }
    completion = client.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}},
    )
    assert "nhs_england_2019_20" in {item["label"] for item in completion["items"]}
    assert client.close() == 0


# ---- the same logic without a client ---------------------------------------------------


def test_keywords_follow_the_grammar() -> None:
    """Completion inside a goal offers goal statements, not header or example words."""
    text = 'scheme "S" {\n  year 2018/19\n}\ngoal G "g" {\n  domain safety\n  \n}\n'
    offset = text.index("  \n}") + 2
    labels = {s.label for s in lsp.suggestions(text, offset, None)}
    assert {"weight", "indicator", "period", "combine"} <= labels
    assert "expect" not in labels and "provider" not in labels


def test_paths_after_a_goal_code() -> None:
    """After `CMA.` the indicators of CMA are offered."""
    scheme = loads(NORTHSHIRE.read_text(encoding="utf-8")).scheme
    labels = [s.label for s in lsp.suggestions("CMA.", 4, scheme)]
    assert labels == ["inpatient", "community", "early"]


def test_rule_in_words_resolves_baselines() -> None:
    """The hover's sentence (the reports' own, `wording.rule_sentence`) gives each row, with
    baseline thresholds worked out."""
    scheme = loads(NORTHSHIRE.read_text(encoding="utf-8")).scheme
    indicator = scheme.goals[2].items[0]
    assert isinstance(indicator, Indicator) and indicator.name == "attendances"
    assert lsp.rule_in_words(indicator) == (
        "Pays in full when the value is 80% of the baseline (200) or less; "
        "50% when the value is 90% of the baseline (225) or less; otherwise nothing."
    )


def test_hover_shows_money_only_when_the_scheme_checks() -> None:
    """Available money is shown for a clean scheme and left out when it has errors."""
    scheme = loads(BROKEN).scheme
    target = lsp.find_target(scheme, BROKEN, 5, 6)
    assert target is not None and target.goal.code == "FLU" and target.item is None
    assert "Available" not in lsp.hover_markdown(scheme, target, clean=False)
    assert "Available: **£800,000.00**" in lsp.hover_markdown(scheme, target, clean=True)


def test_check_command_and_server_share_one_diagnose(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """`cquin check` and the language server both take their diagnostics from api.diagnose."""
    from click.testing import CliRunner

    from cquin_rules import api
    from cquin_rules.base.diagnostics import Diagnostic
    from cquin_rules.cli import main

    marker = Diagnostic("W599", "from diagnose", path=str(tmp_path / "r.cquin"))
    monkeypatch.setattr(api, "diagnose", lambda *args, **kwargs: [marker])
    (tmp_path / "r.cquin").write_text(BROKEN, encoding="utf-8")
    process = CliRunner().invoke(main, ["check", str(tmp_path / "r.cquin"), "--format", "json"])
    assert [d["code"] for d in json.loads(process.output)["diagnostics"]] == ["W599"]
    assert lsp.Analysis(BROKEN, "r.cquin").diagnostics == [marker]


def test_ranges_severities_and_other_files() -> None:
    """Spans become 0-based ranges; warnings are warnings; another file's problem says where."""
    from lsprotocol import types
    from pygls.workspace import TextDocument

    from cquin_rules.base.diagnostics import Diagnostic
    from cquin_rules.base.span import Span

    document = TextDocument("file:///r.cquin", "ab £ cd\nsecond line\n")
    warning = lsp.to_lsp(Diagnostic("W501", "w", Span(1, 4, 1, 8), path="r.cquin"), document,
                         "r.cquin")
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert (warning.range.start.line, warning.range.start.character) == (0, 3)
    assert (warning.range.end.line, warning.range.end.character) == (0, 7)
    whole = lsp.to_lsp(Diagnostic("E603", "bad row", Span(2, 0, 2, 0), "fix it", "r.cquin"),
                       document, "r.cquin")
    assert (whole.range.start.character, whole.range.end.character) == (0, 11)
    assert whole.message == "bad row\nhint: fix it" and whole.code == "E603"
    foreign = lsp.to_lsp(Diagnostic("E302", "too much", Span(5, 3, 5, 9), path="fw.cquin"),
                         document, "r.cquin")
    assert foreign.message.startswith("fw.cquin:5: too much")
    assert foreign.range.start.line == 0


def test_completion_offers_the_new_shapes_where_the_grammar_takes_them() -> None:
    """`deemed` is offered in the header, `gate` and `commissioner` inside a goal."""
    header = 'scheme "S" {\n  year 2018/19\n  \n}\n'
    labels = {s.label for s in lsp.suggestions(header, header.index("  \n}") + 2, None)}
    assert {"deemed", "commissioner"} <= labels and "gate" not in labels
    goal = 'scheme "S" {\n  year 2018/19\n}\ngoal G "g" {\n  \n}\n'
    labels = {s.label for s in lsp.suggestions(goal, goal.index("  \n}") + 2, None)}
    assert {"gate", "commissioner"} <= labels and "deemed" not in labels


def test_hover_says_a_goal_is_a_scheme_gate_and_who_funds_a_goal() -> None:
    """A gate goal's hover says it is a scheme gate; a goal's names its commissioner."""
    text = (
        'scheme "S" {\n  commissioner "CCG"\n  cquin value £100\n}\n'
        'goal PQ "p" {\n  gate\n  indicator a { measure evidence  pay 100% when achieved }\n}\n'
        'goal G "g" {\n  commissioner "CCG"\n  domain safety\n  weight 100%\n'
        '  indicator b { pay linear from 10% to 20% }\n}\n'
    )
    scheme = loads(text).scheme
    gate = lsp.find_target(scheme, text, 4, 6)
    assert gate is not None and gate.goal.code == "PQ"
    assert "scheme gate" in lsp.hover_markdown(scheme, gate, clean=True)
    goal = lsp.find_target(scheme, text, 8, 6)
    assert goal is not None and goal.goal.code == "G"
    assert "commissioner CCG" in lsp.hover_markdown(scheme, goal, clean=True)
    assert "deemed met" in lsp.KEYWORD_HOVER["deemed"]
