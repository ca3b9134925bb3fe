"""Each goal's earned pennies from exact inputs, by Python source generated per scheme.

`earned_function(compiled)` writes one Python function for the scheme (as attrs writes an
`__init__`), compiles it once and returns it: called with a mapping of exact values it
gives every goal's earned pennies, in scheme order, exactly as `evaluate` would. It is
the hot-loop path: no result objects, statuses or rule texts, only the money.

Inputs, keyed by the indicator's name as messages write it (`"FLU.uptake"`,
`"REC.plan Q2"`), one entry for every indicator of the scheme:

- percent: a Fraction (or int 0 / 1) of one, `Fraction(68, 100)` for 68%, or a
  `(numerator, denominator)` tuple of ints, `(140, 200)`: only a tuple's denominator
  is tested by `minimum denominator` and `denominator <` rows, as for `140/200` in a file;
- number: an int or a Fraction, not negative; evidence: True (achieved) or False;
- None: not reported, which pays 0 for that indicator (as `evaluate` without strict).

A missing name (E610), a name the scheme does not have (E103), a value of the wrong type
(E603/E604) or out of range (E605/E606) raises CquinError naming the indicator; no penny
is ever computed from it. Floats, strings, Decimals and numpy numbers are refused: give
the exact types above (`Rulebook.evaluate` reads text such as `"68%"`).

How the generated code stays exact (the integer formulation of `batch.py`, one set at a
time, on Python integers so nothing can overflow):

- A value is n / d with d > 0. An attainment is a numerator over a denominator that is a
  constant when every row pays a fixed share, else a second integer.
- A comparison with a threshold p / q is n*q OP p*d. `linear from A to B` is
  (x - A) / (B - A) over one denominator, clamped to 0..1 by comparing with 0 and it.
- The first matching row pays; an indicator with no measurement attains 0.
- Weighted items (and periods, by their shares) are summed over one denominator,
  `minimum` compares cross products, `all`, `at least N` and gates test num >= den; a
  period with no `combine` of its own has its goal's (compile settles that).
- A goal earns floor((2*P*num + den) / (2*den)) pennies of its P: half up, by integer
  floor division. Scheme gates below 1 leave every other goal 0; `deemed achieved` pays
  every goal in full.

A scheme holding something this does not write (a negative pay, weight or share, a row
or combine it does not know) gets `fallback`, which reads the same inputs and calls
`evaluate`: slower, never different. `tests/test_earned_code.py` checks both against
`evaluate` on generated rulebooks and values on thresholds and half-penny ties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from math import gcd, lcm
from typing import NamedTuple, Protocol, cast

from ..semantics.compile import (
    CompiledGoal,
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
    key_name,
)
from ..semantics.rules import CompiledRow, Linear
from ..syntax.model import CombineMode, Measure
from .evaluate import evaluate
from .exact_values import ExactValues
from .measurements import Measurement, Measurements


class EarnedFunction(Protocol):
    """Values by indicator name in; each goal's earned pennies out, in scheme order.
    `source` is the generated Python, or None for the `evaluate` fallback."""

    source: str | None

    def __call__(self, values: Mapping[str, object], /) -> tuple[int, ...]: ...


class Unsupported(Exception):
    """Something in the scheme the generator does not write: use the fallback."""


def earned_function(compiled: CompiledScheme) -> EarnedFunction:
    """The scheme's earned-pennies function, generated and compiled now (keep it: each
    call here generates again); the `evaluate` fallback when it cannot be generated."""
    try:
        source = earned_source(compiled)
    except Unsupported:
        return fallback(compiled)
    inputs = ExactValues(compiled)
    namespace: dict[str, object] = {
        "Fraction": Fraction, "_missing": inputs.missing, "_unknown": inputs.unknown,
        "_refuse": inputs.refuse,
    }
    exec(compile(source, f"<cquin earned: {compiled.title}>", "exec"), namespace)
    function = namespace["earned"]
    setattr(function, "source", source)  # noqa: B010 (a plain function carries its source)
    return cast(EarnedFunction, function)


def fallback(compiled: CompiledScheme) -> EarnedFunction:
    """The same contract as the generated function (and the same checks, in the same
    order), computed by `evaluate`."""
    inputs = ExactValues(compiled)

    def earned(values: Mapping[str, object], /) -> tuple[int, ...]:
        if any(name not in values for name in inputs.names.values()):
            inputs.missing(values)
        if len(values) != len(inputs.names):
            inputs.unknown(values)
        entries = tuple((key, Measurement(inputs.measured(values, name, values[name])))
                        for key, name in inputs.names.items() if values[name] is not None)
        result = evaluate(compiled, Measurements(entries))
        return tuple(_pennies(goal.earned) for goal in result.goals)

    setattr(earned, "source", None)  # noqa: B010
    return cast(EarnedFunction, earned)


def _pennies(amount: Fraction) -> int:
    pennies = amount * 100
    assert pennies.denominator == 1, "goal money is rounded to whole pennies"
    return int(pennies)


# ---- the generator -------------------------------------------------------------------------


class _Att(NamedTuple):
    """An attainment in the generated code: num / den, den an int when it is a constant."""

    num: str
    den: str | int


ZERO = _Att("0", 1)
ONE = _Att("1", 1)


def _group(expr: str) -> str:
    return expr if expr.isidentifier() or expr.isdigit() else f"({expr})"


def _times(expr: str | int, factor: int) -> str:
    if isinstance(expr, int):
        return str(expr * factor)
    if factor == 0 or expr == "0":
        return "0"
    if factor == 1:
        return expr
    if expr == "1":
        return str(factor)
    return f"{factor} * {_group(expr)}"


def _sum(terms: Sequence[tuple[int, str]]) -> str:
    """Σ factor × expr as source, signs folded in."""
    text = ""
    for factor, expr in terms:
        if factor == 0 or expr == "0":
            continue
        part = _times(_group(expr), abs(factor))  # `a if c else b`, `a - b` kept whole
        if not text:
            text = part if factor > 0 else f"-{_group(part)}"
        else:
            text += f" + {part}" if factor > 0 else f" - {part}"
    return text or "0"


def _met(att: _Att) -> str:
    return f"{_group(att.num)} >= {_group(str(att.den))}"


def _constant(value: Fraction) -> Fraction:
    if value < 0:
        raise Unsupported(f"a negative constant {value}")
    return value


class _Writer:
    """The generated function's lines, and fresh local names."""

    def __init__(self, compiled: CompiledScheme) -> None:
        self.compiled = compiled
        self.lines: list[str] = []
        self.count = 0
        self.slots: dict[tuple[str, tuple[str, ...], str], int] = {}
        self.measures: list[Measure] = []
        self.goals: dict[str, _Att] = {}

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def bind(self, att: _Att) -> _Att:
        """`att` with its numerator in a local (so it is worked out once)."""
        if att.num.isidentifier() or att.num.isdigit():
            return att
        num = self.name("c")
        self.emit(f"{num} = {att.num}")
        return _Att(num, att.den)


