"""Income at risk: sample plausible year-ends, evaluate them in batch, summarise the money.

An estimates file (CSV) has one row per indicator (and period): `goal`, `indicator`,
`period` (optional), then one of

- `expected`, with `low` and `high` (a 90% interval, optional: without them the value
  is certain): a percentage (`68%`, `140/200`) or a number, as in measurement files;
- `numerator`, `denominator` (the counts so far) and `expected_denominator` (the
  year's expected count; default: the denominator, meaning the year is complete);
- for evidence, `probability` (`80%`, the chance it is achieved) or `expected`
  (`achieved` / `not achieved`).

How scenarios are drawn (floats are used only here, and every draw is turned into an
exact measurement before it is evaluated):

- A value with a range follows a two-piece normal with median `expected`, 5th
  percentile `low` and 95th `high` (so a lopsided range stays lopsided), cut to the
  measure's range (0%-100%, or not below 0) and rounded to the nearest basis point
  (0.01 percentage points) for a percentage, or to the finest decimal place written in
  the row for a number (whole numbers for `212`).
- Counts: the rate of the remaining cases is drawn from Beta(numerator + 1,
  denominator - numerator + 1) (what the counts so far say, with a uniform prior), then
  the remaining expected_denominator - denominator cases from a binomial at that rate;
  the year-end measurement is the whole-number fraction numerator / expected_denominator.
- Evidence is achieved with the given probability.

Each chunk of scenarios has its own random stream spawned from the seed, so a seed and a
scenario count always give the same figures. Each goal's (and the total's) earned
pennies are counted by distinct amount, so memory grows with the number of different
amounts (bounded by the rounding of the inputs), not with the number of scenarios.
P10, P50 and P90 are the smallest amounts earned in at least 10%, 50% and 90% of the
scenarios; income at risk is the money available minus P10.

Estimates-file problems are reported as `path:line: message`, with the measurement
codes (E601-E609) and E611 for an indicator the file has no row for (none is needed
under `deemed achieved`, where every goal pays in full whatever is estimated); nothing is
computed from a file with errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..engine.batch import CHUNK, Counts, Scaled, evaluate_values, read_columns
from ..engine.batch_ints import Array
from ..engine.measurements import (
    CSV_HINT,
    BadInput,
    CsvProblem,
    MeasurementKey,
    MeasurementReader,
    csv_rows,
    measured_value,
    read_data_file,
    whole_count,
)
from ..semantics.compile import CompiledScheme, key_name
from ..semantics.money import decimal_places, money, pounds
from ..syntax.model import Evidence, Measure, Ratio

COLUMNS = ("goal", "indicator", "period", "expected", "low", "high", "numerator",
           "denominator", "expected_denominator", "probability")
IGNORED_COLUMNS = ("note", "notes", "comment")
#: The 5th to 95th percentile of a standard normal spans +-1.6448536 standard deviations.
Z95 = 1.6448536269514722
BASIS_POINTS = 10_000
#: Counts above a trillion are not real activity; they would overflow the sampler.
MAX_COUNT = 10**12
#: Sampled values are drawn as floats, exact for integers up to 2**53.
MAX_SCALED_VALUE = 2**53


@frozen
class Estimate:
    """One indicator's year-end estimate (see the module docstring for the kinds)."""

    key: MeasurementKey
    line: int
    kind: Literal["value", "counts", "evidence"]
    measure: Measure
    expected: Fraction = Fraction(0)
    low: Fraction = Fraction(0)
    high: Fraction = Fraction(0)
    scale: int = 1
    numerator: int = 0
    denominator: int = 0
    expected_denominator: int = 0
    probability: Fraction = Fraction(0)


# ---- reading the estimates file -----------------------------------------------------


def _line(line: int) -> Span:
    return Span(line, 0, line, 0)


def read_estimates(
    path: str | os.PathLike[str], compiled: CompiledScheme
) -> tuple[list[Estimate] | None, list[Diagnostic]]:
    """Every estimate of a CSV file, or None with a diagnostic for every bad row.

    OSError propagates (the command line makes it exit 2)."""
    name = os.fspath(path)
    text, problems = read_data_file(name)
    if text is None:
        return None, problems
    return parse_estimates(text, name, compiled)


