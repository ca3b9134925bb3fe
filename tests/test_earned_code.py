"""The generated earned-pennies function agrees with `evaluate` to the penny, on every goal,
and its source does integer arithmetic only."""

from __future__ import annotations

import ast
import json
from fractions import Fraction
from pathlib import Path

import pytest
from attrs import evolve
from helpers import case_params, evaluated_cases
from hypothesis import given, note
from hypothesis import strategies as st
from strategies import Key, improved, indicator_keys, measurements_for, schemes

import cquin_rules
from cquin_rules.base.diagnostics import CquinError
from cquin_rules.engine.earned_code import (
    EarnedFunction,
    Unsupported,
    earned_function,
    earned_source,
    fallback,
)
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurement, Measurements
from cquin_rules.engine.reading import read_measurements
from cquin_rules.semantics.compile import CompiledScheme, compile_scheme, key_name
from cquin_rules.syntax.model import (
    Evidence,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Scheme,
)

HERE = Path(__file__).parent
ROOT = HERE.parent
CONFORMANCE = HERE / "conformance"
REFERENCE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
BOOKS = sorted([*ROOT.glob("rulebooks/*/rulebook.cquin"), *CONFORMANCE.glob("*/rulebook.cquin")])


def exact(value: MeasuredValue) -> object:
    """A model value as the earned function takes it."""
    if isinstance(value, Ratio):
        return (value.numerator, value.denominator)
    if isinstance(value, Evidence):
        return value.achieved
    assert isinstance(value, (PercentValue, NumberValue))
    number = value.value
    return int(number) if number.denominator == 1 and isinstance(value, NumberValue) \
        else number


def inputs(compiled: CompiledScheme, values: dict[Key, MeasuredValue]) -> dict[str, object]:
    """Every indicator by name: its value, or None when it is not reported."""
    return {key_name(i.key): exact(values[i.key]) if i.key in values else None
            for i in compiled.indicators()}


def evaluated(compiled: CompiledScheme, values: dict[Key, MeasuredValue]) -> tuple[int, ...]:
    given_values = Measurements(tuple((key, Measurement(v)) for key, v in values.items()))
    result = evaluate(compiled, given_values)
    pennies = [goal.earned * 100 for goal in result.goals]
    assert all(p.denominator == 1 for p in pennies)
    return tuple(int(p) for p in pennies)


def assert_integer_only(source: str) -> None:
    """No true division and no float anywhere in the generated source."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.Div, ast.Pow)), ast.dump(node)
        if isinstance(node, ast.Constant):
            assert not isinstance(node.value, (float, complex)), node.value
    assert "float" not in source and "/" not in source.replace("//", "")


@st.composite
def scheme_and_values(draw: st.DrawFn) -> tuple[Scheme, list[dict[Key, MeasuredValue]]]:
    scheme = draw(schemes())
    return scheme, draw(st.lists(measurements_for(scheme), min_size=1, max_size=4))


@given(scheme_and_values())
def test_generated_pennies_equal_evaluate(
        drawn: tuple[Scheme, list[dict[Key, MeasuredValue]]]) -> None:
    """On generated rulebooks (parts, periods, gates, every combine, minimum denominators)
    and values often on thresholds, with some not reported, every goal's pennies from the
    generated function (and from the fallback) are evaluate's earned money × 100."""
    scheme, sets = drawn
    compiled = compile_scheme(scheme)
    function = earned_function(compiled)
    assert function.source is not None
    note(function.source)
    assert_integer_only(function.source)
    slow = fallback(compiled)
    for values in sets:
        expected = evaluated(compiled, values)
        assert function(inputs(compiled, values)) == expected
        assert slow(inputs(compiled, values)) == expected
        available = [int(goal.available * 100) for goal in compiled.goals]
        assert all(0 <= p <= a for p, a in zip(expected, available, strict=True))


@given(st.data())
def test_pennies_are_bounded_and_monotone(data: st.DataObject) -> None:
    """Improving one measurement (or supplying a missing one) never lowers a goal's pennies,
    and no goal earns more than its money at stake."""
    scheme = data.draw(schemes())
    compiled = compile_scheme(scheme)
    function = earned_function(compiled)
    values = data.draw(measurements_for(scheme))
    key, indicator = data.draw(st.sampled_from(indicator_keys(scheme)))
    better = data.draw(improved(indicator, values.get(key)))
    note(f"{key}: {values.get(key)} -> {better}")
    before = function(inputs(compiled, values))
    after = function(inputs(compiled, {**values, key: better}))
    for goal, old, new in zip(compiled.goals, before, after, strict=True):
        assert 0 <= old <= new <= goal.available * 100, goal.code


LINEAR = """scheme "S" {{
  cquin value £{pounds}
}}
goal G "G" {{
  domain safety
  weight 100%
  indicator x {{ pay linear from {start}% to {end}% }}
}}
"""


