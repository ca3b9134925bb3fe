"""The measurements themselves (`Measurements`, keyed by goal, indicator path and
period) and the one reader that checks each row against the scheme, whatever the row came
from: a CSV or JSON file (`measurement_formats`), a mapping, an example's inputs, a returns
workbook; batch columns and forecast estimates name indicators through it too."""

from __future__ import annotations

import difflib
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from ..base.diagnostics import Diagnostic
from ..base.limits import (
    Limits,
    current,
    digit_count,
    exceeded,
)
from ..base.span import NOWHERE, Span
from ..semantics.compile import key_name
from ..syntax.model import (
    PERIOD_NAMES,
    Goal,
    Indicator,
    MeasuredValue,
    Scheme,
    goal_indicators,
)
from .measured_values import BadInput, fast_value, measured_value, ratio_value, whole_count

if TYPE_CHECKING:
    from ..semantics.compile import CompiledScheme

MeasurementKey = tuple[str, tuple[str, ...], str]
"""(goal, indicator path, period): period is `year` for a goal without period blocks."""

_PERIODS = {name.lower(): name for name in PERIOD_NAMES}


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
        reader = MeasurementReader(scheme_model(scheme), path)
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


def scheme_model(scheme: Scheme | CompiledScheme) -> Scheme:
    return scheme if isinstance(scheme, Scheme) else scheme.scheme



def line_span(line: int) -> Span:
    return Span(line, 0, line, 0)


class _Index:
    """A scheme's goals and indicators by name, and the names rows have used that named
    one: worked out once per scheme (a frozen model), not once per reading."""

    #: Names remembered at most: only names that were found are kept, but a caller could
    #: spell one name many ways.
    MOST = 4096

    def __init__(self, scheme: Scheme) -> None:
        self.goals: dict[str, Goal] = {goal.code: goal for goal in scheme.goals}
        self.indicators: dict[MeasurementKey, Indicator] = {
            (goal.code, indicator_path, period): indicator
            for goal in scheme.goals
            for period, indicator_path, indicator in goal_indicators(goal)
        }
        #: (goal, indicator, period text) as a row gives them -> what they name.
        self.found: dict[tuple[str, str, str | None], tuple[MeasurementKey, Indicator]] = {}


#: Each scheme's index, by id, for as long as the scheme lives.
_INDEXES: dict[int, tuple[weakref.ref[Scheme], _Index]] = {}


def _index_of(scheme: Scheme) -> _Index:
    known = _INDEXES.get(id(scheme))
    if known is not None and known[0]() is scheme:
        return known[1]
    index = _Index(scheme)
    key = id(scheme)

    def forget(dead: weakref.ref[Scheme]) -> None:
        if _INDEXES.get(key, (None,))[0] is dead:
            del _INDEXES[key]

    _INDEXES[key] = (weakref.ref(scheme, forget), index)
    return index



class MeasurementReader:
    """Checks rows against the scheme and collects measurements and diagnostics.

    Other readers of indicator data (batch columns, forecast estimates) use `target` so
    that a goal, indicator and period are named, and misnamed, the same way everywhere.
    """

    def __init__(self, scheme: Scheme, path: str, limits: Limits | None = None) -> None:
        self.path = path
        self.limits = current(limits)
        self.rows = 0
        self._index = _index_of(scheme)
        #: Read only: shared by every reader of the scheme.
        self.goals: dict[str, Goal] = self._index.goals
        self.indicators: dict[MeasurementKey, Indicator] = self._index.indicators
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
        named = (goal, indicator, period)
        hit = self._index.found.get(named)
        if hit is None:
            hit = self.target(goal, indicator, period)
            if len(self._index.found) < _Index.MOST:
                self._index.found[named] = hit
        key, found = hit
        if numerator is None and denominator is None and type(value) is str:
            fast = fast_value(value, found.measure_kind, self.limits.max_digits)
            if fast is not None:
                return key, fast
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
            return key, ratio_value(whole_count(numerator, "numerator", name),
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




def measurements_from_inputs(
    scheme: Scheme | CompiledScheme,
    inputs: Iterable[tuple[str, tuple[str, ...], str | None, MeasuredValue, Span]],
    path: str = "<text>",
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Measurements from (goal, path, period, value, span) entries, such as an example's
    inputs, checked exactly as file rows are (diagnostics keep each entry's span)."""
    reader = MeasurementReader(scheme_model(scheme), path)
    for goal, indicator_path, period, measured, span in inputs:
        reader.row(goal, ".".join(indicator_path), period or "", measured, None, None, span)
    return reader.finish()
