"""A year's measurements (section 10): read from CSV or JSON, checked row by row.

Each row names a goal, an indicator (a path such as `part.indicator`), optionally a
period (`year` when the column is missing or the cell empty) and either a `value` or a
`numerator` and `denominator`. Every bad row is reported as a whole-line diagnostic of
the file, and when any row is bad nothing is returned: no money is ever computed from
a file with errors. Numbers are read exactly (JSON with `parse_float=Decimal`).

Codes (data errors; E103 is shared with the rulebook's examples):

- E103 unknown goal or indicator (with a did-you-mean hint)
- E601 the file cannot be read as measurements: not UTF-8, empty, no header row,
  JSON that is not a list of objects
- E602 a column (or JSON key) the format does not have, a required one missing or
  empty, or a row with more cells than the header
- E603 a value that cannot be read: a spreadsheet formula, a bare number for a percent
  (`0.68`: write `68%` or `136/200`), a count that is not a whole number, text that is
  not a value
- E604 a value of the wrong kind for the indicator's measure (`68%` for a number,
  `achieved` for a percent, `12` for evidence)
- E605 a negative number or count, or a percent above 100%
- E606 a numerator above its denominator, or a zero denominator
- E607 both a value and a numerator/denominator, or neither (or only one of the pair)
- E608 a period the goal has no block for, a missing period for a goal assessed by
  period, or a period name the language does not have
- E609 a duplicate row (same goal, indicator and period)

An unreadable file (OSError) propagates: the command line makes it exit 2.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from ..base.diagnostics import Diagnostic
from ..base.files import open_regular
from ..base.limits import (
    Limits,
    current,
    digit_count,
    exceeded,
    file_size_problem,
    read_limited,
    text_size,
)
from ..base.span import NOWHERE, Span
from ..semantics.compile import key_name
from ..semantics.money import as_written, percent_as_written
from ..syntax.model import (
    PERIOD_NAMES,
    Evidence,
    Goal,
    Indicator,
    Measure,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Scheme,
    goal_indicators,
)
from ..syntax.parser import character_name
from .csv_dialect import comma_problem, decimal_comma, separator_of

if TYPE_CHECKING:
    from ..semantics.compile import CompiledScheme

MeasurementKey = tuple[str, tuple[str, ...], str]
"""(goal, indicator path, period): period is `year` for a goal without period blocks."""

COLUMNS = ("goal", "indicator", "period", "value", "numerator", "denominator")
IGNORED_COLUMNS = ("note", "notes", "comment")
EVIDENCE_WORDS = {"achieved": True, "yes": True, "not achieved": False, "no": False}
PERCENT_HINT = (
    "write 68% or 136/200: ambiguity about percentages is how contract disputes start"
)
_PERIODS = {name.lower(): name for name in PERIOD_NAMES}
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


@frozen
class Origin:
    """Where a measurement came from: a file (or `<mapping>`) and its line."""

    path: str
    line: int


@frozen
class Measurement:
    measured: MeasuredValue
    origin: Origin | None = None
    note: str | None = None
    """The row's `note` (or `notes`, `comment`) cell: shown beside the value in reports,
    never read by the arithmetic."""


@frozen
class Measurements(Mapping[MeasurementKey, Measurement]):
    """Measurements keyed by (goal, indicator path, period), in the order they were given."""

    entries: tuple[tuple[MeasurementKey, Measurement], ...] = ()
    _index: dict[MeasurementKey, Measurement] = field(init=False, eq=False, repr=False)

    @_index.default
    def _build_index(self) -> dict[MeasurementKey, Measurement]:
        return dict(self.entries)

    def __getitem__(self, key: MeasurementKey) -> Measurement:
        return self._index[key]

    def __iter__(self) -> Iterator[MeasurementKey]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, object],
        scheme: Scheme | CompiledScheme,
        path: str = "<mapping>",
    ) -> tuple[Measurements | None, list[Diagnostic]]:
        """Measurements for the API: `{"FLU.uptake": "68%", "REC.plan Q2": "achieved",
        "GOAL.part.ind": Fraction(212)}`. Values are strings as in files, numbers (for
        `measure number`) or model measured values. A diagnostic's line is the entry's
        position in the mapping; None is returned when any entry is bad."""
        reader = MeasurementReader(_model(scheme), path)
        for position, (name, raw) in enumerate(mapping.items(), start=1):
            span = Span(position, 0, position, 0)
            try:
                goal, indicator, period = split_name(name)
            except BadInput as problem:
                reader.error(problem.code, problem.message, span, problem.hint)
                continue
            reader.row(goal, indicator, period, raw, None, None, span)
        return reader.finish()


def split_name(name: object) -> tuple[str, str, str]:
    """`"REC.plan Q2"` as (goal, indicator path, period text), as the API names an indicator
    (`Measurements.from_mapping`, batch columns); BadInput (E602) when it is not a name."""
    if not isinstance(name, str) or not name.strip():
        raise BadInput("E602", f"{name!r} is not the name of an indicator",
                       "name an indicator as GOAL.indicator, with a period if it has one")
    words = name.split()
    goal, _, indicator = words[0].partition(".")
    return goal, indicator, " ".join(words[1:])


def _model(scheme: Scheme | CompiledScheme) -> Scheme:
    return scheme if isinstance(scheme, Scheme) else scheme.scheme


def read_data_file(
    path: str, limits: Limits | None = None, hint: str = "save the file as UTF-8"
) -> tuple[str | None, list[Diagnostic]]:
    """The text of a data file (a byte order mark dropped), or None with E003 when it is
    larger than the limit, or E601 (with `hint`) at the line of the first byte that is not
    UTF-8. OSError propagates."""
    data, too_large = read_limited(path, limits, _line(1))
    if data is None:
        return None, too_large
    for magic, kind in ((b"PK\x03\x04", "an Excel workbook (.xlsx)"),
                        (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)")):
        if data.startswith(magic):
            return None, [Diagnostic("E601", f"the file is {kind}, not CSV text", _line(1),
                                     "in Excel, File > Save As > CSV UTF-8 (Comma delimited)",
                                     path)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Diagnostic("E601", f"the file is not UTF-8 text (byte {error.start})",
                                 _line(line), hint, path)]


def parse_measurements(
    text: str, path: str, scheme: Scheme | CompiledScheme, *, form: str | None = None,
    limits: Limits | None = None,
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Measurements from text; `form` is "csv" or "json" (guessed from the path or text)."""
    chosen = current(limits)
    too_large = file_size_problem(text_size(text, chosen.max_file_size), chosen, path, _line(1))
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
    reader = MeasurementReader(_model(scheme), path, chosen)
    if not text.strip():
        reader.error("E601", "the measurements file is empty", _line(1),
                     "start with a header row: goal,indicator,period,value")
        return reader.finish()
    if form == "json":
        _read_json(text, reader)
    else:
        _read_csv(text, reader)
    return reader.finish()