def _percent(basis_points: int) -> str:
    whole, rest = divmod(basis_points, 100)
    return f"{whole}.{rest:02d}" if rest else str(whole)


@given(
    pennies=st.integers(1, 10**9),
    ends=st.lists(st.integers(0, 10_000), min_size=2, max_size=2, unique=True),
    values=st.lists(st.integers(0, 10_000), min_size=1, max_size=10),
)
def test_half_penny_ties_round_up_as_evaluate(pennies: int, ends: list[int],
                                              values: list[int]) -> None:
    """Linear pay on odd-penny money, at basis points including both ends, given as
    Fractions and as counts, rounds exactly as evaluate (ties half up)."""
    start, end = ends
    scheme = cquin_rules.loads(LINEAR.format(
        pounds=f"{pennies // 100}.{pennies % 100:02d}", start=_percent(start),
        end=_percent(end))).scheme
    compiled = compile_scheme(scheme)
    function = earned_function(compiled)
    for value in [*values, start, end]:
        expected = evaluated(compiled, {("G", ("x",), "year"): PercentValue(
            Fraction(value, 10_000))})
        assert function({"G.x": Fraction(value, 10_000)}) == expected
        assert function({"G.x": (value, 10_000)}) == expected


def test_half_penny_tie_goes_up() -> None:
    """£1,000.01 at half attainment is £500.005, paid as £500.01."""
    rulebook = cquin_rules.loads(LINEAR.format(pounds="1,000.01", start="40", end="60"))
    assert rulebook.earned_pennies({"G.x": Fraction(1, 2)}) == {"G": 50001}


PRECEDENCE = """scheme "S" {
  cquin value £1,000
}
goal G "G" {
  domain safety
  weight 100%
  combine at least 1
  period Q2 90% {
    indicator x { pay 100% when value >= 50% }
    indicator y { pay 100% when value >= 50% }
  }
  period Q4 10% {
    indicator z { pay 100% when value >= 50% }
  }
}
"""


@pytest.mark.parametrize(("x", "z", "pennies"), [
    (Fraction(1), Fraction(0), 90_000), (Fraction(0), Fraction(1), 10_000),
    (Fraction(1), Fraction(1), 100_000), (Fraction(0), Fraction(0), 0)])
def test_a_combined_period_is_one_term_of_the_sum(x: Fraction, z: Fraction,
                                                  pennies: int) -> None:
    """`at least` (inherited by the periods) makes a conditional expression; weighed by
    its share in the goal's sum it stays one term (found by the thorough profile: the
    last period's once swallowed the whole sum)."""
    rulebook = cquin_rules.loads(PRECEDENCE)
    values = {"G.x Q2": x, "G.y Q2": Fraction(0), "G.z Q4": z}
    assert rulebook.earned_pennies(values) == {"G": pennies}
    assert Fraction(pennies, 100) == rulebook.evaluate(
        {k: f"{int(v * 100)}%" for k, v in values.items()}).goals[0].earned


# ---- the reference example, conformance cases and shipped rulebooks ----------------------

TYPICAL: dict[str, object] = {
    "FLU.uptake": Fraction(68, 100), "CMA.inpatient": Fraction(92, 100),
    "CMA.community": (140, 200), "CMA.early": Fraction(90, 100), "AED.attendances": 212,
    "REC.plan Q2": True, "REC.courses Q4": False,
}


def test_reference_example_through_the_api() -> None:
    """The spec's typical year: £320,000, £630,000, £375,000 and £375,000."""
    rulebook = cquin_rules.load(REFERENCE)
    assert rulebook.earned_pennies(TYPICAL) == {
        "FLU": 32_000_000, "CMA": 63_000_000, "AED": 37_500_000, "REC": 37_500_000}
    assert rulebook.earned_function() is rulebook.earned_function()
    assert rulebook.earned_function()({**TYPICAL, "FLU.uptake": None})[0] == 0


@pytest.mark.parametrize("case", case_params(evaluated_cases(), "evaluate"))
def test_conformance_cases(case: Path) -> None:
    """Every conformance case that evaluates gives its expected goal money through the
    generated function, as evaluate does."""
    expected = json.loads((case / "expect.json").read_text("utf-8"))["eval"]
    rulebook = cquin_rules.load(case / "rulebook.cquin")
    measurements, diagnostics = read_measurements(str(case / "data.csv"), rulebook.scheme)
    assert measurements is not None, diagnostics
    compiled = rulebook.compiled()
    values = {key: m.measured for key, m in measurements.items()}
    found = rulebook.earned_pennies(inputs(compiled, values))
    for code, earned in expected.get("goals", {}).items():
        assert Fraction(found[code], 100) == Fraction(earned), code
    assert Fraction(sum(found.values()), 100) == Fraction(expected["earned"])
    assert tuple(found.values()) == evaluated(compiled, values)


