"""Each command imports only what it uses: a heavy library loaded by a command that has no
use for it costs every user its start-up time (issue 16). Behaviour, not timing: each
command runs in a fresh interpreter that then lists the heavy modules it loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
RULEBOOK = str(NORTHSHIRE / "rulebook.cquin")
DATA = str(NORTHSHIRE / "data.csv")

HEAVY = ("numpy", "openpyxl", "pygls", "lsprotocol", "jinja2", "docx", "rich")

#: Runs the command line in-process, then prints the heavy modules that were imported.
RUN = (
    "import sys\n"
    "from cquin_rules.cli import main\n"
    "try:\n"
    "    main(sys.argv[2:], prog_name='cquin')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('LOADED:', *(m for m in sys.argv[1].split(',') if m in sys.modules), "
    "file=sys.stderr)\n"
)


def loaded(*arguments: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN, ",".join(HEAVY), *arguments],
                          capture_output=True, text=True, timeout=120, check=False)
    last = done.stderr.strip().splitlines()[-1].split()
    assert last[0] == "LOADED:", done.stderr
    return set(last[1:])


def command(name: str, tmp: Path) -> list[str]:
    return {
        "check": ["check", RULEBOOK],
        "fmt": ["fmt", "--check", RULEBOOK],
        "eval": ["eval", RULEBOOK, DATA],
        "explain": ["explain", RULEBOOK, DATA],
        "test": ["test", RULEBOOK],
        "schedule": ["schedule", RULEBOOK, DATA],
        "frameworks": ["frameworks"],
        "export-xlsx": ["export-xlsx", RULEBOOK, str(tmp / "template.xlsx")],
        "returns": ["returns", RULEBOOK, str(tmp / "returns.xlsx")],
        "forecast": ["forecast", RULEBOOK, str(NORTHSHIRE / "estimates.csv"), "--seed", "1",
                     "--scenarios", "1000"],
    }[name]


#: What each command may load of HEAVY; anything else it loads is a fault.
ALLOWED = {
    "check": set(), "fmt": set(), "eval": set(), "explain": set(), "test": set(),
    "schedule": set(), "frameworks": set(),
    "export-xlsx": {"openpyxl"}, "returns": {"openpyxl"},
    "forecast": {"numpy"},
}


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
