"""Goals that add up one-column rules, computed by looking each set's values up in tables.

Most goals are weighted sums (over parts and periods) of indicators, and each indicator's
attainment depends on one column only. When that column holds whole numbers in a known
range (basis points 0..10,000, attendances 0..top, evidence 0 or 1), every value the
column can take is evaluated once, by the same exact rule walk as a chunk of sets, and
each set then costs one table look-up per column instead of the rule's comparisons,
clamps and divisions.

Why the pennies stay exactly those of `evaluate`:

- A goal's pennies are round_half_up(P * sum(w_i * a_i(x_i))) for the goal's P pennies,
  weights w_i (products of item weights and period shares) and attainments a_i. Each
  term P * w_i * a_i(x) is an exact fraction; over one common denominator D its
  numerator is an integer, so the table of column i holds those numerators for every
  x, summed over the terms that read that column.
- A set's sum S of numerators is exact integer addition; its pennies are S when D is 1
  (the tables are divided by D first when D divides every entry), else
  floor((2*S + D) / (2*D)), round half up for S >= 0, as `_pennies`.
- The tables are built from `_indicator` itself on the column's whole range, so a rule's
  rows, ties and clamps are those of the chunk path. Any goal with a gate, a `minimum`,
  `all` or `at least`, a column of other shape, or an integer that could reach `LIMIT`
  is not tabulated: it takes the chunk path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from math import gcd, lcm

import numpy as np
from attrs import frozen

from ..semantics.compile import CompiledGoal, CompiledIndicator, CompiledItem, CompiledPart
from ..syntax.model import CombineMode
from .batch_ints import _Q, LIMIT, Array, _Value
from .measurements import MeasurementKey

#: A table is built only when the batch has this many sets per table entry: building
#: costs about what evaluating that many sets by the chunk path does.
SETS_PER_ENTRY = 2
#: The largest table (entries): small enough to stay in the cache.
LARGEST = 1 << 16

Rule = Callable[[CompiledIndicator, "_Value | None"], _Q]
Term = tuple[CompiledIndicator, Fraction]


@frozen
class Lookup:
    """One column's contribution: `table[x]` for whole numbers x, or, for evidence,
    `base + achieved * step`."""

    key: MeasurementKey
    table: Array | None
    base: int
    step: int


@frozen
class GoalTable:
    """A goal's pennies: the sum of its look-ups S, then floor((2*S + den) / (2*den))."""

    lookups: tuple[Lookup, ...]
    constant: int
    den: int

    def fill(self, values: Mapping[MeasurementKey, _Value], rows: slice, out: Array,
             scratch: Array) -> None:
        """Write the pennies of `rows` into `out` (scratch: a buffer of the same size)."""
        first = True
        for lookup in self.lookups:
            target = out if first else scratch
            num = values[lookup.key].num
            assert isinstance(num, np.ndarray)  # `_domain` took only column arrays
            column = num[rows]
            if lookup.table is not None:
                np.take(lookup.table, column, out=target, mode="clip")  # 0 <= x < len
            else:
                np.multiply(column, lookup.step, out=target)
                if lookup.base:
                    np.add(target, lookup.base, out=target)
            if not first:
                np.add(out, scratch, out=out)
            first = False
        if first:
            out.fill(self.constant)
        elif self.constant:
            np.add(out, self.constant, out=out)
        if self.den != 1:
            np.multiply(out, 2, out=out)
            np.add(out, self.den, out=out)
            np.floor_divide(out, 2 * self.den, out=out)