def _line(line: int) -> Span:
    return Span(line, 0, line, 0)


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
        reader.error("E601", problem.message, _line(problem.line), CSV_HINT)


def _read_csv_rows(text: str, reader: MeasurementReader) -> None:
    header: list[str] | None = None
    separator = separator_of(text)
    for start, cells in csv_rows(text, separator):
        if header is None:
            header = _header_cells(cells)
            if not _header_ok(header, start, reader):
                return
            continue
        if reader.too_many_rows(_line(start)):
            return
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            reader.error("E602", f"this row has {len(cells)} cells but the header has "
                         f"{len(header)}", _line(start), "quote a cell that holds a comma")
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
            _line(start),
            note=_note(record.get(column) for column in IGNORED_COLUMNS),
        )
    if header is None:
        reader.error("E601", "the measurements file is empty", _line(1),
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
    span = _line(line)
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
                     _line(_line_at(text, position)),
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
                             _line(error.lineno))
                return
            except RecursionError:
                reader.error("E601", "this JSON is nested too deeply to read", _line(line),
                             "each measurement is one flat object")
                return
            if reader.too_many_rows(_line(line)):
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
                         _line(_line_at(text, position)))
            return
    if position < len(text):
        reader.error("E601", "this is not valid JSON: text after the closing ']'",
                     _line(_line_at(text, position)))


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
    span = _line(line)
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


# ---- one row --------------------------------------------------------------------------

