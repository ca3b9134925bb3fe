"""Every `.cquin` file the project ships is in the canonical layout (`cquin fmt --check`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

SHIPPED = sorted(
    [*ROOT.glob("rulebooks/**/*.cquin"), *ROOT.glob("cquin_rules/frameworks/builtin/*.cquin"),
     *ROOT.glob("docs/**/*.cquin")]
)


def test_there_are_files_to_check() -> None:
    """The glob finds the shipped rulebooks and built-in frameworks (so the check can fail)."""
    names = {path.parent.name for path in SHIPPED}
    assert "northshire-2018-19" in names and "builtin" in names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(ROOT)))
def test_shipped_file_is_canonical(path: Path) -> None:
    """`cquin fmt --check` leaves the file as it is."""
    process = subprocess.run(
        [sys.executable, "-m", "cquin_rules", "fmt", "--check", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert process.returncode == 0, process.stdout + process.stderr