def earned_source(compiled: CompiledScheme) -> str:
    """The Python source of `earned(values)` for the scheme; Unsupported when the scheme
    holds something it does not write."""
    writer = _Writer(compiled)
    indicators = compiled.indicators()
    writer.lines.append("def earned(values):")
    writer.emit("try:")
    for slot, indicator in enumerate(indicators):
        writer.slots[indicator.key] = slot
        writer.measures.append(indicator.measure)
        writer.emit(f"v{slot} = values[{key_name(indicator.key)!r}]", 2)
    writer.emit("except KeyError:")
    writer.emit("_missing(values)", 2)
    writer.emit(f"if len(values) != {len(indicators)}:")
    writer.emit("_unknown(values)", 2)
    for slot, indicator in enumerate(indicators):
        _decode(writer, slot, indicator.measure, key_name(indicator.key))
    pennies = [_whole_pennies(goal.available) for goal in compiled.goals]
    if compiled.deemed is not None:
        writer.emit(f"return {_tuple([str(p) for p in pennies])}")
        return "\n".join(writer.lines) + "\n"
    earned = [_goal_pennies(writer, goal, money)
              for goal, money in zip(compiled.goals, pennies, strict=True)]
    gates = [_group(_met(writer.goals[goal.code])) for goal in compiled.goals if goal.is_gate]
    if gates:
        shut = [e if goal.is_gate else "0" for goal, e in zip(compiled.goals, earned,
                                                              strict=True)]
        writer.emit(f"if not ({' and '.join(gates)}):")
        writer.emit(f"return {_tuple(shut)}", 2)
    writer.emit(f"return {_tuple(earned)}")
    return "\n".join(writer.lines) + "\n"


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _whole_pennies(amount: Fraction) -> int:
    pennies = _constant(amount) * 100
    if pennies.denominator != 1:
        raise Unsupported("goal money that is not whole pennies")
    return int(pennies)


