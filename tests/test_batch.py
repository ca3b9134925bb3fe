"""Batch evaluation agrees with exact scalar evaluation to the penny, on every goal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import case_params, evaluated_cases
from hypothesis import given, note
from hypothesis import strategies as st
from strategies import Key, indicator_keys, measurements_for, schemes

import cquin_rules
from cquin_rules.base.diagnostics import CquinError
from cquin_rules.engine import batch_tables
from cquin_rules.engine.batch import (
    CHUNK,
    Counts,
    Scaled,
    _indicator,
    evaluate_many,
    read_columns,
)
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurement, Measurements
from cquin_rules.engine.reading import read_measurements
from cquin_rules.semantics.compile import CompiledScheme, compile_scheme
from cquin_rules.syntax.model import (
    Evidence,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
    Scheme,
)
from cquin_rules.syntax.printer import print_scheme

HERE = Path(__file__).parent
ROOT = HERE.parent
CONFORMANCE = HERE / "conformance"
REFERENCE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"


def scalar_pennies(compiled: CompiledScheme, values: dict[Key, MeasuredValue]) -> list[int]:
    given_values = Measurements(tuple((key, Measurement(v)) for key, v in values.items()))
    result = evaluate(compiled, given_values)
    return [int(goal.earned * 100) for goal in result.goals]


def name(key: Key) -> str:
    goal, path, period = key
    text = ".".join((goal, *path))
    return text if period == "year" else f"{text} {period}"


def generic_columns(sets: list[dict[Key, MeasuredValue]]) -> dict[str, list[MeasuredValue]]:
    """One column per key, of model values (the general path)."""
    return {name(key): [values[key] for values in sets] for key in sets[0]}


def fast_columns(sets: list[dict[Key, MeasuredValue]]) -> dict[str, Any]:
    """The same sets as integer numpy columns where every value of a key has one form."""
    columns: dict[str, Any] = {}
    for key in sets[0]:
        column = [values[key] for values in sets]
        if all(isinstance(v, Evidence) for v in column):
            columns[name(key)] = np.array([v.achieved for v in column])  # type: ignore[union-attr]
        elif all(isinstance(v, Ratio) for v in column):
            columns[name(key)] = Counts(
                np.array([v.numerator for v in column]),  # type: ignore[union-attr]
                np.array([v.denominator for v in column]),  # type: ignore[union-attr]
            )
        elif all(isinstance(v, (PercentValue, NumberValue)) for v in column):
            scale = lcm(*(v.value.denominator for v in column))  # type: ignore[union-attr]
            columns[name(key)] = Scaled(
                np.array([int(v.value * scale) for v in column]), scale)  # type: ignore[union-attr]
        else:
            columns[name(key)] = column
    return columns


@st.composite
def scheme_and_sets(draw: st.DrawFn) -> tuple[Scheme, list[dict[Key, MeasuredValue]]]:
    """A valid scheme and up to six full measurement sets, with the same keys left out of
    every set (a column is given for all sets or none)."""
    scheme = draw(schemes())
    sets = draw(st.lists(measurements_for(scheme, full=True), min_size=1, max_size=6))
    keys = [key for key, _ in indicator_keys(scheme)]
    dropped = set(draw(st.lists(st.sampled_from(keys), max_size=len(keys)))) if keys else set()
    return scheme, [{k: v for k, v in values.items() if k not in dropped} for values in sets]


@contextmanager
def tables_always() -> Iterator[None]:
    """Look goals up in tables however few the sets (a batch of a few sets would not)."""
    kept = batch_tables.SETS_PER_ENTRY
    batch_tables.SETS_PER_ENTRY = 0
    try:
        yield
    finally:
        batch_tables.SETS_PER_ENTRY = kept


def assert_agrees(compiled: CompiledScheme, sets: list[dict[Key, MeasuredValue]],
                  columns: dict[str, Any]) -> None:
    """Batch pennies, national, local and total equal scalar evaluation's, by the chunk
    path and by look-up tables, in one chunk or many."""
    _assert_agrees(compiled, sets, columns)
    with tables_always():
        _assert_agrees(compiled, sets, columns)


def _assert_agrees(compiled: CompiledScheme, sets: list[dict[Key, MeasuredValue]],
                   columns: dict[str, Any]) -> None:
    batch = evaluate_many(compiled, columns, size=len(sets))
    for row, values in enumerate(sets):
        assert list(batch.earned[row]) == scalar_pennies(compiled, values), row
    assert list(batch.total) == [sum(scalar_pennies(compiled, v)) for v in sets]
    scopes = [goal.scope for goal in compiled.goals]
    chunked = evaluate_many(compiled, columns, size=len(sets), chunk=4)
    for scope in ("national", "local"):
        expected = [sum(p for p, s in zip(scalar_pennies(compiled, v), scopes, strict=True)
                        if s == scope) for v in sets]
        assert list(batch.earned_in(scope)) == expected, scope
        assert list(chunked.earned_in(scope)) == expected, scope
    assert (chunked.earned == batch.earned).all()
    assert list(chunked.total) == list(batch.total)


@given(scheme_and_sets())
def test_batch_agrees_with_scalar_on_generated_rulebooks(
        drawn: tuple[Scheme, list[dict[Key, MeasuredValue]]]) -> None:
    """On generated rulebooks and values (often on thresholds), every goal's batch pennies
    equal exact scalar evaluation's, through both the general and the integer columns."""
    scheme, sets = drawn
    note(print_scheme(scheme))
    compiled = compile_scheme(scheme)
    assert_agrees(compiled, sets, generic_columns(sets))
    assert_agrees(compiled, sets, fast_columns(sets))


