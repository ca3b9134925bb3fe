"""Quarterly returns together: several measurement files evaluated as one year.

A trust sends a return each quarter. Given in order, the returns combine into one set of
measurements: a later value for the same indicator and period replaces an earlier one,
and each measurement keeps the file and line it came from (`Measurement.origin`), so a
report can say where every value was read. The values of each indicator across the
returns, with the thresholds of its rule, make its trajectory (drawn in the HTML report).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from attrs import evolve

from ..semantics.compile import CompiledIndicator, CompiledScheme, compile_scheme
from ..semantics.money import exact_decimal, percent_text
from ..semantics.rules import Linear
from ..syntax.model import PERIOD_NAMES, Evidence, Scheme
from .evaluate import evaluate
from .measurements import Measurement, MeasurementKey, Measurements
from .result import Point, Result, Trajectory


def combine_returns(returns: Sequence[Measurements]) -> Measurements:
    """The returns as one year's measurements: a later value for the same indicator and
    period replaces an earlier one (it keeps the place of the first)."""
    merged: dict[MeasurementKey, Measurement] = {}
    for measurements in returns:
        for key, measurement in measurements.entries:
            merged[key] = measurement
    return Measurements(tuple(merged.items()))


def thresholds(indicator: CompiledIndicator) -> tuple[Fraction, ...]:
    """The values where the indicator's rule changes what it pays, smallest first."""
    found: set[Fraction] = set()
    for row in indicator.rule.rows if indicator.rule is not None else ():
        if row.threshold is not None:
            found.add(row.threshold)
        if isinstance(row.pays, Linear):
            found |= {row.pays.start, row.pays.end}
    return tuple(sorted(found))


def trajectories(compiled: CompiledScheme, returns: Sequence[tuple[str, Measurements]]
                 ) -> tuple[Trajectory, ...]:
    """Each measured (not evidence) indicator's values across the returns, period by
    period within a return, with the thresholds of its rules in every period; indicators
    no return measures are left out."""
    order = {name: index for index, name in enumerate(PERIOD_NAMES)}
    grouped: dict[tuple[str, tuple[str, ...]], list[CompiledIndicator]] = {}
    for indicator in compiled.indicators():
        grouped.setdefault((indicator.goal, indicator.path), []).append(indicator)
    found: list[Trajectory] = []
    for name, indicators in grouped.items():
        measure = indicators[0].measure
        points: list[Point] = []
        for file, measurements in returns:
            entries = sorted(
                ((key, m) for key, m in measurements.entries if key[:2] == name),
                key=lambda entry: order.get(entry[0][2], len(order)),
            )
            for key, measurement in entries:
                if isinstance(measurement.measured, Evidence):
                    continue
                value = measurement.measured.value
                measured = percent_text(value) if measure == "percent" else exact_decimal(value)
                line = measurement.origin.line if measurement.origin else 0
                points.append(Point(file, line, key[2], value, measured))
        if points:
            limits = sorted({t for indicator in indicators for t in thresholds(indicator)})
            found.append(Trajectory(name[0], ".".join(name[1]), measure, tuple(limits),
                                    tuple(points)))
    return tuple(found)


def evaluate_returns(
    scheme_or_compiled: Scheme | CompiledScheme,
    returns: Sequence[tuple[str, Measurements]],
    *,
    strict: bool = False,
    path: str = "<text>",
    as_of: int | None = None,
) -> Result:
    """`evaluate` on the returns (file name, measurements) combined in order; the result
    names the files and holds each indicator's trajectory across them."""
    compiled = (scheme_or_compiled if isinstance(scheme_or_compiled, CompiledScheme)
                else compile_scheme(scheme_or_compiled))
    result = evaluate(compiled, combine_returns([m for _, m in returns]), strict=strict,
                      path=path, as_of=as_of, data_files=tuple(f for f, _ in returns))
    if len(returns) < 2:
        return result
    return evolve(result, trajectories=trajectories(compiled, returns))