def _decode(writer: _Writer, slot: int, measure: Measure, name: str) -> None:
    """vN as nN / dN (tN its type, for percents), or the slow path's error."""
    v, n, d, t = f"v{slot}", f"n{slot}", f"d{slot}", f"t{slot}"
    refuse = f"_refuse(values, {name!r}, {v})"
    if measure == "evidence":
        writer.emit(f"if {v} is True:")
        writer.emit(f"{n} = 1", 2)
        writer.emit(f"elif {v} is False:")
        writer.emit(f"{n} = 0", 2)
        writer.emit(f"elif {v} is not None:")
        writer.emit(refuse, 2)
        return
    if measure not in ("percent", "number"):
        raise Unsupported(f"measure {measure}")
    writer.emit(f"if {v} is not None:")
    writer.emit(f"{t} = type({v})", 2)
    writer.emit(f"if {t} is Fraction:", 2)
    writer.emit(f"{n} = {v}.numerator", 3)
    writer.emit(f"{d} = {v}.denominator", 3)
    writer.emit(f"elif {t} is int:", 2)
    writer.emit(f"{n} = {v}", 3)
    writer.emit(f"{d} = 1", 3)
    if measure == "percent":
        writer.emit(f"elif {t} is tuple and len({v}) == 2:", 2)
        writer.emit(f"{n}, {d} = {v}", 3)
        writer.emit(f"if type({n}) is not int or type({d}) is not int or {d} <= 0:", 3)
        writer.emit(refuse, 4)
    writer.emit("else:", 2)
    writer.emit(refuse, 3)
    writer.emit(f"if {n} < 0 or {n} > {d}:" if measure == "percent" else f"if {n} < 0:", 2)
    writer.emit(refuse, 3)