LINEAR = """scheme "S" {{
  cquin value £{pounds}
}}
goal G "G" {{
  domain safety
  weight 100%
  indicator x {{ pay linear from {start}% to {end}% }}
}}
"""


@given(
    pennies=st.integers(1, 10**9),
    ends=st.lists(st.integers(0, 10_000), min_size=2, max_size=2, unique=True),
    values=st.lists(st.integers(0, 10_000), min_size=1, max_size=20),
)
def test_half_penny_ties_round_up_as_scalar(pennies: int, ends: list[int],
                                            values: list[int]) -> None:
    """Linear pay on odd-penny money at basis-point values, thresholds included, rounds
    exactly as scalar evaluation (ties half up)."""
    start, end = ends
    scheme = cquin_rules.loads(LINEAR.format(
        pounds=f"{pennies // 100}.{pennies % 100:02d}",
        start=_decimal(Fraction(start, 100)), end=_decimal(Fraction(end, 100)))).scheme
    compiled = compile_scheme(scheme)
    sets = [{("G", ("x",), "year"): PercentValue(Fraction(v, 10_000))}
            for v in [*values, start, end]]
    assert_agrees(compiled, sets, {"G.x": Scaled(np.array([*values, start, end]), 10_000)})


def _decimal(value: Fraction) -> str:
    whole, rest = divmod(value.numerator * 100 // value.denominator, 100)
    return f"{whole}.{rest:02d}" if rest else str(whole)


def test_half_penny_tie_goes_up() -> None:
    """£1,000.01 at half attainment is £500.005, paid as £500.01 by batch and scalar."""
    scheme = cquin_rules.loads(LINEAR.format(pounds="1,000.01", start="40", end="60")).scheme
    batch = evaluate_many(compile_scheme(scheme), {"G.x": Scaled(np.array([5000]), 10_000)})
    assert list(batch.earned[:, 0]) == [50001]


def test_huge_values_fall_back_to_exact_integers() -> None:
    """Values whose products overflow int64 are computed with Python integers, not wrapped."""
    scheme = cquin_rules.loads(LINEAR.format(pounds="3,000,000", start="60", end="75")).scheme
    compiled = compile_scheme(scheme)
    big = 2**61 + 1
    numerators = [big * 2 // 3, big * 7 // 10, big]
    sets = [{("G", ("x",), "year"): Ratio(n, big)} for n in numerators]
    columns = {"G.x": Counts(np.array(numerators, dtype=np.int64),
                             np.array([big] * 3, dtype=np.int64))}
    assert_agrees(compiled, sets, columns)
    assert_agrees(compiled, sets, generic_columns(sets))


TABLE = """scheme "S" {{
  cquin value £{pounds}
}}
goal G "G" {{
  domain safety
  weight 100%
  indicator x {{ measure number  weight {wx}%  pay {rows} }}
  part p {{
    weight {wp}%
    indicator y {{ measure percent  weight 50%  pay linear from {start}% to {end}% }}
    indicator z {{ measure evidence  weight 50%  pay 100% when achieved }}
  }}
}}
"""

table_rows = st.lists(
    st.tuples(st.sampled_from([0, 25, 33, 50, 100]), st.sampled_from([">=", ">", "<=", "<"]),
              st.integers(0, 12)), min_size=1, max_size=5)


@given(
    pennies=st.integers(1, 10**9),
    rows=table_rows,
    otherwise=st.sampled_from([None, 0, 10, 100]),
    weight=st.integers(0, 100),
    ends=st.lists(st.integers(0, 100), min_size=2, max_size=2, unique=True),
    sets=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 10_000), st.booleans()),
                  min_size=1, max_size=12),
)
def test_lookup_tables_are_exact_on_any_table(
        pennies: int, rows: list[tuple[int, str, int]], otherwise: int | None, weight: int,
        ends: list[int], sets: list[tuple[int, int, bool]]) -> None:
    """Goals looked up in tables earn scalar evaluation's pennies whatever the pay table:
    rows in any order, paying more or less as the value grows (not monotone), values on
    every threshold, odd-penny money, and a weighted part (tables over a common
    denominator, rounded half up once)."""
    text = " ".join(f"{pay}% when value {op} {at}" for pay, op, at in rows)
    if otherwise is not None or len(rows) > 1:  # else one row: unmatched values earn 0
        text = f"{{ {text} {otherwise or 0}% otherwise }}"
    start, end = ends
    scheme = cquin_rules.loads(TABLE.format(
        pounds=f"{pennies // 100}.{pennies % 100:02d}", rows=text, wx=weight,
        wp=100 - weight, start=start, end=end)).scheme
    compiled = compile_scheme(scheme)
    sets = [*sets, *((x, 0, False) for x in range(13))]  # every value of x, thresholds too
    values = [{("G", ("x",), "year"): NumberValue(Fraction(x)),
               ("G", ("p", "y"), "year"): PercentValue(Fraction(y, 10_000)),
               ("G", ("p", "z"), "year"): Evidence(z)} for x, y, z in sets]
    columns = {"G.x": np.array([x for x, _, _ in sets]),
               "G.p.y": Scaled(np.array([y for _, y, _ in sets]), 10_000),
               "G.p.z": np.array([z for _, _, z in sets])}
    assert_agrees(compiled, values, columns)
    with tables_always():
        read, size = read_columns(compiled, columns)
        goal = compiled.goals[0]
        table = batch_tables.goal_table(goal, int(goal.available * 100), read, size,
                                        _indicator)
    assert table is not None  # this test is about the tables: they were built