class BadInput(Exception):
    """A bad row or value: raised while reading one (here, and by the batch columns and
    forecast estimates readers, which share the checks) and turned into one diagnostic."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


class MeasurementReader:
    """Checks rows against the scheme and collects measurements and diagnostics.

    Other readers of indicator data (batch columns, forecast estimates) use `target` so
    that a goal, indicator and period are named, and misnamed, the same way everywhere.
    """

    def __init__(self, scheme: Scheme, path: str, limits: Limits | None = None) -> None:
        self.path = path
        self.limits = current(limits)
        self.rows = 0
        self.goals: dict[str, Goal] = {goal.code: goal for goal in scheme.goals}
        self.indicators: dict[MeasurementKey, Indicator] = {
            (goal.code, indicator_path, period): indicator
            for goal in scheme.goals
            for period, indicator_path, indicator in goal_indicators(goal)
        }
        self.entries: list[tuple[MeasurementKey, Measurement]] = []
        self.lines: dict[MeasurementKey, int] = {}
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint, self.path))

    def too_many_rows(self, span: Span) -> bool:
        """Count one more row; True (after an E003) when it is past `max_rows`."""
        self.rows += 1
        if self.rows <= self.limits.max_rows:
            return False
        most = self.limits.max_rows
        self.diagnostics.append(exceeded("max_rows", self.limits, f"the file has more than "
                                         f"{most:,} measurements", span, self.path))
        return True

    def finish(self) -> tuple[Measurements | None, list[Diagnostic]]:
        if self.diagnostics:
            return None, self.diagnostics
        return Measurements(tuple(self.entries)), []

    def row(
        self,
        goal: str,
        indicator: str,
        period: str,
        value: object,
        numerator: object,
        denominator: object,
        span: Span,
        note: str | None = None,
    ) -> None:
        try:
            key, measured = self._read(goal, indicator, period, value, numerator, denominator)
        except BadInput as problem:
            self.error(problem.code, problem.message, span, problem.hint)
            return
        if key in self.lines:
            self.error("E609", f"a second row for {key_name(key)} (the first is on line "
                       f"{self.lines[key]})", span, "give each indicator and period one row")
            return
        self.lines[key] = span.line
        self.entries.append((key, Measurement(measured, Origin(self.path, span.line), note)))

    def target(
        self, goal_code: str, indicator: str, period_text: str | None
    ) -> tuple[MeasurementKey, Indicator]:
        """The indicator a row or example names, or a BadInput saying why it names none."""
        if not goal_code:
            raise BadInput("E602", "no goal given")
        if not indicator:
            raise BadInput("E602", f"no indicator given for {goal_code}",
                           f"name it as {goal_code}.indicator")
        goal = self.goals.get(goal_code)
        if goal is None:
            raise BadInput("E103", f"unknown goal {goal_code}",
                           did_you_mean(goal_code, list(self.goals))
                           or _listing("the goals", list(self.goals)))
        path = tuple(indicator.split("."))
        period = self._period(goal, (period_text or "").strip())
        key = (goal_code, path, period)
        found = self.indicators.get(key)
        if found is not None:
            return key, found
        elsewhere = [p for (g, ip, p) in self.indicators if g == goal_code and ip == path]
        if elsewhere:
            raise BadInput("E103", f"{goal_code}.{indicator} is not in period {period}",
                           f"{goal_code}.{indicator} is assessed in {', '.join(elsewhere)}")
        names = sorted({".".join(ip) for (g, ip, _) in self.indicators if g == goal_code})
        raise BadInput("E103", f"unknown indicator {goal_code}.{indicator}",
                       did_you_mean(indicator, names, prefix=f"{goal_code}.")
                       or _listing(f"{goal_code}'s indicators", names))

    def _period(self, goal: Goal, text: str) -> str:
        blocks = [period.name for period in goal.periods]
        if not text:
            if blocks and "year" not in blocks:
                raise BadInput("E608", f"{goal.code} is assessed by period: give the period",
                               f"its periods are {', '.join(blocks)}")
            return "year"
        period = _PERIODS.get(text.lower())
        if period is None:
            raise BadInput("E608", f"unknown period {text!r}",
                           "periods are Q1-Q4, H1, H2, M1-M12 or year")
        if blocks and period not in blocks:
            raise BadInput("E608", f"{goal.code} has no period {period}",
                           f"its periods are {', '.join(blocks)}")
        if not blocks and period != "year":
            raise BadInput("E608", f"{goal.code} is assessed on the year; it has no "
                           f"period {period}", "leave the period empty")
        return period

    def _read(
        self,
        goal: str,
        indicator: str,
        period: str,
        value: object,
        numerator: object,
        denominator: object,
    ) -> tuple[MeasurementKey, MeasuredValue]:
        key, found = self.target(goal, indicator, period)
        name = key_name(key)
        for raw in (value, numerator, denominator):
            digits = digit_count(raw)
            if digits > self.limits.max_digits:
                most = self.limits.max_digits
                breached = exceeded("max_digits", self.limits, "", NOWHERE)
                raise BadInput("E003", f"a number of {digits:,} digits for {name} is longer "
                               f"than {most:,} digits", breached.hint)
        measure = found.measure_kind
        has_value = value is not None and value != ""
        has_count = any(part is not None and part != "" for part in (numerator, denominator))
        if has_value and has_count:
            raise BadInput("E607", f"{name} has both a value and a numerator/denominator",
                           "give one or the other")
        if not has_value and not has_count:
            raise BadInput("E607", f"{name} has no value", "give a value, or a numerator and "
                           "a denominator")
        if has_count:
            if numerator is None or numerator == "" or denominator is None or denominator == "":
                raise BadInput("E607", f"{name} needs both a numerator and a denominator")
            return key, _ratio(whole_count(numerator, "numerator", name),
                               whole_count(denominator, "denominator", name), measure, name)
        return key, measured_value(value, measure, name)


def _listing(what: str, names: list[str]) -> str | None:
    if not names or len(names) > 12:
        return None
    return f"{what}: {', '.join(names)}"


def did_you_mean(name: str, candidates: Any, prefix: str = "") -> str | None:
    """`did you mean FLU?` for the candidate differing only in case, else the closest one;
    None when none is close."""
    options = [str(c) for c in candidates]
    folded = [c for c in options if c.lower() == name.lower()]
    close = folded or difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"did you mean {prefix}{close[0]}?" if close else None


# ---- values ---------------------------------------------------------------------------


def measured_value(raw: object, measure: Measure, name: str) -> MeasuredValue:
    """Read one value for an indicator with `measure`, or raise BadInput saying
    why not."""
    if isinstance(raw, (PercentValue, Ratio, NumberValue, Evidence)):
        return _checked(raw, measure, name)
    if isinstance(raw, bool):
        return _checked(Evidence(raw), measure, name)
    if isinstance(raw, (int, Decimal, Fraction)):
        return _number(Fraction(raw), str(raw), measure, name)
    if not isinstance(raw, str):
        raise BadInput("E603", f"{raw!r} is not a measurement for {name}")
    text = raw.strip()
    if text.startswith(("=", "@")):
        raise BadInput("E603", f"{text!r} is a spreadsheet formula, not a value",
                       "export the computed values (paste as values), not the formulas")
    _ascii_digits_only(text, name)
    words = " ".join(text.lower().split())
    if words in EVIDENCE_WORDS:
        return _checked(Evidence(EVIDENCE_WORDS[words]), measure, name)
    if (comma := comma_problem(text)) is not None:
        raise BadInput("E603", f"{comma[0]} ({name})", comma[1])
    if text.endswith("%"):
        number = _decimal(text[:-1].strip())
        if number is None:
            raise BadInput("E603", f"cannot read {text!r} as a percentage", PERCENT_HINT)
        percent = Fraction(number) / 100
        if percent < 0 or percent > 1:
            raise BadInput("E605", f"{text} for {name} is outside 0%-100%")
        return _checked(PercentValue(percent), measure, name)
    if "/" in text:
        top, _, bottom = text.partition("/")
        return _ratio(whole_count(top, "numerator", name), whole_count(bottom, "denominator", name),
                      measure, name)
    number = _decimal(text)
    if number is None:
        raise BadInput("E603", f"cannot read {text!r} as a measurement for {name}",
                       _kind_hint(measure))
    return _number(Fraction(number), text, measure, name)


def _number(number: Fraction, text: str, measure: Measure, name: str) -> MeasuredValue:
    if measure == "percent":
        raise BadInput("E603", f"a bare number {text} for the percentage {name}: is it "
                       f"{text}% or {percent_as_written(number)}?", PERCENT_HINT)
    if measure == "evidence":
        raise BadInput("E604", f"{name} is evidence, not a number", _kind_hint(measure))
    if number < 0:
        raise BadInput("E605", f"a negative number {text} for {name}",
                       "counts and other numbers are never below 0")
    return NumberValue(number)


def _checked(measured: MeasuredValue, measure: Measure, name: str) -> MeasuredValue:
    """A value already read: check it fits the measure and is in range."""
    if isinstance(measured, Evidence):
        if measure != "evidence":
            word = "achieved" if measured.achieved else "not achieved"
            raise BadInput("E604", f"{name} is measured as a {measure}, not {word!r}",
                           _kind_hint(measure))
        return measured
    if isinstance(measured, Ratio):
        return _ratio(measured.numerator, measured.denominator, measure, name)
    if isinstance(measured, PercentValue):
        if measure != "percent":
            raise BadInput("E604", f"{name} is measured as {_kind(measure)}, not a "
                           f"percentage", _kind_hint(measure))
        if measured.value < 0 or measured.value > 1:
            raise BadInput("E605", f"{percent_as_written(measured.value)} for {name} is outside "
                           f"0%-100%")
        return measured
    return _number(measured.value, as_written(measured.value), measure, name)


def _ratio(numerator: int, denominator: int, measure: Measure, name: str) -> Ratio:
    if measure != "percent":
        raise BadInput("E604", f"{name} is measured as {_kind(measure)}, not a fraction",
                       _kind_hint(measure))
    if numerator < 0 or denominator < 0:
        raise BadInput("E605", f"a negative count in {numerator}/{denominator} for {name}")
    if denominator == 0:
        raise BadInput("E606", f"a zero denominator for {name}",
                       "a percentage of nobody is not a measurement: leave the row out")
    if numerator > denominator:
        raise BadInput("E606", f"the numerator {numerator} is above the denominator "
                       f"{denominator} for {name}", "check the two counts are not swapped")
    return Ratio(numerator, denominator)


def whole_count(raw: object, which: str, name: str) -> int:
    """A numerator or denominator (`which`) as a whole number, or BadInput."""
    if isinstance(raw, bool):
        raise BadInput("E603", f"the {which} for {name} must be a whole number")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if text.startswith(("=", "@")):
        raise BadInput("E603", f"{text!r} is a spreadsheet formula, not a {which}",
                       "export the computed values (paste as values), not the formulas")
    _ascii_digits_only(text, name)
    if isinstance(raw, str) and (comma := comma_problem(text)) is not None:
        raise BadInput("E603", f"{comma[0]} (the {which} for {name})", comma[1])
    number = _decimal(text) if isinstance(raw, str) else (
        raw if isinstance(raw, Decimal) else None)
    if number is None or number != number.to_integral_value():
        raise BadInput("E603", f"the {which} {text!r} for {name} is not a whole number",
                       "numerators and denominators are counts of people or events")
    return int(number)


def _ascii_digits_only(text: str, name: str) -> None:
    """BadInput for a digit other than 0-9: Bengali `৪` (four) looks like 8, and Python
    would read it as a digit (spec §10)."""
    if text.isascii():
        return
    for char in text:
        if char.isdigit() and not "0" <= char <= "9":
            raise BadInput("E603", f"{text!r} for {name} holds {character_name(char)}, "
                           "which is not one of the digits 0-9",
                           "measurements are written with the digits 0-9 only; retype the "
                           "number")


def _decimal(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _kind(measure: Measure) -> str:
    return {"percent": "a percentage", "number": "a number", "evidence": "evidence"}[measure]


def _kind_hint(measure: Measure) -> str:
    if measure == "percent":
        return PERCENT_HINT
    if measure == "number":
        return "write a plain number such as 212"
    return "write achieved or not achieved (or yes / no)"




def measurements_from_inputs(
    scheme: Scheme | CompiledScheme,
    inputs: Iterable[tuple[str, tuple[str, ...], str | None, MeasuredValue, Span]],
    path: str = "<text>",
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Measurements from (goal, path, period, value, span) entries, such as an example's
    inputs, checked exactly as file rows are (diagnostics keep each entry's span)."""
    reader = MeasurementReader(_model(scheme), path)
    for goal, indicator_path, period, measured, span in inputs:
        reader.row(goal, ".".join(indicator_path), period or "", measured, None, None, span)
    return reader.finish()
