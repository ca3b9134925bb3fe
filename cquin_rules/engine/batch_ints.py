"""Integer columns with proven bounds: the exact arithmetic `batch.py` walks rules with.

A column is a numpy int64 array (or one constant) and carries a bound on the size of
every integer in it; a step whose result could reach `LIMIT` works on Python integers
(numpy object arrays) instead, so an overflow can slow a batch but never change a penny.
Split from `batch.py` along that seam: this module knows nothing of rules or schemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd, lcm
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from attrs import define

Array: TypeAlias = npt.NDArray[Any]
Ints: TypeAlias = "int | Array"
Mask: TypeAlias = "bool | Array"

#: Every int64 intermediate is proven to stay below this; larger ones use Python ints.
LIMIT = 2**62


def _wide(value: Ints, bound: int) -> Ints:
    """`value` as Python integers when `bound` could overflow int64 arithmetic."""
    if bound >= LIMIT and isinstance(value, np.ndarray) and value.dtype != object:
        return value.astype(object)
    return value


def _widen(bound: int, *values: Ints) -> list[Ints]:
    return [_wide(value, bound) for value in values]


@define
class _Value:
    """What a rule sees of one indicator's column: value = num / den (den > 0)."""

    num: Ints
    den: Ints
    top: int  # bound on |num| and on den
    counted: Mask  # den is the measurement's denominator (a fraction was given)
    achieved: Array | None  # evidence: achieved or not
    nonnegative: bool = False  # num was checked to hold no negative number (0 <= num <= top)

    def take(self, rows: slice) -> _Value:
        num = _cut(self.num, rows)
        if isinstance(num, np.ndarray) and num.dtype == bool:
            num = num.astype(np.int64)  # evidence, read as booleans, becomes 0 or 1 here
        return _Value(num, _cut(self.den, rows), self.top,
                      _cut(self.counted, rows), None if self.achieved is None
                      else self.achieved[rows], self.nonnegative)


def _cut(value: Any, rows: slice) -> Any:
    return value[rows] if isinstance(value, np.ndarray) else value


@define
class _Q:
    """An attainment column num / den, 0 <= num <= den (pays and weights are never
    negative); `top` bounds num and den."""

    num: Ints
    den: Ints
    top: int

    @staticmethod
    def of(value: Fraction) -> _Q:
        return _Q(value.numerator, value.denominator, max(value.numerator, value.denominator))

    def met(self) -> Mask:
        """Where the attainment is 1 (or more)."""
        num, den = _widen(self.top, self.num, self.den)
        return num >= den


ZERO = _Q(0, 1, 1)
ONE = _Q(1, 1, 1)


def _scale(q: _Q, weight: Fraction) -> _Q:
    """weight x q, exactly."""
    if weight == 1:
        return q
    p, r = weight.numerator, weight.denominator
    if isinstance(q.den, int):
        g = gcd(p, q.den * r) or 1
        p, whole = p // g, q.den * r // g
        bound = max(q.top * p, whole)
        (num,) = _widen(bound, q.num)
        return _Q(num * p if p != 1 else num, whole, bound)
    bound = q.top * max(p, r)
    num, den = _widen(bound, q.num, q.den)
    return _Q(num * p, den * r, bound)


def _common(items: Sequence[_Q]) -> tuple[list[Ints], int, int] | None:
    """Numerators over one constant denominator (the lcm), when every den is constant."""
    dens = [q.den for q in items if isinstance(q.den, int)]
    if len(dens) != len(items):
        return None
    common = lcm(*dens)
    factors = [common // den for den in dens]
    bound = max(common, *(q.top * f for q, f in zip(items, factors, strict=True)))
    nums = [_wide(q.num, bound * len(items)) for q in items]
    return [num * f if f != 1 else num for num, f in zip(nums, factors, strict=True)], \
        common, bound


def _sum(items: Sequence[_Q]) -> _Q:
    if not items:
        return ZERO
    shared = _common(items)
    if shared is not None:
        nums, den, bound = shared
        total = nums[0]
        for num in nums[1:]:
            total = total + num
        return _Q(total, den, bound * len(items))
    result = items[0]
    for q in items[1:]:
        bound = result.top * q.top * 2
        a, b, c, d = _widen(bound, result.num, result.den, q.num, q.den)
        result = _Q(a * d + c * b, b * d, bound)
    return result


def _minimum(items: Sequence[_Q]) -> _Q:
    shared = _common(items)
    if shared is not None:
        nums, den, bound = shared
        low = nums[0]
        for num in nums[1:]:
            low = np.minimum(low, num)
        return _Q(low, den, bound)
    result = items[0]
    for q in items[1:]:
        bound = max(result.top, q.top)
        a, b, c, d = _widen(result.top * q.top, result.num, result.den, q.num, q.den)
        smaller = a * d <= c * b
        result = _Q(np.where(smaller, a, c), np.where(smaller, b, d), bound)
    return result


def _where(mask: Mask, yes: _Q, no: _Q) -> _Q:
    if mask is True:
        return yes
    if mask is False:
        return no
    shared = _common([yes, no])
    if shared is not None:
        (a, b), den, bound = shared
        return _Q(_choose(mask, a, b, bound), den, bound)
    bound = max(yes.top, no.top)
    return _Q(_choose(mask, yes.num, no.num, bound), _choose(mask, yes.den, no.den, bound),
              bound)


def _choose(mask: Array, yes: Ints, no: Ints, bound: int) -> Ints:
    """`yes` where `mask` holds, else `no`, as no + mask * (yes - no): exact, and several
    times faster than np.where on an unpredictable mask. |yes - no| <= 2 * bound."""
    if isinstance(yes, int) and isinstance(no, int) and yes == no:
        return yes
    flags = _wide(mask, 2 * bound)
    yes, no = _widen(2 * bound, yes, no)
    step = yes - no
    if isinstance(step, int) and step == 1 and flags is mask:
        picked: Ints = mask.astype(np.int64)
    else:
        picked = flags * step
    return picked + no if not (isinstance(no, int) and no == 0) else picked


def _flag(mask: Mask) -> _Q:
    """1 where `mask` holds, else 0."""
    if isinstance(mask, bool):
        return ONE if mask else ZERO
    return _Q(mask.astype(np.int64), 1, 1)


def _and(masks: Sequence[Mask]) -> Mask:
    result: Mask = True
    for mask in masks:
        if mask is False:
            return False
        if mask is not True:
            result = mask if result is True else result & mask
    return result