def test_reference_goals_are_all_looked_up() -> None:
    """At benchmark size every goal of the reference example is a table look-up (the
    batch benchmark measures this path), and it earns what the chunk path earns."""
    compiled = compile_scheme(reference().scheme)
    rng = np.random.default_rng(16)
    size = 100_000
    columns = {name: Scaled(rng.integers(0, 10_001, size), 10_000) for name in (
        "FLU.uptake", "CMA.inpatient", "CMA.community", "CMA.early")}
    columns["AED.attendances"] = rng.integers(150, 260, size)
    columns["REC.plan Q2"] = rng.random(size) < 0.5
    columns["REC.courses Q4"] = rng.random(size) < 0.5
    read, _ = read_columns(compiled, columns)
    assert all(batch_tables.goal_table(goal, int(goal.available * 100), read, size,
                                       _indicator) is not None for goal in compiled.goals)
    tabled = evaluate_many(compiled, columns, chunk=4096)
    kept = batch_tables.SETS_PER_ENTRY
    batch_tables.SETS_PER_ENTRY = size + 1  # no tables: the chunk path
    try:
        walked = evaluate_many(compiled, columns, chunk=4096)
    finally:
        batch_tables.SETS_PER_ENTRY = kept
    assert (tabled.earned == walked.earned).all()
    for scope in ("national", "local"):
        assert (tabled.earned_in(scope) == walked.earned_in(scope)).all()
    assert (tabled.total == tabled.earned.sum(axis=1)).all()
    assert not tabled.earned_in("national").flags.writeable  # a view of FLU's column


