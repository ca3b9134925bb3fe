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
from helpers import CONFORMANCE, SHARED, case_params, conformance_cases, expectations

CASES = CONFORMANCE
CASE_DIRS = conformance_cases()

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



def no_traceback(process: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in process.stderr + process.stdout
    assert "internal error" not in process.stderr


@pytest.mark.parametrize("case", case_params(CASE_DIRS, "conformance.check"))
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


@pytest.mark.parametrize("case", case_params(CASE_DIRS, "conformance.check"))
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


@pytest.mark.parametrize("case", case_params(_eval_cases("eval"), "conformance.eval"))
def test_eval(case: Path) -> None:
    """`cquin eval --format json` gives the hand-worked money, statuses and exit status."""
    _check_eval(case, expectations(case)["eval"])


@pytest.mark.parametrize("case", case_params(_eval_cases("eval_strict"), "conformance.eval"))
def test_eval_strict(case: Path) -> None:
    """`cquin eval --strict` treats missing measurements as errors."""
    _check_eval(case, expectations(case)["eval_strict"], "--strict")


@pytest.mark.parametrize("case", case_params(_eval_cases("test"), "conformance.test"))
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
    shared = SHARED / "conformance"
    if not shared.is_dir():
        pytest.skip("../shared/conformance is not beside this checkout")
    for path in shared.rglob("*"):
        if path.is_file():
            copy = CASES / path.relative_to(shared)
            assert copy.exists(), f"missing from tests/conformance: {copy}"
            assert copy.read_bytes() == path.read_bytes(), f"differs from the shared case: {copy}"
