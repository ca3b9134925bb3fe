"""Fuzzing the workbook reader's structure (issue 17): the exported template's zip with
its sheet XML spliced, cells moved to far references, dimensions declared huge and parts
removed. `import_workbook` answers with a rulebook, diagnostics or "not an Excel
workbook", never anything else, and never reads a rectangle larger than the cell limit.
Cell values are fuzzed by tests/test_fuzz.py; fuzz/fuzz_xlsx.py does bytes by atheris."""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from cquin_rules.api import load
from cquin_rules.tools.spreadsheet import export_workbook, import_workbook, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
SHEET = "xl/worksheets/sheet1.xml"


@functools.cache
def exported() -> bytes:
    book = load(ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin")
    return workbook_bytes(export_workbook(book.scheme, book.source.text)[0])


def _column(number: int) -> str:
    letters = ""
    while number:
        number, left = divmod(number - 1, 26)
        letters = chr(65 + left) + letters
    return letters


def _reference(column: int, row: int) -> str:
    return f"{_column(column)}{row}"


#: Cells near the template's own, or far enough that the rectangle up to them is beyond
#: the cell limit (between the two, a legal import builds up to two million cells: slow
#: for a CI budget, and no different in kind).
references = st.one_of(st.builds(_reference, st.integers(1, 40), st.integers(1, 300)),
                       st.builds(_reference, st.integers(300, 16384),
                                 st.integers(10_000, 1_048_576)))
splices = st.tuples(st.floats(0, 1), st.integers(0, 200), st.sampled_from([
    b"<", b">", b"/>", b'"', b"&", b"\x00", b"\xff\xfe", b"<c r=\"XFD1\"/>",
    b"<row r=\"1048576\">", b"</row>", b"<dimension ref=\"A1:XFD1048576\"/>", b"<f>1+1</f>",
    b"<!DOCTYPE x [<!ENTITY a \"a\">]>", b"&a;", b"\xe2\x80\xae", b"9" * 40,
]))
changes = st.one_of(
    st.tuples(st.just("far"), references),
    st.tuples(st.just("dimension"), st.tuples(references, references)),
    st.tuples(st.just("splice"), splices),
    st.tuples(st.just("drop"), st.sampled_from(["xl/workbook.xml", "[Content_Types].xml",
                                                 SHEET, "xl/sharedStrings.xml",
                                                 "xl/styles.xml"])),
)


def _mutated(change: tuple[str, object]) -> bytes:
    kind, detail = change
    source = zipfile.ZipFile(io.BytesIO(exported()))
    stream = io.BytesIO()
    with source, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if kind == "drop" and entry.filename == detail:
                continue
            if entry.filename == SHEET:
                data = _sheet(kind, detail, data)
            target.writestr(entry, data)
    return stream.getvalue()


def _sheet(kind: str, detail: object, data: bytes) -> bytes:
    text = data.decode()
    if kind == "far":
        row = "".join(c for c in str(detail) if c.isdigit())
        return text.replace("</sheetData>", f'<row r="{row}"><c r="{detail}" t="inlineStr">'
                            "<is><t>x</t></is></c></row></sheetData>").encode()
    if kind == "dimension":
        start = text.index("<dimension ")
        end = text.index("/>", start) + 2
        first, last = detail  # type: ignore[misc]
        return (text[:start] + f'<dimension ref="{first}:{last}"/>' + text[end:]).encode()
    if kind == "splice":
        where, cut, piece = detail  # type: ignore[misc]
        at = int(where * len(data))
        return data[:at] + piece + data[at + cut:]
    return data


@given(changes)
def test_import_answers_structurally_mutated_workbooks(change: tuple[str, object]) -> None:
    """A mutated zip or sheet is a rulebook, diagnostics or "not an Excel workbook"."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "book.xlsx"
        path.write_bytes(_mutated(change))
        try:
            text, found = import_workbook(str(path), base_dir=Path(scratch))
        except ValueError as error:
            assert "not an Excel workbook" in str(error), error
            event("not a workbook")
            return
        assert all(d.code[0] in "EW" for d in found)
        assert (text is None) == any(d.severity == "error" for d in found)
        event("E003" if any(d.code == "E003" for d in found) else
              "errors" if text is None else "imported")