# ---- the reference example and the conformance cases -----------------------------------


def reference() -> cquin_rules.Rulebook:
    return cquin_rules.load(REFERENCE)


def test_reference_example_through_the_api() -> None:
    """Rulebook.evaluate_many gives the spec's worked numbers for the typical year."""
    batch = reference().evaluate_many({
        "FLU.uptake": ["68%", "75%"], "CMA.inpatient": ["92%", "90%"],
        "CMA.community": ["140/200", "150/200"], "CMA.early": ["90%", "27/30"],
        "AED.attendances": [212, 225], "REC.plan Q2": ["achieved", "yes"],
        "REC.courses Q4": ["not achieved", "yes"],
    })
    assert batch.goals == ("FLU", "CMA", "AED", "REC")
    assert batch.pounds(0) == {"FLU": 320_000, "CMA": 630_000, "AED": 375_000,
                               "REC": 375_000, "total": 1_700_000}
    assert batch.pounds(1)["total"] == 2_625_000
    assert list(batch.earned_in("national")) == [32_000_000, 60_000_000]
    assert batch.cquin_value == 300_000_000


def test_missing_column_pays_nothing() -> None:
    """An indicator without a column is not reported in any set: it earns 0."""
    batch = reference().evaluate_many({"FLU.uptake": Scaled(np.array([7500, 6000]), 10_000)})
    assert list(batch.goal("FLU")) == [60_000_000, 0]
    assert list(batch.goal("CMA")) == [0, 0]


@pytest.mark.parametrize("case", case_params(evaluated_cases(), "batch"))
def test_conformance_cases_through_batch(case: Path) -> None:
    """Every conformance case that evaluates gives its expected goal money and total when
    its measurements go through the batch evaluator as a one-set column each."""
    expected = json.loads((case / "expect.json").read_text("utf-8"))["eval"]
    rulebook = cquin_rules.load(case / "rulebook.cquin")
    measurements, diagnostics = read_measurements(str(case / "data.csv"), rulebook.scheme)
    assert measurements is not None, diagnostics
    columns = {name(key): [m.measured] for key, m in measurements.items()}
    batch = rulebook.evaluate_many(columns)
    for code, earned in expected.get("goals", {}).items():
        assert Fraction(int(batch.goal(code)[0]), 100) == Fraction(earned), code
    assert Fraction(int(batch.total[0]), 100) == Fraction(expected["earned"])


EXAMPLE_BOOKS = sorted([*ROOT.glob("rulebooks/*/rulebook.cquin"),
                        *CONFORMANCE.glob("*/rulebook.cquin")])


@pytest.mark.parametrize("path", EXAMPLE_BOOKS, ids=lambda p: p.parent.name)
def test_rulebook_examples_through_batch(path: Path) -> None:
    """Every example block of every clean rulebook gives the same pennies through batch
    as through scalar evaluation."""
    try:
        rulebook = cquin_rules.load(path)
    except CquinError:
        pytest.skip("rulebook has errors")
    compiled = compile_scheme(rulebook.scheme)
    for example in rulebook.scheme.examples:
        values: dict[Key, MeasuredValue] = {}
        for entry in example.inputs:
            target = entry.target
            values[(target.goal, target.path, target.period or "year")] = entry.measured
        try:
            scalar = scalar_pennies(compiled, values)
        except CquinError:
            continue
        batch = evaluate_many(compiled, generic_columns([values]) if values else {}, size=1)
        assert list(batch.earned[0]) == scalar, example.name


# ---- bad columns ------------------------------------------------------------------------


def codes(error: CquinError) -> list[str]:
    return [d.code for d in error.diagnostics]


