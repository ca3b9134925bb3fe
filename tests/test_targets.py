"""What it would take, and what is at risk (issue 13): each step's target, exactly.

The law (over generated schemes and measurements): moving an indicator to its stated
target raises its attainment to the stated step, anything short of the target does not,
and the money the step is said to add is what the evaluator pays with the indicator there.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, note
from hypothesis import strategies as st
from strategies import measurements_for, schemes

import cquin_rules
from cquin_rules.cli import main
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurement, Measurements
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.semantics.rules import Observation
from cquin_rules.syntax.model import Evidence, NumberValue, PercentValue, Ratio, Scheme
from cquin_rules.syntax.printer import print_scheme
from cquin_rules.tools.target_report import render
from cquin_rules.tools.targets import IndicatorTarget, Step, Targets, find_targets

ROOT = Path(__file__).resolve().parent.parent
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
WESTMARSH = ROOT / "rulebooks" / "mental-health-trust-2018-19"
DOCS = ROOT / "docs" / "targets"


def _measurements(values: dict) -> Measurements:  # type: ignore[type-arg]
    return Measurements(tuple((key, Measurement(value)) for key, value in values.items()))


def _attainment(compiled, target: IndicatorTarget, value: Fraction,  # type: ignore[no-untyped-def]
                denominator: int | None = None) -> Fraction:
    indicator = compiled.indicator(target.goal, tuple(target.indicator.split(".")),
                                   target.period)
    return indicator.rule.apply(Observation(value, denominator))[0]


def _short_of(target: IndicatorTarget, step: Step, share: Fraction) -> Fraction | None:
    """A value between where the indicator starts and the step's target (a share of the
    way), or the target itself when it is strict; None when there is no such value."""
    higher = step.direction == "higher"
    if step.strict:
        return step.value
    if target.current is not None and not isinstance(target.current, Evidence):
        start = target.current.value
    elif higher:
        start = Fraction(0)
    elif target.measure == "percent":
        start = Fraction(1)
    else:
        return None
    return start + share * (step.value - start)


@given(schemes(), st.data())
def test_a_stated_target_reaches_its_step_and_nothing_short_of_it_does(
        scheme: Scheme, data: st.DataObject) -> None:
    """The property the issue asks for, with the money checked against the evaluator."""
    compiled = compile_scheme(scheme)
    measurements = _measurements(data.draw(measurements_for(scheme)))
    targets = find_targets(compiled, measurements)
    base = evaluate(compiled, measurements)
    note(print_scheme(scheme))
    for target in targets.indicators:
        assert target.attainment < 1
        previous = target.attainment
        for step in target.steps:
            note(f"{target.goal}.{target.name}: {step}")
            assert step.attainment > previous
            previous = step.attainment
            key = (target.goal, tuple(target.indicator.split(".")), target.period)
            moved = dict(measurements.entries)
            moved[key] = Measurement(step.measured)
            result = evaluate(compiled, Measurements(tuple(moved.items())))
            assert result.earned == step.earned
            assert step.adds == step.earned - base.earned
            goal = result.goal(target.goal)
            assert goal is not None and goal.earned == step.goal_earned
            if step.kind == "achieved":
                assert step.measured == Evidence(True)
                continue
            if step.kind == "report":
                assert target.current is None
                if isinstance(step.measured, (PercentValue, NumberValue)):
                    assert _attainment(compiled, target, step.measured.value) >= step.attainment
                continue
            if step.kind == "count":
                assert isinstance(target.current, Ratio)
                assert step.numerator is not None and step.denominator is not None
                out_of = step.denominator
                assert _attainment(compiled, target, step.value, out_of) == step.attainment
                fewer = step.numerator - 1 if step.direction == "higher" else step.numerator + 1
                if 0 <= fewer <= out_of and (
                        fewer > target.current.numerator if step.direction == "higher"
                        else fewer < target.current.numerator):
                    below = _attainment(compiled, target, Fraction(fewer, out_of), out_of)
                    assert below < step.attainment
                continue
            assert isinstance(step.measured, (PercentValue, NumberValue))
            reached = _attainment(compiled, target, step.measured.value)
            assert reached >= step.attainment
            if not step.strict:
                assert step.measured.value == step.value
                assert reached == step.attainment
            share = data.draw(st.fractions(0, 1).filter(lambda f: f < 1), label="short")
            short = _short_of(target, step, share)
            if short is not None and (step.strict or short != step.value):
                assert _attainment(compiled, target, short) < step.attainment


# ---- the shipped rulebooks ------------------------------------------------------------


def northshire(as_of: str | None = None) -> Targets:
    book = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    return book.targets(NORTHSHIRE / "data.csv", as_of=as_of)


def test_northshire_targets_in_the_measures_own_units() -> None:
    found = northshire()
    by_name = {f"{t.goal}.{t.name}": t for t in found.indicators}
    assert set(by_name) == {"FLU.uptake", "CMA.community", "AED.attendances", "REC.courses Q4"}
    flu = by_name["FLU.uptake"]
    assert flu.full is not None and flu.full.value == Fraction(3, 4)
    assert flu.full.adds == 280_000
    assert flu.rate is not None and flu.rate.amount == 40_000
    assert flu.rate.per == "percentage point"
    community = by_name["CMA.community"].steps
    assert [(s.numerator, s.denominator, s.adds) for s in community] == [(150, 200, 270_000)]
    aed = by_name["AED.attendances"]
    assert (aed.direction, aed.full.value, aed.full.adds) == ("lower", 200, 375_000)  # type: ignore[union-attr]
    assert by_name["REC.courses Q4"].steps[0].kind == "achieved"
    text = render(found, "text")
    assert "100% at 150/200 (75%) (10 more of the 200): adds £270,000.00" in text
    assert "100% at 200 or less (12 fewer): adds £375,000.00" in text
    assert "£40,000.00 per percentage point along the line from 60% to 75%" in text


def test_at_least_two_of_three_one_more_question_is_worth_the_whole_goal() -> None:
    book = cquin_rules.load(WESTMARSH / "rulebook.cquin")
    found = book.targets(WESTMARSH / "data.csv")
    staff = found.target("STAFF")
    assert [t.indicator for t in staff] == ["action", "stress"]
    for target in staff:
        assert target.full is not None and target.full.adds == Fraction(126_843)
    assert staff[0].full.value == Fraction(324, 1000)  # type: ignore[union-attr]
    assert staff[1].full.value == Fraction(336, 1000)  # type: ignore[union-attr]
    camhs = found.target("CAMHS.plans")[0]
    assert (camhs.steps[0].numerator, camhs.steps[0].denominator) == (25, 27)
    assert camhs.rate is not None and camhs.rate.per == "patient"
    assert camhs.rate.amount == Fraction(1, 27) / Fraction(3, 10) * Fraction(31710750, 100)


def test_a_gate_and_all_add_nothing_on_their_own_when_another_item_still_fails() -> None:
    book = cquin_rules.loads(
        'scheme "S" {\n  contract value £1,000,000\n  cquin value £10,000\n}\n\n'
        'goal G "g" {\n  domain safety\n  weight 100%\n  combine all\n'
        "  indicator a { pay 100% when value >= 90% }\n"
        "  indicator b { pay 100% when value >= 80% }\n}\n")
    found = book.targets({"G.a": "50%", "G.b": "50%"})
    assert [t.full.adds for t in found.indicators] == [0, 0]  # type: ignore[union-attr]
    assert "adds nothing on its own" in render(found, "text")
    both = book.targets({"G.a": "90%", "G.b": "50%"})
    assert [t.full.adds for t in both.indicators] == [10_000]  # type: ignore[union-attr]


def test_periods_not_yet_due_are_targets_and_risks_are_as_of_the_month() -> None:
    book = cquin_rules.load(WESTMARSH / "rulebook.cquin")
    found = book.targets([DOCS / "Q1.csv", DOCS / "Q2.csv"], as_of="Q2")
    assert found.data_files == (str(DOCS / "Q1.csv"), str(DOCS / "Q2.csv"))
    due = {f"{t.goal}.{t.name}" for t in found.indicators if t.due}
    later = {f"{t.goal}.{t.name}" for t in found.indicators if not t.due}
    assert "SOC.shared Q4" in later and "REC.evaluation Q4" in later
    assert all(t.period in ("Q1", "Q2") for t in found.indicators if t.due), due
    for risk in found.risks:
        assert risk.at_risk > 0
        assert all(t.due for t in risk.indicators)
    assert {r.goal for r in found.risks} <= {g for g in ("SOC", "REC", "REPAT")}


def test_at_risk_with_a_forecast_names_goals_whose_p50_falls_short() -> None:
    book = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    found = book.targets(NORTHSHIRE / "data.csv", estimates=NORTHSHIRE / "estimates.csv",
                         scenarios=2_000, seed=1)
    flagged = {r.goal: r for r in found.risks}
    assert "forecast" in flagged["FLU"].reasons
    assert flagged["FLU"].forecast_p50 is not None
    assert flagged["FLU"].forecast_p50 < flagged["FLU"].forecast_available  # type: ignore[operator]


def test_deemed_achieved_has_no_targets() -> None:
    book = cquin_rules.loads(
        'scheme "S" {\n  contract value £1,000,000\n  cquin value £10,000\n'
        '  deemed achieved "covid"\n}\n\ngoal G "g" {\n  domain safety\n  weight 100%\n'
        "  indicator a { pay 100% when value >= 90% }\n}\n")
    found = book.targets({"G.a": "50%"})
    assert found.indicators == () and found.risks == ()
    assert "every goal pays in full" in render(found, "text")


# ---- the command and the explain section ------------------------------------------------


def test_the_command_in_every_format(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["targets", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv")]
    text = runner.invoke(main, args)
    assert text.exit_code == 0, text.output
    assert text.output.startswith("What it would take: Northshire")
    document = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert [t["indicator"] for t in document["targets"]] == [
        "uptake", "community", "attendances", "courses"]
    assert document["targets"][1]["steps"][0]["numerator"] == 150
    assert document["at_risk"][0]["at_risk"] == "280000.00"
    markdown = runner.invoke(main, [*args, "--at-risk", "--format", "markdown"])
    assert "| FLU |" in markdown.output and "£280,000.00" in markdown.output
    out = tmp_path / "risks.md"
    written = runner.invoke(main, [*args, "--at-risk", "--output", str(out)])
    assert written.exit_code == 0 and out.read_text("utf-8").startswith("## At risk")
    refused = runner.invoke(main, [*args, "--output", str(tmp_path / "t.html")])
    assert refused.exit_code == 2 and not (tmp_path / "t.html").exists()
    named = runner.invoke(main, [*args, "--format", "text", "--output", str(tmp_path / "t.txt")])
    assert named.exit_code == 0, named.output
    assert (tmp_path / "t.txt").read_text("utf-8") == text.output


def test_explain_ends_with_what_it_would_take() -> None:
    book = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    trace = book.explain(NORTHSHIRE / "data.csv")
    text = trace.to_text()
    assert "what it would take" in text
    assert "100% at 150/200 (75%) (10 more of the 200): adds £270,000.00" in text
    assert [t["indicator"] for t in trace.to_dict()["targets"]] == [
        "uptake", "community", "attendances", "courses"]


@pytest.mark.parametrize("as_of", [None, "Q2"])
def test_targets_json_round_trips(as_of: str | None) -> None:
    found = northshire(as_of)
    document = json.loads(found.to_json())
    assert document["as_of"] == (None if as_of is None else "M6")
    for target, entry in zip(found.indicators, document["targets"], strict=True):
        for step, saved in zip(target.steps, entry["steps"], strict=True):
            assert Fraction(saved["value"]) == step.value
            assert Fraction(saved["attainment"]) == step.attainment


def test_a_scheme_gate_puts_the_money_it_shuts_at_risk() -> None:
    book = cquin_rules.loads(
        'scheme "S" {\n  contract value £1,000,000\n  cquin value £10,000\n}\n\n'
        'goal GATE "data quality" {\n  gate\n  domain safety\n'
        "  indicator audit { measure evidence  pay 100% when achieved }\n}\n\n"
        'goal G "g" {\n  domain safety\n  weight 100%\n'
        "  indicator a { pay linear from 50% to 90% }\n}\n")
    found = book.targets({"GATE.audit": "not achieved", "G.a": "70%"})
    (audit,) = found.target("GATE.audit")
    assert audit.full is not None and audit.full.adds == 5_000
    gate = next(r for r in found.risks if r.goal == "GATE")
    assert gate.at_risk == 5_000
    (line,) = found.target("G.a")
    assert line.full is not None and line.full.adds == 0  # the gate shuts it
    assert line.rate is None


def _one_goal(indicator: str) -> cquin_rules.Rulebook:
    return cquin_rules.loads(
        'scheme "S" {\n  contract value £1,000,000\n  cquin value £10,000\n}\n\n'
        f'goal G "g" {{\n  domain safety\n  weight 100%\n  {indicator}\n}}\n')


def test_a_strict_threshold_has_no_least_value_but_a_least_count() -> None:
    book = _one_goal("indicator a { pay 100% when value > 90% }")
    (plain,) = book.targets({"G.a": "88%"}).indicators
    assert (plain.steps[0].value, plain.steps[0].strict) == (Fraction(9, 10), True)
    assert "100% above 90% (more than +2 percentage points)" in render(
        book.targets({"G.a": "88%"}), "text")
    (counted,) = book.targets({"G.a": "45/50"}).indicators
    assert (counted.steps[0].numerator, counted.steps[0].denominator) == (46, 50)


def test_a_lower_is_better_table_gives_each_band_from_no_measurement() -> None:
    book = _one_goal("indicator n {\n    measure number\n    lower is better\n    pay {\n"
                     "      100% when value < 200\n      50% when value <= 225\n"
                     "      0% otherwise\n    }\n  }")
    (missing,) = book.targets({}).indicators
    assert [(s.attainment, s.value, s.strict) for s in missing.steps] == [
        (Fraction(1, 2), 225, False), (1, 200, True)]
    assert [s.adds for s in missing.steps] == [5_000, 10_000]
    assert "100% below 200 (not reported yet): adds £10,000.00" in render(
        book.targets({}), "text")
