"""Each command imports only what it uses: a heavy library loaded by a command that has no
use for it costs every user its start-up time (issue 16). Behaviour, not timing: each
command runs in a fresh interpreter that then lists the heavy modules it loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from import_probe import ALLOWED, command_lines, loaded

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = str(NORTHSHIRE / "rulebook.cquin")
DATA = str(NORTHSHIRE / "data.csv")

def command(name: str, tmp: Path) -> list[str]:
    return command_lines(Path(RULEBOOK), Path(DATA), NORTHSHIRE / "estimates.csv", tmp)[name]


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_command_imports_only_what_it_uses(name: str, tmp_path: Path) -> None:
    found = loaded(*command(name, tmp_path))
    assert found <= ALLOWED[name], f"`cquin {name}` imported {sorted(found - ALLOWED[name])}"


def test_workbook_commands_do_load_openpyxl(tmp_path: Path) -> None:
    """The probe sees imports at all: writing a workbook needs openpyxl, and it shows."""
    assert "openpyxl" in loaded(*command("export-xlsx", tmp_path))
    assert (tmp_path / "template.xlsx").exists()


def test_numpy_still_imports_after_openpyxl_was_loaded_without_it() -> None:
    """Loading openpyxl without numpy leaves nothing behind: numpy imports as usual."""
    probe = ("import sys\n"
             "from cquin_rules.base.workbooks import load_openpyxl\n"
             "load_openpyxl()\n"
             "assert 'numpy' not in sys.modules\n"
             "import numpy\n"
             "print(numpy.int64(3) + 1)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4"