def test_float_columns_are_refused() -> None:
    """A float column is E603: binary fractions cannot hold 68% exactly."""
    with pytest.raises(CquinError) as caught:
        reference().evaluate_many({"FLU.uptake": np.array([0.68])})
    assert codes(caught.value) == ["E603"]


def test_bare_integers_for_a_percent_are_refused() -> None:
    """A plain integer column for a percentage is ambiguous (E603); Scaled says the scale."""
    with pytest.raises(CquinError) as caught:
        reference().evaluate_many({"FLU.uptake": np.array([68])})
    assert codes(caught.value) == ["E603"]


def test_every_bad_column_is_reported() -> None:
    """Unknown indicators, out-of-range values, swapped counts, unequal lengths and wrong
    kinds are each reported, with the set that is wrong, and nothing is computed."""
    with pytest.raises(CquinError) as caught:
        reference().evaluate_many({
            "FLU.uptak": Scaled(np.array([1]), 100),
            "FLU.uptake": Scaled(np.array([1, 2]), 100),
            "CMA.inpatient": Scaled(np.array([50, 101]), 100),
            "CMA.community": Counts(np.array([3, 5]), np.array([4, 4])),
            "CMA.early": Scaled(np.array([1, 2, 3]), 100),
            "AED.attendances": np.array([True, False]),
        })
    assert codes(caught.value) == ["E103", "E605", "E606", "E602", "E604"]
    assert [d.line for d in caught.value.diagnostics] == [1, 3, 4, 5, 6]
    messages = [d.message for d in caught.value.diagnostics]
    assert "set 2" in messages[1] and "set 2" in messages[2]


@pytest.mark.parametrize("bad", [10_001, -1])
def test_bad_values_late_in_a_large_column_are_reported(bad: int) -> None:
    """A large percentage column's range is checked chunk by chunk as it is evaluated;
    a bad value in a late chunk is still reported with its set, with every other bad
    column, and nothing is returned."""
    size = 3 * CHUNK
    values = np.full(size, 7_000)
    values[size - 5] = bad
    with pytest.raises(CquinError) as caught:
        reference().evaluate_many({
            "FLU.uptake": Scaled(values, 10_000),
            "CMA.inpatient": Scaled(np.full(size, 9_000), 10_000),
            "AED.attendances": np.full(size, -3),
        })
    assert codes(caught.value) == ["E605", "E605"]
    messages = [d.message for d in caught.value.diagnostics]
    assert f"set {size - 4}" in messages[0] and "FLU.uptake" in messages[0]
    assert "set 1" in messages[1] and "AED.attendances" in messages[1]
    good = reference().evaluate_many({"FLU.uptake": Scaled(np.full(size, 7_500), 10_000)})
    assert set(good.goal("FLU").tolist()) == {60_000_000}


def test_evaluate_many_refuses_a_rulebook_with_errors() -> None:
    """A rulebook with errors is never evaluated in batch either."""
    text = LINEAR.format(pounds="100", start="60", end="60")
    with pytest.raises(CquinError):
        cquin_rules.loads(text).evaluate_many({"G.x": Scaled(np.array([1]), 100)})


# ---- the scalar evaluator's integer shortcuts ------------------------------------------

fractions = st.fractions(min_value=0, max_value=1, max_denominator=10**6)


@given(st.lists(st.tuples(fractions, fractions), max_size=6))
def test_weighted_sum_is_the_fraction_sum(weighed: list[tuple[Fraction, Fraction]]) -> None:
    """evaluate's integer weighted sum equals Σ weight × attainment in Fractions."""
    from cquin_rules.semantics.combine import _weighted_sum

    assert _weighted_sum(weighed) == sum((w * a for w, a in weighed), Fraction(0))


@given(fractions, st.integers(0, 10**12).map(lambda p: Fraction(p, 100)))
def test_earned_is_round_half_up(attainment: Fraction, available: Fraction) -> None:
    """evaluate's integer rounding of attainment × available is money.round_half_up."""
    from cquin_rules.engine.evaluate import _earned
    from cquin_rules.semantics.money import round_half_up

    assert _earned(attainment, available) == round_half_up(attainment * available)