def parse_estimates(
    text: str, path: str, compiled: CompiledScheme
) -> tuple[list[Estimate] | None, list[Diagnostic]]:
    """Estimates from CSV text (see `read_estimates`)."""
    reader = MeasurementReader(compiled.scheme, path)
    measures = {indicator.key: indicator.measure for indicator in compiled.indicators()}
    found: dict[MeasurementKey, Estimate] = {}
    named: dict[MeasurementKey, int] = {}
    diagnostics: list[Diagnostic] = []

    def error(code: str, message: str, line: int, hint: str | None = None) -> None:
        diagnostics.append(Diagnostic(code, message, _line(line), hint, path))

    header: list[str] | None = None
    line = 1
    rows = csv_rows(text)
    while True:
        try:
            start, cells = next(rows)
        except StopIteration:
            break
        except CsvProblem as problem:
            error("E601", problem.message, problem.line, CSV_HINT)
            return None, diagnostics
        line = start
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            problems = _header_problems(header)
            for message, hint in problems:
                error("E602", message, start, hint)
            if problems:
                return None, diagnostics
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            error("E602", f"this row has {len(cells)} cells but the header has "
                  f"{len(header)}", start, "quote a cell that holds a comma")
            continue
        record = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
        try:
            key, _ = reader.target(record.get("goal", ""), record.get("indicator", ""),
                                   record.get("period", ""))
            if key in named:
                raise BadInput("E609", f"a second row for {key_name(key)} (the first is on "
                               f"line {named[key]})", "give each indicator one row")
            named[key] = start
            found[key] = _estimate(key, measures[key], record, start)
        except BadInput as problem:
            error(problem.code, problem.message, start, problem.hint)
    if header is None:
        error("E601", "the estimates file is empty", 1,
              "start with a header row: goal,indicator,period,expected,low,high")
        return None, diagnostics
    for key in measures if compiled.deemed is None else ():
        if key not in named:
            error("E611", f"no estimate for {key_name(key)}", line,
                  "add a row for it (an evidence goal can be given probability 0%)")
    if diagnostics:
        return None, diagnostics
    return [found[key] for key in measures if key in found], []


def _header_problems(header: list[str]) -> list[tuple[str, str | None]]:
    problems: list[tuple[str, str | None]] = []
    for position, column in enumerate(header):
        if column in header[:position]:
            problems.append((f"the column {column!r} is given twice", None))
        elif column not in COLUMNS and column not in IGNORED_COLUMNS:
            problems.append((f"unknown column {column!r}", "columns are " + ", ".join(COLUMNS)))
    for required in ("goal", "indicator"):
        if required not in header:
            problems.append((f"the header has no {required!r} column", None))
    return problems


def _estimate(key: MeasurementKey, measure: Measure, record: Mapping[str, str],
              line: int) -> Estimate:
    name = key_name(key)
    given = {column for column in COLUMNS[3:] if record.get(column)}
    counts = {"numerator", "denominator", "expected_denominator"} & given
    values = {"expected", "low", "high"} & given
    if counts and (values or "probability" in given):
        raise BadInput("E607", f"{name} has both counts and a value", "give one or the other")
    if counts:
        return _counts_estimate(key, measure, record, line, name)
    if measure == "evidence":
        if values - {"expected"}:
            raise BadInput("E607", f"{name} is evidence: give a probability, or expected "
                           "achieved / not achieved, without low and high")
        if "probability" in given and "expected" in given:
            raise BadInput("E607", f"{name} has both a probability and an expected outcome")
        if "probability" in given:
            chance = _percent(record["probability"], name)
        elif "expected" in given:
            measured = measured_value(record["expected"], measure, name)
            assert isinstance(measured, Evidence)
            chance = Fraction(int(measured.achieved))
        else:
            raise BadInput("E607", f"{name} has no estimate",
                           "give a probability such as 80%")
        return Estimate(key, line, "evidence", measure, probability=chance)
    if "probability" in given:
        raise BadInput("E604", f"{name} is not evidence: a probability does not apply",
                       "give expected, low and high")
    if "expected" not in given:
        raise BadInput("E607", f"{name} has no expected value",
                       "give expected (and low and high), or the counts")
    if ("low" in given) != ("high" in given):
        raise BadInput("E607", f"{name} needs both low and high, or neither")
    expected = _value(record["expected"], measure, name)
    low = _value(record["low"], measure, name) if "low" in given else expected
    high = _value(record["high"], measure, name) if "high" in given else expected
    if not low <= expected <= high:
        raise BadInput("E605", f"{name}: low, expected and high must be in that order")
    scale = BASIS_POINTS if measure == "percent" else _decimal_scale(
        [record.get(column, "") for column in ("expected", "low", "high")])
    if high * scale > MAX_SCALED_VALUE:
        raise BadInput("E605", f"{name}: {record.get('high') or record['expected']} is too "
                       "large to forecast", "give the value in the units the rule uses")
    return Estimate(key, line, "value", measure, expected, low, high, scale)


