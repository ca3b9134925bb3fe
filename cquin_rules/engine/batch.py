"""Batch evaluation: many measurement sets at once, exact to the penny, at numpy speed.

`evaluate_many(compiled, columns)` takes one column per indicator (every set's value of
that indicator) and gives every set's earned money per goal, in pennies. It walks the
same compiled rule tree as `evaluate.evaluate`, with the same rules (first matching row,
combine modes, gates, periods, half-up pennies), but one numpy operation covers a whole
chunk of sets.

Why the pennies are exactly those of `evaluate` (no float is ever involved):

- Every input value is an exact rational held as integers: `Scaled(values, scale)` is
  values / scale (basis points are `Scaled(bp, 10_000)`), `Counts(numerator,
  denominator)` is a fraction with its denominator, a boolean column is evidence. Float
  columns are refused: 0.68 is not 68% in binary.
- Every attainment is held as a pair of integer columns (or a column over a constant
  denominator) num / den with den > 0, and every step is exact integer arithmetic on
  those pairs: comparing n/m with a threshold p/q is n*q OP p*m; `linear from A to B`
  is (x - A) / (B - A) written over a common denominator and clamped by comparing
  num with 0 and den; weights multiply numerators and denominators; sums are taken over
  a common denominator; `minimum` compares cross products; `all`, `at least` and gates
  test num >= den. Nothing is divided until the penny.
- Scheme gates (goals marked `gate`) earn nothing; where any is below 1 every goal of
  that set earns 0. Under `deemed achieved` every set earns every goal's available money.
- A goal's earned pennies are round_half_up(P * num / den) for P available pennies,
  which for num >= 0 (pays, weights and shares are never negative) is
  floor((2*P*num + den) / (2*den)), computed with integer floor division.
- Overflow cannot happen silently: each step carries a proven bound on the size of
  every integer it makes (from the inputs' largest values and the rule's constants).
  A step whose bound reaches 2**62 is done on Python integers (numpy object arrays,
  arbitrary precision) instead of int64, so it is slower but still exact.

Goals that are weighted sums of one-column rules over whole numbers in a small range
are looked up in tables instead (`batch_tables`, which says why that is exact too); the
tables are made by this same walk over every value a column can take.

`tests/test_batch.py` checks this against `evaluate` with hypothesis on generated
rulebooks, with values on thresholds and half-penny ties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from math import ceil, floor, gcd
from typing import Any

import numpy as np
from attrs import field, frozen

from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
)
from ..semantics.rules import COMPARE, CompiledRow, Linear
from ..syntax.model import CombineMode, Scope
from .batch_columns import CHUNK as CHUNK
from .batch_columns import Column as Column
from .batch_columns import Counts as Counts
from .batch_columns import Deferred
from .batch_columns import Scaled as Scaled
from .batch_columns import read_columns as read_columns
from .batch_ints import (
    _Q,
    ONE,
    ZERO,
    Array,
    Ints,
    Mask,
    _and,
    _flag,
    _minimum,
    _scale,
    _sum,
    _Value,
    _where,
    _widen,
)
from .batch_sums import Sums
from .batch_tables import goal_table
from .measurements import MeasurementKey

# ---- one indicator's rule ----------------------------------------------------------


def _compare(value: _Value, comparison: str, threshold: Fraction) -> Mask:
    """value OP threshold, as n * q OP p * m."""
    p, q = threshold.numerator, threshold.denominator
    if isinstance(value.den, int):
        return _compare_whole(value, comparison, Fraction(p * value.den, q))
    bound = value.top * max(abs(p), q)
    n, m = _widen(bound, value.num, value.den)
    left = n * q if q != 1 else n
    mask: Mask = COMPARE[comparison](left, p * m)
    return mask


def _compare_whole(value: _Value, comparison: str, limit: Fraction) -> Mask:
    """n OP limit for whole numbers n: n >= t is n >= ceil(t), n > t is n > floor(t)."""
    low, high = floor(limit), ceil(limit)
    (n,) = _widen(max(abs(low), abs(high), value.top), value.num)
    mask: Mask = COMPARE[comparison](n, high if comparison in (">=", "<") else low)
    return mask


def _linear(value: _Value, line: Linear) -> _Q:
    """clamp((x - A) / (B - A), 0, 1) for x = n / m, A = a / b, B - A = r / s:
    ((n*b - a*m) * s) / (m * b * r), the signs turned so the denominator is positive."""
    a, b = line.start.numerator, line.start.denominator
    step = line.end - line.start
    r, s = step.numerator, step.denominator
    sign = 1 if r > 0 else -1
    g = gcd(s, b * abs(r))
    coefficient, unit = sign * (s // g), b * abs(r) // g
    inner = value.top * (b + abs(a))
    bound = max(inner * abs(coefficient), value.top * unit)
    n, m = _widen(bound, value.num, value.den)
    num = (n * b - a * m) * coefficient
    den = m * unit
    if isinstance(den, int):
        return _Q(np.clip(num, 0, den), den, den)
    return _Q(np.minimum(np.maximum(num, 0), den), den, value.top * unit)


def _matches(row: CompiledRow, value: _Value) -> Mask:
    if row.comparison is not None:
        assert row.threshold is not None
        return _compare(value, row.comparison, row.threshold)
    if row.denominator_below is not None:
        if value.counted is False:
            return False
        below = value.den < row.denominator_below
        return _and([value.counted, below])
    if row.achieved is not None:
        if value.achieved is None:
            return False
        return value.achieved if row.achieved else ~value.achieved
    return True


def _pays(row: CompiledRow, value: _Value) -> _Q:
    if isinstance(row.pays, Linear):
        return _linear(value, row.pays)
    return _Q.of(row.pays)


def _indicator(indicator: CompiledIndicator, value: _Value | None) -> _Q:
    """The attainment of the first matching row (0 when not measured, as `evaluate`)."""
    if value is None or indicator.rule is None:
        return ZERO
    chosen: list[tuple[Mask, CompiledRow]] = []
    for row in indicator.rule.rows:
        mask = _matches(row, value)
        if mask is False:
            continue
        chosen.append((mask, row))
        if mask is True:
            break
    if not chosen:
        return ZERO
    last_mask, last_row = chosen[-1]
    result = _where(last_mask, _pays(last_row, value), ZERO)
    for mask, row in reversed(chosen[:-1]):
        result = _where(mask, _pays(row, value), result)
    return result


# ---- combining --------------------------------------------------------------------


def _combine(mode: CombineMode, at_least: int | None, weighed: Sequence[tuple[Fraction, _Q]]
             ) -> _Q:
    """`evaluate.combine` over columns."""
    if not weighed:
        return ONE
    attainments = [q for _, q in weighed]
    if mode == "minimum":
        return _minimum(attainments)
    if mode == "all":
        return _flag(_and([q.met() for q in attainments]))
    if mode == "at least":
        count: Ints = 0
        for q in attainments:
            met = q.met()
            count = count + (met.astype(np.int64) if isinstance(met, np.ndarray) else int(met))
        return _flag(count >= (at_least or 0))
    return _sum([_scale(q, weight) for weight, q in weighed if weight != 0])


def _check(checks: tuple[list[Deferred], Callable[[], None]], rows: slice) -> None:
    """The deferred range checks of `rows` (one unsigned max each: a negative number
    read as unsigned is above any scale); on a failure, `checks[1]` raises the error."""
    deferred, refuse = checks
    for values, scale in deferred:
        part = values[rows]
        if part.size and int(part.view(np.uint64).max()) > scale:
            refuse()


class _Chunk:
    """One chunk of sets: the indicators' values, cut from the columns when first read."""

    def __init__(self, values: Mapping[MeasurementKey, _Value], rows: slice) -> None:
        self.columns = values
        self.rows = rows
        self.values: dict[MeasurementKey, _Value | None] = {}

    def value(self, key: MeasurementKey) -> _Value | None:
        if key not in self.values:
            column = self.columns.get(key)
            self.values[key] = None if column is None else column.take(self.rows)
        return self.values[key]

    def items(self, items: Sequence[CompiledItem], mode: CombineMode, at_least: int | None
              ) -> _Q:
        scored = [(item, self.item(item)) for item in items]
        weighed = [(item.weight, q) for item, q in scored if not item.is_gate]
        attainment = _combine(mode, at_least, weighed)
        gates = [q.met() for item, q in scored if item.is_gate]
        if gates:
            attainment = _where(_and(gates), attainment, ZERO)
        return attainment

    def item(self, item: CompiledItem) -> _Q:
        if isinstance(item, CompiledPart):
            return self.items(item.items, item.combine, item.at_least)
        return _indicator(item, self.value(item.key))

    def goal(self, goal: CompiledGoal) -> _Q:
        """`evaluate`'s goal attainment: periods always combine by their shares."""
        if goal.periods:
            scored = [(period.share, self.items(period.items, period.combine, period.at_least))
                      for period in goal.periods]
            return _combine("weighted", None, scored)
        if not goal.items:
            return ZERO
        return self.items(goal.items, goal.combine, goal.at_least)


