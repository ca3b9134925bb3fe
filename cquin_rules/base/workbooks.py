"""Workbooks read safely: bounded before anything is unpacked, and written without formulas.

An .xlsx file is a zip of XML. Before the workbook reader sees one, its bytes are read
within the file-size limit, the sizes its zip declares are held to a multiple of it (no
"zip bomb"), and every sheet's extent (its declared dimension, its farthest row and cell)
is held to `max_cells` by streaming the XML, so a tiny file claiming a cell at
XFD1048576 is refused before a rectangle of a million rows is built.
"""

from __future__ import annotations

import io
import os
import re
import sys
from typing import Any

from .diagnostics import Diagnostic
from .limits import Limits, current, exceeded, read_limited, workbook_problem
from .span import Span

__all__ = ["open_workbook", "read_workbook", "text_as_strings", "why_not_a_workbook"]

_CELL_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def read_workbook(
    path: str | os.PathLike[str], limits: Limits | None = None
) -> tuple[bytes | None, list[Diagnostic]]:
    """A workbook file's bytes, or None and E003 when the file, its unpacked size or a
    sheet's extent is beyond the limits. OSError propagates."""
    name = os.fspath(path)
    chosen = current(limits)
    data, too_large = read_limited(name, chosen)
    if data is None:
        return None, too_large
    problem = workbook_problem(data, name, chosen) or _cells_problem(data, name, chosen)
    return (None, [problem]) if problem is not None else (data, [])


def open_workbook(data: bytes, *, read_only: bool = False) -> Any:
    """The workbook in `data` (already bounded by `read_workbook`), formulas kept as text
    so they can be refused, macros dropped."""
    return load_openpyxl().load_workbook(io.BytesIO(data), data_only=False, read_only=read_only,
                                  keep_vba=False)


def load_openpyxl() -> Any:
    """openpyxl, imported here (it is slow to import, and only workbooks need it), and
    without numpy unless numpy is loaded already.

    openpyxl imports numpy, when it is installed, only to accept numpy numbers as cell
    values, which this package never writes; numpy would double the start-up of every
    workbook command. A None in `sys.modules` makes that optional import fail as if numpy
    were absent; the entry is removed at once, so a later `import numpy` works as usual.
    """
    if "openpyxl" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]
        try:
            # lazy: this function is the one place openpyxl is first loaded
            import openpyxl  # type: ignore[import-untyped]
        finally:
            del sys.modules["numpy"]
    # lazy: already loaded by now, so this only names it
    import openpyxl

    return openpyxl


def why_not_a_workbook(error: Exception) -> str:
    """What is wrong with a file that does not open as a workbook, in a user's words (the
    reader's own exceptions name classes and archive members)."""
    # lazy: zipfile (and its compressors) load only when a workbook is opened
    import zipfile

    if isinstance(error, zipfile.BadZipFile):
        return "it is not a zip archive, or the archive is damaged (an .xlsx file is a zip)"
    if isinstance(error, KeyError):
        return "a part every workbook has is missing from the archive"
    return "its contents cannot be read as a workbook (it may be damaged, or another format)"


def text_as_strings(book: Any) -> None:
    """Make every text cell a string cell: openpyxl stores a text starting with `=` as a
    formula, which a spreadsheet would run on opening (`=HYPERLINK(…)`, `=cmd|…`)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _cell_position(reference: str) -> tuple[int, int] | None:
    """(row, column) of a reference such as `XFD1048576`, or None."""
    found = _CELL_REFERENCE.fullmatch(reference.strip().upper())
    if found is None:
        return None
    column = 0
    for letter in found.group(1):
        column = column * 26 + ord(letter) - 64
    return int(found.group(2)), column


def _cells_problem(data: bytes, path: str, limits: Limits) -> Diagnostic | None:
    """E003 when a sheet spans more than `max_cells` cells, by its declared dimension or
    by its farthest row and cell, found by streaming each sheet's XML (bounded memory).
    None for a file that is not a zip: the workbook reader refuses it."""
    # lazy: zipfile (and its compressors) load only when a workbook is opened
    import zipfile

    from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:
        return None
    with archive:
        for entry in archive.infolist():
            if not (entry.filename.startswith("xl/worksheets/")
                    and entry.filename.endswith(".xml")):
                continue
            rows = columns = 0
            rows_parent: Any = None
            try:
                with archive.open(entry) as stream:
                    for event, element in iterparse(stream, events=("start", "end")):
                        tag = element.tag.rpartition("}")[2]
                        if event == "start":
                            if tag == "sheetData":
                                rows_parent = element
                            continue
                        if tag == "dimension":
                            rows, columns = _dimension(element.get("ref", ""), rows, columns)
                        elif tag == "c":
                            at = _cell_position(element.get("r", ""))
                            if at is not None:
                                rows, columns = max(rows, at[0]), max(columns, at[1])
                        elif tag == "row" and (element.get("r") or "").isdigit():
                            rows = max(rows, int(element.get("r", "0")))
                        if tag == "row" and rows_parent is not None:
                            element.clear()
                            rows_parent.remove(element)
                        if rows * columns > limits.max_cells:
                            return exceeded(
                                "max_cells", limits,
                                f"a sheet of the workbook spans {rows:,} rows by {columns:,} "
                                f"columns, more than {limits.max_cells:,} cells",
                                Span(1, 0, 1, 0), path)
            except Exception:  # malformed XML: the workbook reader refuses it plainly
                return None
    return None


def _dimension(reference: str, rows: int, columns: int) -> tuple[int, int]:
    """`rows` and `columns` widened to a declared dimension such as `A1:XFD1048576`."""
    for corner in reference.split(":"):
        at = _cell_position(corner)
        if at is not None:
            rows, columns = max(rows, at[0]), max(columns, at[1])
    return rows, columns
