"""Fuzz the workbook import: any bytes as an .xlsx file. A result, diagnostics or the
ValueError that says "not an Excel workbook" are answers; anything else is a crash.
Seeds are the shipped rulebooks exported as workbooks (so mutations stay zip-shaped)."""

from __future__ import annotations

import os
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
    from cquin_rules.api import load
    from cquin_rules.tools.spreadsheet import export_workbook, import_workbook, workbook_bytes


def test_one(data: bytes) -> None:
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        try:
            import_workbook(name, base_dir=Path(name).parent)
        except ValueError as error:
            assert "not an Excel workbook" in str(error), error
    finally:
        os.unlink(name)


def exported_seeds() -> Path:
    corpus = Path(tempfile.mkdtemp(prefix="cquin-fuzz-xlsx-"))
    for number, path in enumerate(sorted(_harness.ROOT.glob("rulebooks/*/rulebook.cquin"))):
        book = load(path)
        workbook, _ = export_workbook(book.scheme, book.source.text)
        (corpus / f"seed-{number}.xlsx").write_bytes(workbook_bytes(workbook))
    return corpus


if __name__ == "__main__":
    import sys

    if not any(not argument.startswith("-") for argument in sys.argv[1:]):
        sys.argv.append(str(exported_seeds()))
    _harness.run(test_one, ())