@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.parent.name)
def test_shipped_rulebooks(path: Path) -> None:
    """Every example of every clean rulebook, and its data.csv, gives evaluate's pennies;
    the generated source is integer arithmetic only."""
    try:
        rulebook = cquin_rules.load(path)
    except CquinError:
        pytest.skip("rulebook has errors")
    compiled = rulebook.compiled()
    function = rulebook.earned_function()
    assert function.source is not None
    assert_integer_only(function.source)
    sets: list[dict[Key, MeasuredValue]] = [{}]
    for example in rulebook.scheme.examples:
        sets.append({(e.target.goal, e.target.path, e.target.period or "year"): e.measured
                     for e in example.inputs})
    if (path.parent / "data.csv").exists():
        read, _ = read_measurements(str(path.parent / "data.csv"), rulebook.scheme)
        if read is not None:
            sets.append({key: m.measured for key, m in read.items()})
    for values in sets:
        try:
            expected = evaluated(compiled, values)
        except CquinError:
            continue
        assert function(inputs(compiled, values)) == expected


# ---- what cannot be generated falls back to evaluate ---------------------------------------


def test_unsupported_scheme_falls_back_to_evaluate() -> None:
    """A negative weight (no rulebook that checks clean has one) is not generated: the
    function is evaluate's, with the same inputs and the same pennies."""
    compiled = cquin_rules.load(REFERENCE).compiled()
    cma = compiled.goals[1]
    items = (evolve(cma.items[0], weight=Fraction(-1, 10)), *cma.items[1:])
    odd = evolve(compiled, goals=(compiled.goals[0], evolve(cma, items=items),
                                  *compiled.goals[2:]))
    with pytest.raises(Unsupported):
        earned_source(odd)
    function: EarnedFunction = earned_function(odd)
    assert function.source is None
    values = {**TYPICAL, "CMA.inpatient": Fraction(95, 100), "CMA.community": (150, 200)}
    found = function(values)
    result = evaluate(odd, {"FLU.uptake": "68%", "CMA.inpatient": "95%",
                            "CMA.community": "150/200", "CMA.early": "90%",
                            "AED.attendances": "212", "REC.plan Q2": "achieved",
                            "REC.courses Q4": "not achieved"})
    assert found == tuple(int(goal.earned * 100) for goal in result.goals)
    assert found[1] == 45_000_000  # (-0.1 + 0.3 + 0.3) x £900,000
    with pytest.raises(CquinError) as caught:
        function({**TYPICAL, "FLU.uptake": 0.68})
    assert codes(caught.value) == ["E603"]


# ---- bad values: named, never a penny ------------------------------------------------------


def codes(error: CquinError) -> list[str]:
    return [d.code for d in error.diagnostics]


@pytest.mark.parametrize(("name", "value", "code"), [
    ("FLU.uptake", 0.68, "E603"),
    ("FLU.uptake", "68%", "E603"),
    ("FLU.uptake", 68, "E605"),
    ("FLU.uptake", Fraction(-1, 100), "E605"),
    ("FLU.uptake", True, "E604"),
    ("CMA.community", (140, 0), "E606"),
    ("CMA.community", (201, 200), "E606"),
    ("CMA.community", (140.0, 200), "E603"),
    ("CMA.community", (1, 2, 3), "E603"),
    ("AED.attendances", -1, "E605"),
    ("AED.attendances", (212, 1), "E604"),
    ("REC.plan Q2", 1, "E604"),
    ("REC.plan Q2", "achieved", "E604"),
])
@pytest.mark.parametrize("make", [earned_function, fallback], ids=["generated", "fallback"])
def test_bad_values_are_named(make: object, name: str, value: object, code: str) -> None:
    """A value of the wrong type or out of range is CquinError naming the indicator."""
    function = make(cquin_rules.load(REFERENCE).compiled())  # type: ignore[operator]
    with pytest.raises(CquinError) as caught:
        function({**TYPICAL, name: value})
    assert codes(caught.value) == [code]
    assert name in caught.value.diagnostics[0].message


@pytest.mark.parametrize("make", [earned_function, fallback], ids=["generated", "fallback"])
def test_missing_and_unknown_names_are_refused(make: object) -> None:
    """Every indicator must be named (None for not reported); a name the scheme does not
    have is E103, not silently ignored."""
    function = make(cquin_rules.load(REFERENCE).compiled())  # type: ignore[operator]
    short = {k: v for k, v in TYPICAL.items() if k != "CMA.early"}
    with pytest.raises(CquinError) as caught:
        function(short)
    assert codes(caught.value) == ["E610"]
    assert "CMA.early" in caught.value.diagnostics[0].message
    with pytest.raises(CquinError) as caught:
        function({**TYPICAL, "FLU.uptak": Fraction(1, 2)})
    assert codes(caught.value) == ["E103"]
    assert "FLU.uptak" in caught.value.diagnostics[0].message


def test_a_rulebook_with_errors_has_no_function() -> None:
    with pytest.raises(CquinError):
        cquin_rules.loads(LINEAR.format(pounds="100", start="60", end="60")).earned_function()
