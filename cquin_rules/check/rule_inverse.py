"""A pay rule inverted exactly: from where a measurement stands, the least improvement
that reaches each higher payment level (for `cquin targets`, see `tools/targets.py`).

Between two consecutive breakpoints (`rule_analysis.breakpoints`) one row matches and pays
a constant or a straight line, so walking the pieces of the value range from the current
value in the better direction finds each level's least value with no search: at a
breakpoint where the rule pays it; inside a line, where the line reaches it (solved
exactly); or, when only a strict comparison is met, just beyond a breakpoint (`strict`:
"above 90%", which has no least value). A measurement given as a fraction keeps its
denominator: `counted` gives the least numerator out of it.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

from attrs import evolve, frozen

from ..semantics.compile import CompiledIndicator
from ..semantics.rules import CompiledRule, Linear, Observation
from ..syntax.model import Direction
from .rule_analysis import breakpoints

ZERO = Fraction(0)


@frozen
class Reach:
    """The least improvement that reaches `attainment`: `value`, or beyond it if `strict`;
    `probe` is a value that reaches it (the value itself, or one just beyond); `first`
    when the worst values already reach it (from no measurement: report anything)."""

    attainment: Fraction
    value: Fraction
    strict: bool
    probe: Fraction
    first: bool = False


def better_direction(indicator: CompiledIndicator) -> Direction:
    """The declared direction, else the one the rule shows (a line's slope or the first
    comparison), else higher."""
    declared = indicator.node.direction
    if declared is not None:
        return declared.value
    for row in indicator.rule.rows if indicator.rule else ():
        if isinstance(row.pays, Linear):
            return "higher" if row.pays.start < row.pays.end else "lower"
        if row.comparison is not None:
            return "higher" if row.comparison in (">=", ">") else "lower"
    return "higher"


#: A piece of the value range: a breakpoint (lo == hi), or the open interval (lo, hi),
#: hi None for the unbounded tail of a number.
Piece = tuple[Fraction, Fraction | None]


def pieces(points: list[Fraction], unbounded: bool, higher: bool,
           current: Fraction | None) -> list[Piece]:
    """The pieces strictly better than `current` (all of them when None), in the better
    direction; an interval holding `current` is cut at it."""
    ordered: list[Piece] = []
    for index, point in enumerate(points):
        ordered.append((point, point))
        if index + 1 < len(points):
            ordered.append((point, points[index + 1]))
    if unbounded:
        ordered.append((points[-1], None))
    if not higher:
        ordered.reverse()
    if current is None:
        return ordered
    kept: list[Piece] = []
    for lo, hi in ordered:
        if lo == hi:
            if (lo > current) if higher else (lo < current):
                kept.append((lo, hi))
        elif higher:
            if current < lo:
                kept.append((lo, hi))
            elif hi is None or current < hi:
                kept.append((current, hi))
        elif hi is not None and current > hi:
            kept.append((lo, hi))
        elif current > lo:
            kept.append((lo, current))
    return kept


def ladder(rule: CompiledRule, measure: str, direction: Direction,
           current: Fraction | None, denominator: int | None) -> list[Reach]:
    """Each payment level above the current one (from the worst value when there is no
    current value) with the least improvement that reaches it, lowest level first."""
    higher = direction == "higher"
    points = breakpoints(rule, "percent" if measure == "percent" else "number")
    usable = pieces(points, measure == "number", higher, current)

    def pay(value: Fraction) -> Fraction:
        return rule.apply(Observation(value, denominator))[0]

    now = ZERO if current is None else pay(current)
    levels: set[Fraction] = set()
    for lo, hi in usable:
        if lo == hi:
            levels.add(pay(lo))
            continue
        probe = _inside(lo, hi)
        row = rule.rows[rule.apply(Observation(probe, denominator))[1]]
        if hi is None or not isinstance(row.pays, Linear) or row.pay(lo) == row.pay(hi):
            levels.add(pay(probe))
    found: list[Reach] = []
    for level in sorted(x for x in levels if x > now):
        reach = _least(rule, usable, level, denominator, higher)
        if reach is not None:
            found.append(evolve(reach, first=current is None and reach.first))
    return _monotone(found, higher)


def _inside(lo: Fraction, hi: Fraction | None) -> Fraction:
    """A value inside the open interval (lo, hi)."""
    return lo + 1 if hi is None else (lo + hi) / 2


def _least(rule: CompiledRule, usable: list[Piece], level: Fraction,
           denominator: int | None, higher: bool) -> Reach | None:
    """The first piece (in the better direction) where the rule pays `level` or more."""
    for position, (lo, hi) in enumerate(usable):
        first = position == 0
        if lo == hi:
            paid = rule.apply(Observation(lo, denominator))[0]
            if paid >= level:
                return Reach(paid, lo, False, lo, first)
            continue
        probe = _inside(lo, hi)
        paid, index = rule.apply(Observation(probe, denominator))
        row = rule.rows[index]
        near = lo if higher else hi
        if hi is None or near is None or not isinstance(row.pays, Linear):
            if paid >= level:
                return Reach(paid, lo if higher or hi is None else hi, True, probe, first)
            continue
        far = hi if higher else lo
        start, end = row.pay(near), row.pay(far)
        if start == end:
            if paid >= level:
                return Reach(paid, near, True, probe, first)
            continue
        if start < level <= end:
            value = near + (far - near) * (level - start) / (end - start)
            if value != far:
                return Reach(level, value, False, value, first)
    return None


def _monotone(found: list[Reach], higher: bool) -> list[Reach]:
    """Steps whose attainment rises as the target improves; one step per target."""
    kept: list[Reach] = []
    for reach in sorted(found, key=lambda r: (r.value if higher else -r.value, r.strict)):
        if kept and (kept[-1].value, kept[-1].strict) == (reach.value, reach.strict):
            if reach.attainment > kept[-1].attainment:
                kept[-1] = reach
            continue
        if kept and reach.attainment <= kept[-1].attainment:
            continue
        kept.append(reach)
    return kept


def counted(rule: CompiledRule, reach: Reach, denominator: int, higher: bool
            ) -> tuple[int, Fraction] | None:
    """The least numerator out of `denominator` that reaches `reach`, and what it pays;
    None when no numerator from 0 to the denominator does."""
    scaled = reach.value * denominator
    if higher:
        numerator = floor(scaled) + 1 if reach.strict else ceil(scaled)
    else:
        numerator = ceil(scaled) - 1 if reach.strict else floor(scaled)
    if not 0 <= numerator <= denominator:
        return None
    attainment = rule.apply(Observation(Fraction(numerator, denominator), denominator))[0]
    return (numerator, attainment) if attainment >= reach.attainment else None
