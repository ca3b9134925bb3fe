"""Fuzz every command: the bytes are split into a rulebook and a measurements file (at the
first NUL-NUL, else the Northshire data is used) and their length picks the command. A
traceback, "internal error" or an exit status other than 0, 1 or 2 is a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import _harness

try:
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    instrumented = atheris.instrument_imports()
except ImportError:
    import contextlib

    instrumented = contextlib.nullcontext()

with instrumented:
    from click.testing import CliRunner

    from cquin_rules.cli import main

DATA = (_harness.ROOT / "rulebooks" / "northshire-2018-19" / "data.csv").read_bytes()
COMMANDS = (
    ["check", "{book}"], ["check", "{book}", "--format", "json"], ["test", "{book}"],
    ["eval", "{book}", "{data}"], ["eval", "{book}", "{data}", "--format", "html"],
    ["explain", "{book}", "{data}"], ["schedule", "{book}", "{data}"], ["fmt", "{book}"],
    ["export-xlsx", "{book}", "{folder}/out.xlsx"], ["check", "--framework", "{book}", "{book}"],
)


def test_one(data: bytes) -> None:
    command = COMMANDS[len(data) % len(COMMANDS)]
    rulebook, _, measurements = data.partition(b"\0\0")
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "rulebook.cquin"
        book.write_bytes(rulebook)
        table = Path(folder) / "data.csv"
        table.write_bytes(measurements or DATA)
        arguments = [a.format(book=book, data=table, folder=folder) for a in command]
        result = CliRunner().invoke(main, arguments)
        output = result.stdout + result.stderr
        if _harness.bug(output) or result.exit_code not in (0, 1, 2) or not (
            result.exception is None or isinstance(result.exception, SystemExit)
        ):
            raise AssertionError(f"cquin {' '.join(command)}: {result.exception!r}\n{output}")


if __name__ == "__main__":
    _harness.run(test_one, ("rulebooks/northshire-2018-19/rulebook.cquin",))
