"""Columns for batch evaluation, checked and read into exact integer columns.

Every problem with a column (an unknown indicator, a float, a value out of range, a
swapped count, unequal lengths) becomes a diagnostic naming the column and the first bad
set; every bad column is reported at once and nothing is computed. Split from `batch.py`
along that seam: this module reads values, `batch.py` walks rules over them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from attrs import frozen

from ..base.diagnostics import CquinError, Diagnostic
from ..base.span import Span
from ..semantics.compile import CompiledScheme, key_name
from ..syntax.model import Evidence, Measure, NumberValue, PercentValue, Ratio
from .batch_ints import LIMIT, Array, Ints, Mask, _Value
from .measurements import BadInput, MeasurementKey, MeasurementReader, measured_value, split_name

#: Sets evaluated together: large enough to amortise Python, small enough for the cache.
CHUNK = 1 << 16
PATH = "<columns>"


@frozen
class Scaled:
    """A column of exact numbers `values / scale`: whole counts (scale 1), basis points
    of a percentage (scale 10_000), tenths of a number (scale 10)."""

    values: npt.ArrayLike
    scale: int = 1


@frozen
class Counts:
    """A percentage given as numerator and denominator columns, like `140/200`: the
    denominator is what `denominator < N` rows test."""

    numerator: npt.ArrayLike
    denominator: npt.ArrayLike


Column: TypeAlias = "Scaled | Counts | npt.ArrayLike | Sequence[object]"


class _Columns:
    """Columns checked against the scheme; problems become diagnostics, never numbers."""

    def __init__(self, compiled: CompiledScheme, deferred: list[Deferred] | None = None
                 ) -> None:
        self.deferred = deferred
        self.reader = MeasurementReader(compiled.scheme, PATH)
        self.measures = {i.key: i.measure for i in compiled.indicators()}
        self.values: dict[MeasurementKey, _Value] = {}
        self.size: int | None = None
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, position: int, hint: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, Span(position, 0, position, 0), hint, PATH))

    def add(self, position: int, name: object, column: object) -> None:
        try:
            key = self._key(name)
            if key in self.values:
                raise BadInput("E609", f"two columns for {key_name(key)}",
                               "give each indicator and period one column")
            value, size = _read(column, self.measures[key], key_name(key), self.deferred)
        except BadInput as problem:
            self.error(problem.code, problem.message, position, problem.hint)
            return
        if self.size is not None and size != self.size:
            self.error("E602", f"{key_name(key)} has {size} values, but the columns before it "
                       f"have {self.size}", position, "give every column one value per set")
            return
        self.size = size
        self.values[key] = value

    def _key(self, name: object) -> MeasurementKey:
        if isinstance(name, tuple) and len(name) == 3:
            goal, path, period = name
            return self.reader.target(str(goal), ".".join(path), str(period))[0]
        return self.reader.target(*split_name(name))[0]


def _integers(values: npt.ArrayLike, what: str) -> Array:
    array = np.asarray(values)
    if array.dtype == bool:
        raise BadInput("E603", f"{what} must be whole numbers, not true/false")
    if array.dtype.kind in "iu":
        if array.dtype.kind == "u" and array.dtype.itemsize >= 8:
            return array.astype(object) if array.size and array.max() >= 2**63 \
                else array.astype(np.int64)
        return array.astype(np.int64, copy=False)
    if array.dtype == object and all(isinstance(v, int) and not isinstance(v, bool)
                                     for v in array.ravel().tolist()):
        return array
    if array.dtype.kind == "f":
        raise BadInput("E603", f"{what} are floating-point numbers, which cannot hold 68% "
                       "or 0.1 exactly", "give whole numbers with a scale, such as "
                       "Scaled(basis_points, 10_000), or Counts(numerator, denominator)")
    raise BadInput("E603", f"{what} must be whole numbers")


def _one_dimensional(array: Array, name: str) -> int:
    if array.ndim != 1:
        raise BadInput("E602", f"the column for {name} is not one-dimensional")
    return int(array.shape[0])


def _largest(array: Array) -> int:
    return int(array.max()) if array.size else 0


def _smallest(array: Array) -> int:
    return int(array.min()) if array.size else 0


def _constant(array: Array) -> Ints:
    """A column of one repeated whole number as that number (cheaper to compute with)."""
    if array.size and bool((array == array[0]).all()):
        return int(array[0])
    return array


def _read(column: object, measure: Measure, name: str, deferred: list[Deferred] | None
          ) -> tuple[_Value, int]:
    """The exact value column for one indicator, or a BadInput naming the first bad set."""
    if isinstance(column, Scaled):
        return _scaled(_integers(column.values, f"the values for {name}"), column.scale,
                       measure, name, deferred)
    if isinstance(column, Counts):
        numerator = _integers(column.numerator, f"the numerators for {name}")
        denominator = _integers(column.denominator, f"the denominators for {name}")
        size = _one_dimensional(numerator, name)
        if _one_dimensional(denominator, name) != size:
            raise BadInput("E602", f"{name} has {size} numerators but "
                           f"{denominator.shape[0]} denominators")
        return _counts(numerator, denominator, measure, name), size
    array = column if isinstance(column, np.ndarray) else None
    if array is not None and array.dtype != object:
        if array.dtype == bool:
            if measure != "evidence":
                raise BadInput("E604", f"{name} is measured as a {measure}, not achieved or "
                               "not achieved")
            size = _one_dimensional(array, name)
            # Kept as booleans: each chunk is made whole numbers when it is taken.
            return _Value(array, 1, 1, False, array), size
        if measure == "evidence":
            raise BadInput("E604", f"{name} is evidence: give true/false (achieved or not)")
        if measure == "percent":
            raise BadInput("E603", f"bare numbers for the percentage {name}",
                           "give Scaled(basis_points, 10_000) or Counts(numerator, "
                           "denominator): ambiguity about percentages is how contract "
                           "disputes start")
        return _scaled(_integers(array, f"the values for {name}"), 1, measure, name,
                       deferred)
    if isinstance(column, (str, bytes)) or not isinstance(column, (Sequence, np.ndarray)):
        raise BadInput("E603", f"the column for {name} is not a sequence of values")
    return _exact(list(column), measure, name)


def _scaled(values: Array, scale: int, measure: Measure, name: str,
            deferred: list[Deferred] | None) -> tuple[_Value, int]:
    size = _one_dimensional(values, name)
    if not isinstance(scale, int) or isinstance(scale, bool) or scale <= 0:
        raise BadInput("E603", f"the scale for {name} must be a positive whole number")
    if measure == "evidence":
        raise BadInput("E604", f"{name} is evidence: give true/false (achieved or not)")
    if deferred is not None and measure == "percent" and values.dtype == np.int64 \
            and size > CHUNK:
        # Checked chunk by chunk as it is evaluated (`_check`), while the chunk is in the
        # cache, instead of in a pass of its own: 0 <= value <= scale bounds it by scale.
        deferred.append((values, scale))
        return _Value(values, scale, scale, False, None, True), size
    high = _nonnegative_largest(values)
    if high is None:
        at = int(np.argmax(values < 0))
        raise BadInput("E605", f"a negative value for {name} in set {at + 1}")
    if measure == "percent" and high > scale:
        at = int(np.argmax(values > scale))
        raise BadInput("E605", f"a value above 100% for {name} in set {at + 1}")
    return _Value(values, scale, max(high, scale), False, None, True), size


def _nonnegative_largest(values: Array) -> int | None:
    """The largest value, or None when one is negative. For int64 one pass does both:
    read as unsigned, a negative number is 2**63 or more."""
    if not values.size:
        return 0
    if values.dtype == np.int64:
        top = int(values.view(np.uint64).max())
        return top if top < 2**63 else None
    return _largest(values) if _smallest(values) >= 0 else None


def _counts(numerator: Array, denominator: Array, measure: Measure, name: str) -> _Value:
    if measure != "percent":
        raise BadInput("E604", f"{name} is measured as {measure}, not a fraction")
    if _smallest(numerator) < 0 or _smallest(denominator) < 0:
        at = int(np.argmax((numerator < 0) | (denominator < 0)))
        raise BadInput("E605", f"a negative count for {name} in set {at + 1}")
    if _smallest(denominator) == 0:
        at = int(np.argmax(denominator == 0))
        raise BadInput("E606", f"a zero denominator for {name} in set {at + 1}",
                       "a percentage of nobody is not a measurement")
    above = numerator > denominator
    if above.any():
        at = int(np.argmax(above))
        raise BadInput("E606", f"the numerator is above the denominator for {name} in set "
                       f"{at + 1}", "check the two counts are not swapped")
    return _Value(numerator, _constant(denominator), _largest(denominator), True, None,
                  True)


def _exact(raw: list[object], measure: Measure, name: str) -> tuple[_Value, int]:
    """Any values `evaluate` takes (`"68%"`, `"140/200"`, Fractions, model values), one by
    one: the slow, general path."""
    nums: list[int] = []
    dens: list[int] = []
    counted: list[bool] = []
    achieved: list[bool] = []
    for position, item in enumerate(raw, start=1):
        try:
            measured = measured_value(item, measure, name)
        except BadInput as problem:
            raise BadInput(problem.code, f"set {position}: {problem.message}",
                           problem.hint) from None
        if isinstance(measured, Ratio):
            nums.append(measured.numerator)
            dens.append(measured.denominator)
        elif isinstance(measured, Evidence):
            nums.append(int(measured.achieved))
            dens.append(1)
            achieved.append(measured.achieved)
        else:
            assert isinstance(measured, (PercentValue, NumberValue))
            nums.append(measured.value.numerator)
            dens.append(measured.value.denominator)
        counted.append(isinstance(measured, Ratio))
    top = max([1, *(abs(n) for n in nums), *dens])
    kind: Any = np.int64 if top < LIMIT else object
    num = np.array(nums, dtype=kind)
    den = _constant(np.array(dens, dtype=kind))
    flags = np.array(counted, dtype=bool)
    marks = np.array(achieved, dtype=bool) if measure == "evidence" else None
    counted_mask: Mask = bool(flags[0]) if flags.size and bool(
        (flags == flags[0]).all()) else flags
    return _Value(num, den, top, counted_mask, marks), len(raw)



#: A large percentage column whose range (0 to its scale) is checked chunk by chunk.
Deferred: TypeAlias = tuple[Array, int]


def read_columns(
    compiled: CompiledScheme, columns: Mapping[Any, Any], size: int | None = None,
    deferred: list[Deferred] | None = None,
) -> tuple[dict[MeasurementKey, _Value], int]:
    """Check and read `columns`; raises CquinError listing every bad column. Given a
    `deferred` list, the range checks of large percentage columns are left there for
    `_evaluate` to make chunk by chunk."""
    reading = _Columns(compiled, deferred)
    for position, (name, column) in enumerate(columns.items(), start=1):
        reading.add(position, name, column)
    found = reading.size if reading.size is not None else (size or 0)
    if deferred and (reading.diagnostics or (size is not None and found != size)):
        read_columns(compiled, columns, size)  # raises, having checked every column
    if reading.diagnostics:
        raise CquinError(reading.diagnostics)
    if size is not None and found != size:
        raise CquinError([Diagnostic("E602", f"the columns have {found} values, not {size}",
                                     Span(1, 0, 1, 0), None, PATH)])
    return reading.values, found