def _goal_pennies(writer: _Writer, goal: CompiledGoal, money: int) -> str:
    """Emit the goal's attainment; its earned pennies as an expression."""
    writer.emit(f"# goal {goal.code!r}")
    if goal.periods:
        shares = [(period.share, _items(writer, period.items, period.combine, period.at_least))
                  for period in goal.periods]
        att = _weighted(writer, shares)
    elif goal.items:
        att = _items(writer, goal.items, goal.combine, goal.at_least)
    else:
        att = ZERO
    att = writer.bind(att)
    writer.goals[goal.code] = att
    if money == 0 or att.num == "0":
        return "0"
    if isinstance(att.den, int):
        if att.num.isdigit():
            value = Fraction(int(att.num), att.den) * money
            return str((2 * value.numerator + value.denominator) // (2 * value.denominator))
        return f"({_times(att.num, 2 * money)} + {att.den}) // {2 * att.den}"
    return f"({_times(att.num, 2 * money)} + {att.den}) // (2 * {att.den})"


def _items(writer: _Writer, items: Sequence[CompiledItem], mode: CombineMode,
           at_least: int | None) -> _Att:
    """Items combined by `mode`, then their gates (as `semantics.combine`)."""
    scored = [(item, writer.bind(_item(writer, item))) for item in items]
    weighed = [(item.weight, att) for item, att in scored if not item.is_gate]
    gates = [att for item, att in scored if item.is_gate]
    if not weighed:
        combined = ONE
    elif mode == "weighted":
        combined = _weighted(writer, weighed)
    elif mode == "minimum":
        combined = _minimum(writer, [att for _, att in weighed])
    elif mode == "all":
        combined = _Att(f"1 if {' and '.join(_group(_met(a)) for _, a in weighed)} else 0", 1)
    elif mode == "at least":
        count = " + ".join(f"({_met(att)})" for _, att in weighed)
        combined = _Att(f"1 if {count} >= {at_least or 0} else 0", 1)
    else:
        raise Unsupported(f"combine {mode}")
    if not gates:
        return combined
    combined = writer.bind(combined)
    opened = " and ".join(_group(_met(att)) for att in gates)
    return _Att(f"{_group(combined.num)} if {opened} else 0", combined.den)


def _item(writer: _Writer, item: CompiledItem) -> _Att:
    if isinstance(item, CompiledPart):
        return _items(writer, item.items, item.combine, item.at_least)
    if isinstance(item, CompiledIndicator):
        return _indicator(writer, item)
    raise Unsupported(f"item {item!r}")


def _weighted(writer: _Writer, weighed: Sequence[tuple[Fraction, _Att]]) -> _Att:
    """Σ weight × attainment over one denominator (constant while every den is)."""
    fixed = [(_constant(w), att) for w, att in weighed if _constant(w) != 0 and att.num != "0"]
    constant = [(w, att) for w, att in fixed if isinstance(att.den, int)]
    varying = [(w, att) for w, att in fixed if not isinstance(att.den, int)]
    common = lcm(1, *(w.denominator * cast(int, att.den) for w, att in constant))
    terms = [(w.numerator * common // (w.denominator * cast(int, att.den)), att.num)
             for w, att in constant]
    shrink = gcd(common, *(factor for factor, _ in terms)) if terms else common
    total = _Att(_sum([(factor // shrink, num) for factor, num in terms]), common // shrink)
    for weight, att in varying:
        scaled = _Att(_times(att.num, weight.numerator), _times(str(att.den), weight.denominator))
        if total.num == "0":
            total = scaled
            continue
        total = writer.bind(total)
        num, den = writer.name("s"), writer.name("e")
        writer.emit(f"{num} = {_group(total.num)} * {_group(str(scaled.den))} + "
                    f"{_group(scaled.num)} * {_group(str(total.den))}")
        writer.emit(f"{den} = {_group(str(total.den))} * {_group(str(scaled.den))}")
        total = _Att(num, den)
    return total


def _minimum(writer: _Writer, atts: Sequence[_Att]) -> _Att:
    """The smallest attainment: over one constant denominator, or by cross products."""
    dens = [att.den for att in atts]
    if all(isinstance(den, int) for den in dens):
        common = lcm(*cast(list[int], dens))
        scaled = [_times(att.num, common // cast(int, att.den)) for att in atts]
        return _Att(scaled[0] if len(scaled) == 1 else f"min({', '.join(scaled)})", common)
    num, den = writer.name("m"), writer.name("e")
    writer.emit(f"{num}, {den} = {_group(atts[0].num)}, {atts[0].den}")
    for att in atts[1:]:
        writer.emit(f"if {_group(att.num)} * {den} < {num} * {_group(str(att.den))}:")
        writer.emit(f"{num}, {den} = {_group(att.num)}, {att.den}", 2)
    return _Att(num, den)


def _indicator(writer: _Writer, indicator: CompiledIndicator) -> _Att:
    """The first matching row's pay (0 when not reported), as `CompiledRule.apply`."""
    if indicator.rule is None:
        return ZERO
    slot = writer.slots[indicator.key]
    branches: list[tuple[str | bool, Fraction | Linear]] = []
    for row in indicator.rule.rows:
        condition = _condition(row, indicator.measure, slot)
        if condition is False:
            continue
        pays = row.pays if isinstance(row.pays, Linear) else _constant(row.pays)
        branches.append((condition, pays))
        if condition is True:
            break
    if not branches:
        return ZERO
    num = writer.name("a")
    dynamic = any(isinstance(pays, Linear) for _, pays in branches)
    den: str | int = writer.name("b") if dynamic else lcm(
        *(cast(Fraction, pays).denominator for _, pays in branches))
    writer.emit(f"if v{slot} is None:")
    writer.emit(f"{num} = 0" if not dynamic else f"{num}, {den} = 0, 1", 2)
    for condition, pays in branches:
        writer.emit("else:" if condition is True else f"elif {condition}:")
        _pay(writer, pays, num, den, slot)
    if branches[-1][0] is not True:
        writer.emit("else:")
        writer.emit(f"{num} = 0" if not dynamic else f"{num}, {den} = 0, 1", 2)
    return _Att(num, den)


def _pay(writer: _Writer, pays: Fraction | Linear, num: str, den: str | int,
         slot: int) -> None:
    if isinstance(pays, Fraction):
        if isinstance(den, int):
            writer.emit(f"{num} = {pays.numerator * den // pays.denominator}", 2)
        else:
            writer.emit(f"{num}, {den} = {pays.numerator}, {pays.denominator}", 2)
        return
    assert isinstance(den, str)
    n, d = f"n{slot}", "1" if writer.measures[slot] == "evidence" else f"d{slot}"
    start, step = pays.start, pays.end - pays.start
    if step == 0:
        raise Unsupported("a linear row from a value to itself")
    a, b = start.numerator, start.denominator
    r, s = step.numerator, step.denominator
    sign = 1 if r > 0 else -1
    shared = gcd(s, b * abs(r))
    factor, unit = sign * (s // shared), b * abs(r) // shared
    # (x - A) / (B - A) for x = n/d: ((n*b - a*d) * factor) / (d * unit)
    writer.emit(f"{num} = {_sum([(factor * b, n), (-factor * a, d)])}", 2)
    writer.emit(f"{den} = {_times(d, unit)}", 2)
    writer.emit(f"if {num} < 0:", 2)
    writer.emit(f"{num} = 0", 3)
    writer.emit(f"elif {num} > {den}:", 2)
    writer.emit(f"{num} = {den}", 3)


def _condition(row: CompiledRow, measure: Measure, slot: int) -> str | bool:
    """The row's test as source, or a constant when the measure settles it."""
    n, d, v, t = f"n{slot}", f"d{slot}", f"v{slot}", f"t{slot}"
    if measure == "evidence":
        d = "1"
    if row.comparison is not None:
        if row.threshold is None or row.comparison not in ("<", "<=", ">", ">="):
            raise Unsupported(f"comparison {row.comparison}")
        p, q = row.threshold.numerator, row.threshold.denominator
        right = _times(d, p) if p >= 0 else f"-{_group(_times(d, -p))}"
        return f"{_times(n, q)} {row.comparison} {right}"
    if row.denominator_below is not None:
        if measure != "percent":
            return False
        return f"{t} is tuple and {d} < {row.denominator_below}"
    if row.achieved is not None:
        if measure != "evidence":
            return False
        return v if row.achieved else f"not {v}"
    if row.reported or row.is_otherwise:
        return True
    raise Unsupported(f"row {row!r}")
