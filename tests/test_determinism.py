"""Deterministic: the same inputs give byte-identical output, whatever the hash seed.

Python randomises the order of sets of strings per process (PYTHONHASHSEED); an output
that iterates a set would differ from run to run. Each seed runs in its own process and
renders every shipped rulebook through every command that prints or writes something;
the bytes (and exit statuses) must be the same for every seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULEBOOKS = sorted(path.parent for path in (ROOT / "rulebooks").glob("*/rulebook.cquin"))
SEEDS = ("0", "1", "12345")

#: Run inside each process: every command on every rulebook, through the real `main`.
DRIVER = textwrap.dedent(
    """
    import base64, json, sys, tempfile
    from pathlib import Path
    from click.testing import CliRunner
    from cquin_rules.cli import main

    outputs = {}
    runner = CliRunner()
    for folder in map(Path, sys.argv[1:]):
        book, data = str(folder / "rulebook.cquin"), str(folder / "data.csv")
        commands = {
            "check text": ["check", book],
            "check json": ["check", book, "--format", "json"],
            "test": ["test", book],
            "fmt diff": ["fmt", "--diff", book],
            "explain json": ["explain", book, data, "--format", "json"],
            "explain text": ["explain", book, data],
            "schedule json": ["schedule", book, data, "--format", "json"],
        }
        for form in ("json", "html", "csv", "markdown", "table"):
            commands[f"eval {form}"] = ["eval", book, data, "--format", form]
        for name, args in commands.items():
            result = runner.invoke(main, args)
            outputs[f"{folder.name} {name}"] = [
                result.exit_code, result.stdout, result.stderr,
            ]
        with tempfile.TemporaryDirectory() as scratch:
            workbook = Path(scratch) / "book.xlsx"
            result = runner.invoke(main, ["export-xlsx", book, str(workbook)])
            written = base64.b64encode(workbook.read_bytes()).decode() if workbook.exists() else ""
            outputs[f"{folder.name} export-xlsx"] = [result.exit_code, written, ""]
    result = runner.invoke(main, ["frameworks"])
    outputs["frameworks"] = [result.exit_code, result.stdout, result.stderr]
    json.dump(outputs, sys.stdout)
    """
)


def run_with_seed(seed: str) -> dict[str, list[object]]:
    environment = {**os.environ, "PYTHONHASHSEED": seed, "CQUIN_DEBUG": ""}
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, *map(str, RULEBOOKS)],
        capture_output=True, text=True, timeout=300, check=False, env=environment, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outputs: dict[str, list[object]] = json.loads(run.stdout)
    return outputs


@pytest.fixture(scope="module")
def by_seed() -> dict[str, dict[str, list[object]]]:
    return {seed: run_with_seed(seed) for seed in SEEDS}


def test_every_command_is_byte_identical_across_hash_seeds(
    by_seed: dict[str, dict[str, list[object]]],
) -> None:
    """check, test, fmt, explain, schedule, eval (every format), export-xlsx, frameworks:
    the same bytes and exit status with PYTHONHASHSEED 0, 1 and 12345."""
    first = by_seed[SEEDS[0]]
    assert len(first) == len(RULEBOOKS) * 13 + 1
    for seed in SEEDS[1:]:
        differing = [name for name in first if by_seed[seed][name] != first[name]]
        assert differing == [], f"PYTHONHASHSEED={seed} changes {differing}"


def test_the_runs_did_real_work(by_seed: dict[str, dict[str, list[object]]]) -> None:
    """The compared outputs are the real reports (exit 0, non-empty), not matching failures."""
    outputs = by_seed[SEEDS[0]]
    for folder in RULEBOOKS:
        for name in ("eval json", "eval html", "test", "export-xlsx", "schedule json"):
            code, stdout, _ = outputs[f"{folder.name} {name}"]
            assert code == 0 and stdout, (folder.name, name)
        earned = json.loads(str(outputs[f"{folder.name} eval json"][1]))["earned"]
        expected = json.loads((folder / "expect.json").read_text(encoding="utf-8"))["earned"]
        assert earned == expected


def test_the_installed_command_is_identical_across_seeds() -> None:
    """The real `cquin` program (a fresh process each time) prints the same JSON bytes."""
    folder = RULEBOOKS[0]
    outputs = set()
    for seed in SEEDS:
        run = subprocess.run(
            [sys.executable, "-m", "cquin_rules", "eval", str(folder / "rulebook.cquin"),
             str(folder / "data.csv"), "--format", "json"],
            capture_output=True, timeout=120, check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout)
    assert len(outputs) == 1
