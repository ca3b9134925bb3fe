"""The shared conformance cases, run through the real `cquin` command in a subprocess.

Each folder of tests/conformance/ is a case (a copy of ../shared/conformance/); its
expect.json says what `cquin check`, `cquin eval` and `cquin test` must do. A new case
is a new folder, not new code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CASES = Path(__file__).parent / "conformance"
CASE_DIRS = sorted(path for path in CASES.iterdir() if (path / "expect.json").exists())

# Cases whose feature has not landed yet, with the issue that builds it and the commands
# that fail until then. The mark is strict: once the feature works, the xfail fails and
# the entry goes.
PENDING = {
    "22-goal-combine-periods": ("issue 10: a goal's combine inside its periods", {"eval"}),
    "24-deemed-achieved": ("issue 18: deemed achieved", {"check", "eval"}),
    "25-scheme-gate": ("issue 18: scheme gates", {"check", "eval"}),
    "26-commissioners": ("issue 18: money per commissioner", {"check", "eval"}),
    "27-as-of": ("issue 13: evaluation as of a month", {"eval"}),
}


def cases(paths: list[Path], command: str) -> list[Any]:
    """Parameters for pytest: a pending case carries a strict xfail naming its issue."""
    params = []
    for path in paths:
        reason, commands = PENDING.get(path.name, ("", set()))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if command in commands else []
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def cquin_command() -> list[str]:
    """The installed `cquin` script beside this Python, else `python -m cquin_rules`."""
    script = Path(sys.executable).parent / "cquin"
    if script.exists():
        return [str(script)]
    found = shutil.which("cquin")
    return [found] if found else [sys.executable, "-m", "cquin_rules"]


def run(case: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "CQUIN_DEBUG"}
    return subprocess.run(
        [*cquin_command(), *args], cwd=case, capture_output=True, text=True, timeout=120,
        env=environment,
    )


def expectations(case: Path) -> dict[str, Any]:
    return dict(json.loads((case / "expect.json").read_text(encoding="utf-8")))


def no_traceback(process: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in process.stderr + process.stdout
    assert "internal error" not in process.stderr


@pytest.mark.parametrize("case", cases(CASE_DIRS, "check"))
def test_check(case: Path) -> None:
    """`cquin check --format json` reports exactly the expected [code, line] pairs and exit."""
    expected = expectations(case).get("check")
    if expected is None:
        pytest.skip("no check expectation")
    arguments = expectations(case).get("args", [])
    process = run(case, "check", "rulebook.cquin", *arguments, "--format", "json")
    no_traceback(process)
    assert process.returncode == expected["exit"], process.stdout + process.stderr
    if "diagnostics" in expected:
        document = json.loads(process.stdout)
        found = sorted([d["code"], d["line"]] for d in document["diagnostics"])
        assert found == sorted(expected["diagnostics"]), process.stdout


@pytest.mark.parametrize("case", cases(CASE_DIRS, "check"))
def test_check_text(case: Path) -> None:
    """The text form names every expected diagnostic as path:line:column: CODE, with a caret."""
    expected = expectations(case).get("check")
    if expected is None:
        pytest.skip("no check expectation")
    process = run(case, "check", "rulebook.cquin", *expectations(case).get("args", []))
    no_traceback(process)
    assert process.returncode == expected["exit"]
    for code, line in expected.get("diagnostics", []):
        assert f":{line}:" in process.stdout and f" {code} " in process.stdout, process.stdout
    if expected.get("diagnostics"):
        assert "^" in process.stdout


def _eval_cases(key: str) -> list[Path]:
    return [case for case in CASE_DIRS if key in expectations(case)]


def _check_eval(case: Path, expected: dict[str, Any], *extra: str) -> None:
    extra = (*expectations(case).get("eval_args", []), *extra)
    process = run(case, "eval", "rulebook.cquin", "data.csv", "--format", "json", *extra)
    no_traceback(process)
    assert process.returncode == expected["exit"], process.stdout + process.stderr
    if expected["exit"] != 0:
        assert process.stdout.strip() == "", "no result may be printed from a failed run"
        for line in expected.get("data_errors", []):
            assert f"data.csv:{line}:" in process.stderr, process.stderr
        return
    document = json.loads(process.stdout)
    for key in ("cquin_value", "earned", "earned_percent"):
        if key in expected:
            assert document[key] == expected[key], key
    for scope in ("national", "local"):
        if scope in expected:
            assert document[scope] == expected[scope], scope
    goals = {goal["code"]: goal for goal in document["goals"]}
    for code, earned in expected.get("goals", {}).items():
        assert goals[code]["earned"] == earned, code
    for code, status in expected.get("status", {}).items():
        assert goals[code]["status"] == status, code
    assert sum(int(goal["earned"].replace(".", "")) for goal in goals.values()) == int(
        document["earned"].replace(".", "")
    ), "goal lines add up to the total"
    if "to_date" in expected:
        assert document["to_date"] == expected["to_date"]
    if "by_commissioner" in expected:
        assert document["by_commissioner"] == expected["by_commissioner"]
    if "not_reported" in expected:
        found = sorted(
            [goal["code"], indicator["name"], indicator["period"]]
            for goal in document["goals"]
            for indicator in goal["indicators"]
            if indicator["status"] == "not reported"
        )
        assert found == sorted(expected["not_reported"])


@pytest.mark.parametrize("case", cases(_eval_cases("eval"), "eval"))
def test_eval(case: Path) -> None:
    """`cquin eval --format json` gives the hand-worked money, statuses and exit status."""
    _check_eval(case, expectations(case)["eval"])


@pytest.mark.parametrize("case", cases(_eval_cases("eval_strict"), "eval"))
def test_eval_strict(case: Path) -> None:
    """`cquin eval --strict` treats missing measurements as errors."""
    _check_eval(case, expectations(case)["eval_strict"], "--strict")


@pytest.mark.parametrize("case", cases(_eval_cases("test"), "test"))
def test_examples(case: Path) -> None:
    """`cquin test` passes or fails as expected, showing the expect's line, expected and actual."""
    expected = expectations(case)["test"]
    process = run(case, "test", "rulebook.cquin")
    no_traceback(process)
    assert process.returncode == expected["exit"], process.stdout + process.stderr
    for name, line, wanted, actual in expected.get("failures", []):
        assert f'"{name}"' in process.stdout
        assert f"rulebook.cquin:{line}:" in process.stdout
        assert wanted in process.stdout.replace(",", "").replace("£", "")
        assert actual in process.stdout.replace(",", "").replace("£", "")


def test_copy_follows_shared_set() -> None:
    """The project's copy of the conformance cases holds every shared case, unchanged."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "conformance"
    if not shared.is_dir():
        pytest.skip("../shared/conformance is not beside this checkout")
    for path in shared.rglob("*"):
        if path.is_file():
            copy = CASES / path.relative_to(shared)
            assert copy.exists(), f"missing from tests/conformance: {copy}"
            assert copy.read_bytes() == path.read_bytes(), f"differs from the shared case: {copy}"