def _counts_estimate(key: MeasurementKey, measure: Measure, record: Mapping[str, str],
                     line: int, name: str) -> Estimate:
    if measure != "percent":
        raise BadInput("E604", f"{name} is measured as a {measure}, not a fraction")
    if not record.get("numerator") or not record.get("denominator"):
        raise BadInput("E607", f"{name} needs both a numerator and a denominator so far")
    numerator = whole_count(record["numerator"], "numerator", name)
    denominator = whole_count(record["denominator"], "denominator", name)
    year = whole_count(record["expected_denominator"], "expected denominator", name) \
        if record.get("expected_denominator") else denominator
    if numerator < 0 or denominator < 0 or year < 0:
        raise BadInput("E605", f"a negative count for {name}")
    if max(numerator, denominator, year) > MAX_COUNT:
        raise BadInput("E605", f"a count above {MAX_COUNT:,} for {name} cannot be forecast",
                       "check the counts: they are the numbers of patients or events")
    if numerator > denominator:
        raise BadInput("E606", f"the numerator {numerator} is above the denominator "
                       f"{denominator} for {name}", "check the two counts are not swapped")
    if year < denominator or year == 0:
        raise BadInput("E606", f"the expected denominator {year} for {name} is below the "
                       f"{denominator} counted so far" if year else
                       f"a zero expected denominator for {name}",
                       "give the count expected for the whole year")
    return Estimate(key, line, "counts", measure, numerator=numerator,
                    denominator=denominator, expected_denominator=year)


def _value(text: str, measure: Measure, name: str) -> Fraction:
    measured = measured_value(text, measure, name)
    if isinstance(measured, Evidence):
        raise BadInput("E604", f"{name} needs a value, not {text!r}")
    return measured.value if not isinstance(measured, Ratio) else Fraction(
        measured.numerator, measured.denominator)


def _percent(text: str, name: str) -> Fraction:
    measured = measured_value(text, "percent", name)
    if isinstance(measured, Evidence):
        raise BadInput("E603", f"the probability for {name} must be a percentage such as 80%")
    return measured.value if not isinstance(measured, Ratio) else Fraction(
        measured.numerator, measured.denominator)


def _decimal_scale(texts: list[str]) -> int:
    """10 ** (the most decimal places written), so `12.5` is sampled in tenths."""
    places = max((len(text.partition(".")[2]) for text in texts if "." in text), default=0)
    return int(10 ** min(places, 6))


# ---- sampling -------------------------------------------------------------------------


def _sample(estimate: Estimate, size: int, rng: np.random.Generator) -> Any:
    """One column of `size` exact year-end measurements for the batch evaluator."""
    if estimate.kind == "evidence":
        chance = float(estimate.probability)
        return rng.random(size) < chance
    if estimate.kind == "counts":
        remaining = estimate.expected_denominator - estimate.denominator
        numerator = np.full(size, estimate.numerator, dtype=np.int64)
        if remaining:
            rate = rng.beta(estimate.numerator + 1,
                            estimate.denominator - estimate.numerator + 1, size)
            numerator += rng.binomial(remaining, rate)
        return Counts(numerator, np.full(size, estimate.expected_denominator, dtype=np.int64))
    scale = estimate.scale
    expected = float(estimate.expected)
    if estimate.low == estimate.high:
        values = np.full(size, round(estimate.expected * scale), dtype=np.int64)
        return Scaled(values, scale)
    below = (expected - float(estimate.low)) / Z95
    above = (float(estimate.high) - expected) / Z95
    z = rng.standard_normal(size)
    drawn = expected + z * np.where(z < 0, below, above)
    top = 1.0 if estimate.measure == "percent" else np.inf
    quantised = np.rint(np.clip(drawn, 0.0, top) * scale).astype(np.int64)
    return Scaled(quantised, scale)