def _pennies(q: _Q, available: int) -> Ints:
    """round_half_up(available * q) in pennies: floor((2*P*num + den) / (2*den))."""
    if available == 0:
        return 0
    if isinstance(q.den, int) and available % q.den == 0:
        # P * num / den is whole: no rounding, and a multiplication instead of a division.
        (num,) = _widen(available * q.top, q.num)
        whole: Ints = num * (available // q.den) if available != q.den else num
        if isinstance(whole, np.ndarray) and whole.dtype == object:
            return whole.astype(np.int64)
        return whole
    bound = 2 * available * q.top + q.top
    num, den = _widen(bound, q.num, q.den)
    earned: Ints = (2 * available * num + den) // (2 * den)
    if isinstance(earned, np.ndarray) and earned.dtype == object:
        return earned.astype(np.int64)
    return earned


# ---- reading columns ---------------------------------------------------------------


@frozen
class BatchResult:
    """Earned pennies for each set (rows) and goal (columns), and each goal's available
    pennies. Totals are sums of goal lines, as in `Result`."""

    goals: tuple[str, ...]
    scopes: tuple[Scope, ...]
    available: Array = field(eq=False)
    earned: Array = field(eq=False)
    sums: Mapping[str, Array] = field(factory=dict, eq=False, repr=False)
    """Each set's national, local and total pennies, when computed with the goal lines
    (a scope with one goal is a read-only view of that goal's column)."""

    @property
    def size(self) -> int:
        return int(self.earned.shape[0])

    @property
    def total(self) -> Array:
        """Each set's total earned pennies."""
        if "total" in self.sums:
            return self.sums["total"]
        total: Array = self.earned.sum(axis=1)
        return total

    @property
    def cquin_value(self) -> int:
        return int(self.available.sum())

    def goal(self, code: str) -> Array:
        """Each set's earned pennies for one goal."""
        column: Array = self.earned[:, self.goals.index(code)]
        return column

    def earned_in(self, scope: Scope) -> Array:
        """Each set's earned pennies from the goals of one scope (national or local)."""
        if scope in self.sums:
            return self.sums[scope]
        chosen = [i for i, s in enumerate(self.scopes) if s == scope]
        total: Array = self.earned[:, chosen].sum(axis=1)
        return total

    def pounds(self, row: int) -> dict[str, Fraction]:
        """One set's earned money in pounds, per goal and `total`."""
        found = {code: Fraction(int(p), 100) for code, p in zip(
            self.goals, self.earned[row], strict=True)}
        found["total"] = sum(found.values(), Fraction(0))
        return found


# ---- the entry point -----------------------------------------------------------------


def evaluate_many(
    compiled: CompiledScheme,
    columns: Mapping[Any, Any],
    *,
    size: int | None = None,
    chunk: int = CHUNK,
) -> BatchResult:
    """Every set's earned pennies per goal, exactly as `evaluate` would give them, and its
    national, local and total pennies (summed chunk by chunk while they are in the cache).

    `columns` maps an indicator (`"FLU.uptake"`, `"REC.plan Q2"`, or a (goal, path,
    period) key) to its values: `Scaled`, `Counts`, a boolean array for evidence, an
    integer array for `measure number`, or a sequence of anything `evaluate` takes. An
    indicator with no column is not reported in any set (it pays 0). `size` is the number
    of sets when no column is given. Raises CquinError listing every bad column.
    """
    deferred: list[Deferred] = []
    values, total = read_columns(compiled, columns, size, deferred)

    def refuse() -> None:
        """A deferred check failed: read every column again, checking all of them, to
        report every bad column (as if checked first)."""
        read_columns(compiled, columns, size)
        raise AssertionError("a range check failed chunk by chunk but not on its column")

    scopes = tuple(goal.scope for goal in compiled.goals)
    earned, sums = _evaluate(compiled, values, total, chunk, scopes, (deferred, refuse))
    return BatchResult(
        goals=tuple(goal.code for goal in compiled.goals),
        scopes=scopes,
        available=np.array([_whole_pennies(goal.available) for goal in compiled.goals],
                           dtype=np.int64),
        earned=earned,
        sums=sums,
    )


def _whole_pennies(amount: Fraction) -> int:
    pennies = amount * 100
    assert pennies.denominator == 1, "goal money is split to whole pennies"
    return int(pennies)


def evaluate_values(
    compiled: CompiledScheme, values: Mapping[MeasurementKey, _Value], total: int,
    chunk: int = CHUNK,
) -> Array:
    """Earned pennies (sets x goals) for columns already read by `read_columns`, computed
    `chunk` sets at a time straight into the result."""
    return _evaluate(compiled, values, total, chunk, None)[0]


def _evaluate(
    compiled: CompiledScheme, values: Mapping[MeasurementKey, _Value], total: int,
    chunk: int, scopes: tuple[Scope, ...] | None,
    checks: tuple[list[Deferred], Callable[[], None]] = ([], lambda: None),
) -> tuple[Array, dict[str, Array]]:
    """Earned pennies (sets x goals, each goal's column contiguous, so that writing and
    adding columns is fast) and, given the goals' scopes, each set's national, local and
    total pennies, each computed a chunk at a time while the chunk is in the cache.
    Goals that add up one-column rules are looked up in tables (`batch_tables`)."""
    available = [_whole_pennies(goal.available) for goal in compiled.goals]
    earned = np.empty((total, len(compiled.goals)), dtype=np.int64, order="F")
    sums = Sums(earned, scopes, total)
    if compiled.deemed is not None:
        _check(checks, slice(0, total))
        earned[:, :] = np.array(available, dtype=np.int64)
        sums.add(slice(0, total))
        return earned, sums.found()
    tables = [goal_table(goal, pennies, values, total, _indicator)
              for goal, pennies in zip(compiled.goals, available, strict=True)]
    scratch = np.empty(min(total, max(1, chunk)), dtype=np.int64)
    gates = [goal for goal in compiled.goals if goal.is_gate]
    for start in range(0, total, max(1, chunk)):
        rows = slice(start, min(total, start + chunk))
        _check(checks, rows)
        part = _Chunk(values, rows)
        open_: Mask = _and([part.goal(gate).met() for gate in gates])
        for column, (goal, pennies, table) in enumerate(zip(
                compiled.goals, available, tables, strict=True)):
            out = earned[rows, column]
            if goal.is_gate or open_ is False:
                out.fill(0)
                continue
            if table is not None:
                table.fill(values, rows, out, scratch[:out.shape[0]])
            else:
                out[...] = _pennies(part.goal(goal), pennies)
            if open_ is not True:
                np.multiply(out, open_, out=out)
        sums.add(rows)
    return earned, sums.found()
