"""Measurements files (section 10): the file read safely (size, UTF-8, not a workbook)
and its CSV or JSON rows handed to the one row reader; every bad row is reported, with
its line."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from ..base.diagnostics import Diagnostic
from ..base.files import open_regular
from ..base.limits import (
    Limits,
    current,
    file_size_problem,
    read_limited,
    text_size,
)
from ..syntax.model import (
    Scheme,
)
from .csv_dialect import decimal_comma, separator_of
from .measurement_reader import (
    MeasurementReader,
    Measurements,
    did_you_mean,
    line_span,
    scheme_model,
)

if TYPE_CHECKING:
    from ..semantics.compile import CompiledScheme

COLUMNS = ("goal", "indicator", "period", "value", "numerator", "denominator")
IGNORED_COLUMNS = ("note", "notes", "comment")


def read_data_file(
    path: str, limits: Limits | None = None, hint: str = "save the file as UTF-8"
) -> tuple[str | None, list[Diagnostic]]:
    """The text of a data file (a byte order mark dropped), or None with E003 when it is
    larger than the limit, or E601 (with `hint`) at the line of the first byte that is not
    UTF-8. OSError propagates."""
    data, too_large = read_limited(path, limits, line_span(1))
    if data is None:
        return None, too_large
    for magic, kind in ((b"PK\x03\x04", "an Excel workbook (.xlsx)"),
                        (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)")):
        if data.startswith(magic):
            return None, [Diagnostic("E601", f"the file is {kind}, not CSV text", line_span(1),
                                     "in Excel, File > Save As > CSV UTF-8 (Comma delimited)",
                                     path)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Diagnostic("E601", f"the file is not UTF-8 text (byte {error.start})",
                                 line_span(line), hint, path)]


def parse_measurements(
    text: str, path: str, scheme: Scheme | CompiledScheme, *, form: str | None = None,
    limits: Limits | None = None,
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Measurements from text; `form` is "csv" or "json" (guessed from the path or text)."""
    chosen = current(limits)
    too_large = file_size_problem(text_size(text, chosen.max_file_size), chosen, path, line_span(1))
    if too_large is not None:
        return None, [too_large]
    text = text.removeprefix("\ufeff")
    if form is None:
        if path.lower().endswith(".json"):
            form = "json"
        elif path.lower().endswith(".csv"):
            form = "csv"
        else:
            form = "json" if text.lstrip().startswith("[") else "csv"
    reader = MeasurementReader(scheme_model(scheme), path, chosen)
    if not text.strip():
        reader.error("E601", "the measurements file is empty", line_span(1),
                     "start with a header row: goal,indicator,period,value")
        return reader.finish()
    if form == "json":
        _read_json(text, reader)
    else:
        _read_csv(text, reader)
    return reader.finish()



# ---- CSV ------------------------------------------------------------------------------