def scenario_chunks(
    estimates: list[Estimate], scenarios: int, seed: int, chunk: int = CHUNK
) -> Iterator[dict[MeasurementKey, Any]]:
    """Columns of sampled measurements, `chunk` scenarios at a time; each chunk draws from
    its own stream spawned from `seed`, so the same seed gives the same scenarios. The
    streams are spawned one at a time, so memory does not grow with `scenarios`."""
    count = -(-scenarios // chunk) if scenarios else 0
    parent = np.random.SeedSequence(seed)
    for index in range(count):
        size = min(chunk, scenarios - index * chunk)
        rng = np.random.default_rng(parent.spawn(1)[0])
        yield {estimate.key: _sample(estimate, size, rng) for estimate in estimates}


# ---- summarising ----------------------------------------------------------------------


class _Tally:
    """Earned pennies counted by distinct amount, plus the running sum and full earns."""

    def __init__(self, available: int) -> None:
        self.available = available
        self.total = 0
        self.full = 0
        self.amounts = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.pending: list[tuple[Array, Array]] = []
        self.pending_size = 0

    def add(self, earned: Array) -> None:
        self.total += int(earned.sum())
        self.full += int(np.count_nonzero(earned >= self.available))
        amounts, counts = np.unique(earned, return_counts=True)
        self.pending.append((amounts, counts))
        self.pending_size += amounts.size
        if self.pending_size > 1 << 18:
            self._merge()

    def _merge(self) -> None:
        if not self.pending:
            return
        amounts = np.concatenate([self.amounts, *(a for a, _ in self.pending)])
        counts = np.concatenate([self.counts, *(c for _, c in self.pending)])
        self.amounts, inverse = np.unique(amounts, return_inverse=True)
        self.counts = np.zeros(self.amounts.size, dtype=np.int64)
        np.add.at(self.counts, inverse, counts)
        self.pending, self.pending_size = [], 0

    def summary(self, code: str, scenarios: int) -> Outlook:
        self._merge()
        cumulative = np.cumsum(self.counts)

        def percentile(share: Fraction) -> int:
            rank = max(1, -(-scenarios * share.numerator // share.denominator))
            return int(self.amounts[int(np.searchsorted(cumulative, rank))])

        p10 = percentile(Fraction(1, 10))
        return Outlook(
            code=code,
            available=Fraction(self.available, 100),
            expected=Fraction(self.total, 100 * scenarios),
            p10=Fraction(p10, 100),
            p50=Fraction(percentile(Fraction(1, 2)), 100),
            p90=Fraction(percentile(Fraction(9, 10)), 100),
            probability_all=Fraction(self.full, scenarios),
            at_risk=Fraction(self.available - p10, 100),
        )


@frozen
class Outlook:
    """The forecast for one goal (or the total): money in exact pounds."""

    code: str
    available: Fraction
    expected: Fraction
    p10: Fraction
    p50: Fraction
    p90: Fraction
    probability_all: Fraction
    at_risk: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "available": money(self.available),
            "expected": money(self.expected),
            "p10": money(self.p10),
            "p50": money(self.p50),
            "p90": money(self.p90),
            "probability_all": _decimal(self.probability_all, 4),
            "at_risk": money(self.at_risk),
        }


def _decimal(value: Fraction, places: int) -> str:
    return decimal_places(value, places)


@frozen
class Forecast:
    scheme: str
    provider: str | None
    year: str | None
    scenarios: int
    seed: int
    goals: tuple[Outlook, ...]
    total: Outlook

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "provider": self.provider,
            "year": self.year,
            "scenarios": self.scenarios,
            "seed": self.seed,
            "cquin_value": money(self.total.available),
            "goals": [goal.to_dict() for goal in self.goals],
            "total": self.total.to_dict(),
        }

    def to_table(self) -> str:
        heads = ("goal", "available", "expected", "P10", "P50", "P90", "all earned",
                 "at risk")
        rows = [heads] + [
            (o.code, pounds(o.available), pounds(o.expected), pounds(o.p10), pounds(o.p50),
             pounds(o.p90), _decimal(o.probability_all * 100, 1) + "%", pounds(o.at_risk))
            for o in (*self.goals, self.total)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(heads))]
        lines = [f"{self.scheme}: {self.scenarios:,} scenarios, seed {self.seed}", ""]
        for index, row in enumerate(rows):
            if index == len(rows) - 1:
                lines.append("  ".join("-" * w for w in widths))
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(
                row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
        lines.append("")
        lines.append("P10: at least 9 scenarios in 10 earn this much; "
                     "at risk: available minus P10.")
        return "\n".join(lines) + "\n"


def forecast(
    compiled: CompiledScheme,
    estimates: list[Estimate],
    scenarios: int,
    seed: int,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Forecast:
    """Sample `scenarios` year-ends from `estimates`, evaluate them exactly in batch, and
    summarise each goal and the total. `progress` is called with the scenarios done."""
    if scenarios < 1:
        raise ValueError("a forecast needs at least one scenario")
    available = [int(goal.available * 100) for goal in compiled.goals]
    tallies = [_Tally(pennies) for pennies in available]
    total = _Tally(sum(available))
    done = 0
    for columns in scenario_chunks(estimates, scenarios, seed, chunk):
        values, size = read_columns(compiled, columns)
        earned = evaluate_values(compiled, values, size, size)
        for column, tally in enumerate(tallies):
            tally.add(earned[:, column])
        total.add(earned.sum(axis=1))
        done += size
        if progress is not None:
            progress(done)
    return Forecast(
        scheme=compiled.title,
        provider=compiled.provider,
        year=compiled.year,
        scenarios=scenarios,
        seed=seed,
        goals=tuple(tally.summary(goal.code, scenarios)
                    for tally, goal in zip(tallies, compiled.goals, strict=True)),
        total=total.summary("total", scenarios),
    )