def goal_table(goal: CompiledGoal, pennies: int, values: Mapping[MeasurementKey, _Value],
               size: int, rule: Rule) -> GoalTable | None:
    """The goal as look-up tables, or None when it must take the chunk path."""
    if goal.is_gate or pennies == 0:
        return None
    terms: list[Term] = []
    if goal.periods:
        for period in goal.periods:
            if period.share != 0 and not _terms(period.items, period.combine, period.share,
                                                terms):
                return None
    elif not _terms(goal.items, goal.combine, Fraction(1), terms):
        return None
    domains: dict[MeasurementKey, _Value] = {}
    for indicator, _ in terms:
        value = values.get(indicator.key)
        if value is None or indicator.rule is None:
            continue  # not measured or not paid: 0, as `evaluate`
        domain = domains.get(indicator.key) or _domain(value)
        if domain is None:
            return None
        domains[indicator.key] = domain
    if size < SETS_PER_ENTRY * sum(len(_entries(d)) for d in domains.values()):
        return None  # too few sets to repay building the tables
    by_key: dict[MeasurementKey, list[tuple[Fraction, _Q, int]]] = {}
    for indicator, weight in terms:
        if indicator.key not in domains or indicator.rule is None:
            continue
        domain = domains[indicator.key]
        q = rule(indicator, domain)
        if not isinstance(q.den, int) or not _exact_ints(q.num):
            return None
        money = pennies * weight / q.den  # each entry earns money * num
        by_key.setdefault(indicator.key, []).append((money, q, len(_entries(domain))))
    return _assemble(by_key)


def _terms(items: Sequence[CompiledItem], mode: CombineMode, factor: Fraction,
           found: list[Term]) -> bool:
    """The (indicator, weight) terms of a weighted sum; False when it is not one."""
    if mode != "weighted" or not items:
        return False
    for item in items:
        if item.is_gate:
            return False
        weight = factor * item.weight
        if weight == 0:
            continue  # `_combine` leaves it out
        if isinstance(item, CompiledPart):
            if not _terms(item.items, item.combine, weight, found):
                return False
        else:
            found.append((item, weight))
    return True


def _domain(value: _Value) -> _Value | None:
    """Every value the column can take, as a column, when it is a small whole range."""
    num = value.num
    if not isinstance(num, np.ndarray) or (value.achieved is not None and num.dtype != bool):
        return None
    if num.dtype == bool:
        assert value.achieved is not None
        return _Value(np.arange(2, dtype=np.int64), 1, 1, False, np.array([False, True]))
    if not value.nonnegative or num.dtype != np.int64 or not isinstance(value.den, int) \
            or not isinstance(value.counted, bool) or value.top >= LARGEST:
        return None
    return _Value(np.arange(value.top + 1, dtype=np.int64), value.den, value.top,
                  value.counted, None, True)


def _entries(domain: _Value) -> Array:
    assert isinstance(domain.num, np.ndarray)
    return domain.num


def _exact_ints(num: object) -> bool:
    return isinstance(num, int) or (isinstance(num, np.ndarray) and num.dtype == np.int64)


def _assemble(by_key: Mapping[MeasurementKey, list[tuple[Fraction, _Q, int]]]
              ) -> GoalTable | None:
    """Integer tables over one common denominator, reduced, with their bound checked."""
    den = lcm(1, *(money.denominator for terms in by_key.values() for money, _, _ in terms))
    tables: dict[MeasurementKey, Array] = {}
    constant = 0
    bound = 0
    for key, terms in by_key.items():
        size = terms[0][2]
        table = np.zeros(size, dtype=np.int64)
        largest = 0
        for money, q, _ in terms:
            factor = money.numerator * (den // money.denominator)
            largest += abs(factor) * q.top
            if largest >= LIMIT:
                return None
            table += np.asarray(q.num, dtype=np.int64) * factor
        bound += largest
        tables[key] = table
    if 2 * bound + den >= LIMIT:
        return None
    common = den
    for table in tables.values():
        common = gcd(common, int(np.gcd.reduce(table)) if table.size else 0)
    lookups = []
    for key, table in tables.items():
        if common > 1:
            table //= common
        if table.size == 2:  # evidence: base + achieved * step
            lookups.append(Lookup(key, None, int(table[0]), int(table[1] - table[0])))
        elif bool((table == table[0]).all()):
            constant += int(table[0])
        else:
            lookups.append(Lookup(key, table, 0, 0))
    return GoalTable(tuple(lookups), constant, den // common)