class CsvProblem(Exception):
    """CSV text that the csv module cannot read, at the line where reading stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def csv_rows(text: str, separator: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """Each row of CSV text that is not blank, with the line it starts on; cells are
    separated by `separator`, else by the one the header row uses (`separator_of`).

    Raises CsvProblem where the text stops being CSV (an unclosed quote, a cell longer
    than the csv module allows), so every reader reports it the same way.
    """
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator or separator_of(text))
    line = 1
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvProblem(line, f"this is not valid CSV: {_csv_problem(error)}") from None
        start, line = line, rows.line_num + 1
        if any(cell.strip() for cell in cells):
            yield start, cells


CSV_HINT = "save the sheet as CSV UTF-8 (comma delimited)"


def is_workbook(path: str) -> bool:
    """Whether `path` names an Excel workbook: by its name (.xlsx, .xlsm), or its first
    bytes (a zip). OSError propagates (NotARegularFile for a FIFO or a device, which is
    never waited on)."""
    if path.lower().endswith((".xlsx", ".xlsm")):
        return True
    with os.fdopen(open_regular(path), "rb") as file:
        return file.read(4) == b"PK\x03\x04"


def _read_csv(text: str, reader: MeasurementReader) -> None:
    try:
        _read_csv_rows(text, reader)
    except CsvProblem as problem:
        reader.error("E601", problem.message, line_span(problem.line), CSV_HINT)


def _read_csv_rows(text: str, reader: MeasurementReader) -> None:
    header: list[str] | None = None
    separator = separator_of(text)
    for start, cells in csv_rows(text, separator):
        if header is None:
            header = _header_cells(cells)
            if not _header_ok(header, start, reader):
                return
            continue
        if reader.too_many_rows(line_span(start)):
            return
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            reader.error("E602", f"this row has {len(cells)} cells but the header has "
                         f"{len(header)}", line_span(start), "quote a cell that holds a comma")
            continue
        cells = [decimal_comma(cell, separator) for cell in cells]
        record = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=False))
        reader.row(
            record.get("goal", "").strip(),
            record.get("indicator", "").strip(),
            record.get("period", ""),
            _cell(record.get("value")),
            _cell(record.get("numerator")),
            _cell(record.get("denominator")),
            line_span(start),
            note=_note(record.get(column) for column in IGNORED_COLUMNS),
        )
    if header is None:
        reader.error("E601", "the measurements file is empty", line_span(1),
                     "start with a header row: goal,indicator,period,value")


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return str(error)


def _note(cells: Iterable[object]) -> str | None:
    """The first note cell with text in it, as one line (a note is a remark, not data)."""
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            return " ".join(cell.split())
    return None


def _cell(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _header_cells(cells: list[str]) -> list[str]:
    """The header's column names, without the empty cells a spreadsheet leaves after the
    last titled column."""
    header = [cell.strip().lower() for cell in cells]
    while header and not header[-1]:
        header.pop()
    return header


def _header_ok(header: list[str], line: int, reader: MeasurementReader) -> bool:
    span = line_span(line)
    if "goal" not in header and "indicator" not in header:
        reader.error("E601", "the first row is not a header naming the columns", span,
                     "start with a header row: goal,indicator,period,value")
        return False
    ok = True
    seen: set[str] = set()
    for number, column in enumerate(header, 1):
        if not column:
            reader.error("E602", f"column {number} of the header has no name", span,
                         "give every column a name, or delete the empty column")
            ok = False
            continue
        if column in seen:
            reader.error("E602", f"the column {column!r} is given twice", span)
            ok = False
        seen.add(column)
        if column not in COLUMNS and column not in IGNORED_COLUMNS:
            reader.error("E602", f"unknown column {column!r}", span,
                         did_you_mean(column, COLUMNS) or
                         "columns are goal, indicator, period, value, numerator, "
                         "denominator (and note)")
            ok = False
    for required in ("goal", "indicator"):
        if required not in header:
            reader.error("E602", f"the header has no {required!r} column", span)
            ok = False
    if "value" not in header and not {"numerator", "denominator"} <= set(header):
        reader.error("E602", "the header needs a 'value' column, or 'numerator' and "
                     "'denominator' columns", span)
        ok = False
    return ok


# ---- JSON -----------------------------------------------------------------------------


def _read_json(text: str, reader: MeasurementReader) -> None:
    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=_json_int,
                               object_pairs_hook=_json_object)
    lines = _LineCounter(text)
    position = _skip_space(text, 0)
    if text[position] != "[":
        reader.error("E601", "a JSON measurements file holds a list of objects",
                     line_span(_line_at(text, position)),
                     'write [{"goal": "FLU", "indicator": "uptake", "value": "68%"}, ...]')
        return
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        position = _skip_space(text, position + 1)
    else:
        while True:
            line = lines.at(position)
            try:
                element, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                reader.error("E601", f"this is not valid JSON: {error.msg}",
                             line_span(error.lineno))
                return
            except RecursionError:
                reader.error("E601", "this JSON is nested too deeply to read", line_span(line),
                             "each measurement is one flat object")
                return
            if reader.too_many_rows(line_span(line)):
                return
            _json_row(element, line, reader)
            position = _skip_space(text, position)
            if position < len(text) and text[position] == ",":
                position = _skip_space(text, position + 1)
                continue
            if position < len(text) and text[position] == "]":
                position = _skip_space(text, position + 1)
                break
            reader.error("E601", "this is not valid JSON: expected ',' or ']'",
                         line_span(_line_at(text, position)))
            return
    if position < len(text):
        reader.error("E601", "this is not valid JSON: text after the closing ']'",
                     line_span(_line_at(text, position)))


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


class _LineCounter:
    """Line numbers of increasing offsets, counted onwards from the last one asked (a
    count from the start for each row would make a long file quadratic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, position: int) -> int:
        if position < self.offset:
            return _line_at(self.text, position)
        self.line += self.text.count("\n", self.offset, position)
        self.offset = position
        return self.line


class _TwiceGiven(dict[str, object]):
    """A JSON object with a key given twice (json keeps the last silently): `twice`."""

    twice = ""


def _json_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """The object, or a _TwiceGiven naming its first repeated key (a plain dict is built
    in C; only the rare repeat costs Python)."""
    made = dict(pairs)
    if len(made) == len(pairs):
        return made
    seen: set[str] = set()
    repeated = _TwiceGiven(made)
    for key, _ in pairs:
        if key in seen:
            repeated.twice = key
            break
        seen.add(key)
    return repeated


def _json_int(text: str) -> int | Decimal:
    """A JSON integer: an int, or a Decimal when it is too long for Python's int() (the
    digits limit then reports it)."""
    return int(text) if len(text) <= 4000 else Decimal(text)


def _json_row(element: object, line: int, reader: MeasurementReader) -> None:
    span = line_span(line)
    if not isinstance(element, dict):
        reader.error("E601", "each measurement is a JSON object", span,
                     'write {"goal": "FLU", "indicator": "uptake", "value": "68%"}')
        return
    if isinstance(element, _TwiceGiven):
        reader.error("E602", f"the key {element.twice!r} is given twice in one object", span,
                     "each key once: JSON readers disagree on which of the two counts")
        return
    for key in element:
        if key not in COLUMNS and key not in IGNORED_COLUMNS:
            reader.error("E602", f"unknown key {key!r}", span,
                         did_you_mean(key, COLUMNS) or
                         "keys are goal, indicator, period, value, numerator, denominator")
            return
    texts: dict[str, str] = {}
    for key in ("goal", "indicator", "period"):
        raw = element.get(key)
        if raw is not None and not isinstance(raw, str):
            reader.error("E602", f"{key!r} must be text, not {json.dumps(raw, default=str)}",
                         span)
            return
        texts[key] = (raw or "").strip()
    reader.row(
        texts["goal"],
        texts["indicator"],
        texts["period"],
        element.get("value"),
        element.get("numerator"),
        element.get("denominator"),
        span,
        note=_note(element.get(key) for key in IGNORED_COLUMNS),
    )


