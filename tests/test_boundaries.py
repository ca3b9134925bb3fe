"""`cquin examples --boundaries`: examples just below, at and just above every threshold.

The law: pasted at the end of any shipped rulebook, the examples keep it canonical and
`cquin test` passes them all. The values tried are checked against the documented steps.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from attrs import evolve
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cquin_rules.api import load, loads
from cquin_rules.cli import main
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.semantics.rules import CompiledRow, CompiledRule, Observation
from cquin_rules.syntax import printer
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.model import NumberValue, PercentValue, Ratio
from cquin_rules.tools.boundaries import boundary_examples, trials

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*/rulebook.cquin"))
IDS = [path.parent.name for path in RULEBOOKS]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_pasted_in_they_pass_cquin_test(path: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["examples", "--boundaries", str(path)])
    assert run.exit_code == 0, run.output
    added = run.output.count('example "')
    assert added > 0
    pasted = tmp_path / "rulebook.cquin"
    text = path.read_text("utf-8") + "\n" + run.output
    pasted.write_text(text, "utf-8")
    for beside in path.parent.iterdir():  # a framework file the header names by path
        if beside.suffix == ".cquin" and beside.name != "rulebook.cquin":
            (tmp_path / beside.name).write_text(beside.read_text("utf-8"), "utf-8")
    assert format_text(text)[0] == text
    tested = CliRunner().invoke(main, ["test", str(pasted)])
    assert tested.exit_code == 0, tested.output
    total = len(load(path).scheme.examples) + added
    assert tested.output.strip().endswith(f"{total} passed, 0 failed")


def test_the_values_tried_around_a_percent_and_a_number() -> None:
    compiled = compile_scheme(load(NORTHSHIRE).scheme)
    uptake = compiled.indicator("FLU", ("uptake",))
    assert uptake is not None
    assert [t.value for t in trials(uptake)] == [
        PercentValue(Fraction(v, 1000)) for v in (599, 600, 601, 749, 750, 751)]
    attendances = compiled.indicator("AED", ("attendances",))
    assert attendances is not None
    assert [t.value for t in trials(attendances)] == [
        NumberValue(Fraction(v)) for v in (199, 200, 201, 224, 225, 226)]
    assert [t.why for t in trials(attendances)][:2] == ["just below 200", "at 200"]


def test_a_threshold_with_more_places_is_stepped_in_its_last_place() -> None:
    text = NORTHSHIRE.read_text("utf-8").replace("pay linear from 60% to 75%",
                                                 "pay 100% when value >= 62.55%")
    compiled = compile_scheme(loads(text).scheme)
    uptake = compiled.indicator("FLU", ("uptake",))
    assert uptake is not None
    assert [t.value for t in trials(uptake)] == [
        PercentValue(Fraction(v, 10000)) for v in (6254, 6255, 6256)]


def test_a_threshold_with_no_decimal_is_met_as_a_fraction() -> None:
    compiled = compile_scheme(load(NORTHSHIRE).scheme)
    uptake = compiled.indicator("FLU", ("uptake",))
    assert uptake is not None
    third = evolve(uptake, rule=CompiledRule((
        CompiledRow(Fraction(1), comparison=">=", threshold=Fraction(1, 3)),
        CompiledRow(Fraction(0)))))
    values = [t.value for t in trials(third)]
    assert values == [PercentValue(Fraction(333, 1000)), Ratio(1, 3),
                      PercentValue(Fraction(334, 1000))]


def test_values_a_return_cannot_hold_are_left_out() -> None:
    text = NORTHSHIRE.read_text("utf-8").replace("pay linear from 60% to 75%",
                                                 "pay linear from 0% to 100%")
    compiled = compile_scheme(loads(text).scheme)
    uptake = compiled.indicator("FLU", ("uptake",))
    assert uptake is not None
    assert [t.value for t in trials(uptake)] == [
        PercentValue(Fraction(0)), PercentValue(Fraction(1, 1000)),
        PercentValue(Fraction(999, 1000)), PercentValue(Fraction(1))]


def test_other_indicators_of_the_goal_are_met_in_full() -> None:
    compiled = compile_scheme(load(NORTHSHIRE).scheme)
    found = [e for e in boundary_examples(compiled, "CMA") if e.name.startswith("CMA.early")]
    assert found[0].name == "CMA.early = 89.9%: just below 90%"
    others = {str(i.target): i.measured for i in found[0].inputs[1:]}
    assert others == {"CMA.inpatient": PercentValue(Fraction(1)),
                      "CMA.community": PercentValue(Fraction(1))}
    money = found[0].expectations[0]
    assert str(money.target) == "CMA"
    assert money.amount == Fraction(630_000)  # 70% of £900,000: early (30%) not met


def test_evidence_is_tried_achieved_and_not() -> None:
    run = CliRunner().invoke(main, ["examples", "--boundaries", str(NORTHSHIRE), "REC"])
    assert run.exit_code == 0
    assert 'example "REC.plan Q2 = achieved" {' in run.output
    assert "REC.plan Q2 = not achieved" in run.output
    assert "expect REC.plan Q2 status not met" in run.output


def test_an_unknown_goal_is_a_usage_error() -> None:
    run = CliRunner().invoke(main, ["examples", "--boundaries", str(NORTHSHIRE), "NOPE"])
    assert run.exit_code == 2
    assert "no goal NOPE" in run.output


def test_the_api_gives_the_same_text() -> None:
    run = CliRunner().invoke(main, ["examples", "--boundaries", str(NORTHSHIRE), "FLU"])
    assert load(NORTHSHIRE).boundary_examples("FLU") == run.output


@given(tenths_of_a_basis_point=st.integers(min_value=1, max_value=99_999))
def test_below_at_and_above_sit_either_side_of_any_percent_threshold(
    tenths_of_a_basis_point: int,
) -> None:
    """For any `>=` threshold a rulebook can write (to three places of a percent), the values
    tried are below it, at it and above it, one step apart, writable as a return, and the
    rule's row changes exactly at the threshold."""
    threshold = Fraction(tenths_of_a_basis_point, 100_000)
    compiled = compile_scheme(load(NORTHSHIRE).scheme)
    uptake = compiled.indicator("FLU", ("uptake",))
    assert uptake is not None
    rule = CompiledRule((CompiledRow(Fraction(1), comparison=">=", threshold=threshold),
                         CompiledRow(Fraction(0))))
    below, at, above = (t.value for t in trials(evolve(uptake, rule=rule)))
    assert isinstance(below, PercentValue) and isinstance(above, PercentValue)
    assert at == PercentValue(threshold)
    assert below.value < threshold < above.value
    assert threshold - below.value == above.value - threshold <= Fraction(1, 1000)
    pays = [rule.apply(Observation.of(value))[0] for value in (below, at, above)]
    assert pays == [0, 1, 1]
    assert loads(NORTHSHIRE.read_text("utf-8")).evaluate(
        {"FLU.uptake": printer.measured(below)}) is not None
