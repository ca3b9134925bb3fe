"""Which heavy libraries a `cquin` command loads: the one probe behind tests/test_imports.py
and the benchmark's "every command imports only what it uses" target (benchmarks/run.py),
so the test and the benchmark cannot disagree about what a command may load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("numpy", "openpyxl", "pygls", "lsprotocol", "jinja2", "docx", "rich")

#: What each command may load of HEAVY; anything else it loads is a fault.
ALLOWED = {
    "check": set(), "fmt": set(), "eval": set(), "explain": set(), "test": set(),
    "schedule": set(), "frameworks": set(),
    "export-xlsx": {"openpyxl"}, "returns": {"openpyxl"},
    "forecast": {"numpy"},
}

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
    """The heavy modules `cquin ARGUMENTS` loads, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", RUN, ",".join(HEAVY), *arguments],
                          capture_output=True, text=True, timeout=120, check=False)
    last = done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []
    if last[:1] != ["LOADED:"]:
        raise RuntimeError(f"import probe failed for {arguments}: {done.stderr}")
    return set(last[1:])


def command_lines(rulebook: Path, data: Path, estimates: Path, folder: Path
                  ) -> dict[str, list[str]]:
    """Each command of ALLOWED as a user runs it on one rulebook, its data and estimates;
    workbooks are written into `folder`."""
    book = str(rulebook)
    return {
        "check": ["check", book], "fmt": ["fmt", "--check", book],
        "eval": ["eval", book, str(data)], "explain": ["explain", book, str(data)],
        "test": ["test", book], "schedule": ["schedule", book, str(data)],
        "frameworks": ["frameworks"],
        "export-xlsx": ["export-xlsx", book, str(folder / "template.xlsx")],
        "returns": ["returns", book, str(folder / "returns.xlsx")],
        "forecast": ["forecast", book, str(estimates), "--seed", "1", "--scenarios", "1000"],
    }
