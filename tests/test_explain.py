"""`cquin explain`: a trace of every number that agrees with the evaluator to the penny
and can be recomputed from the numbers it prints."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import case_params, evaluated_cases

import cquin_rules
from cquin_rules.api import Rulebook, read_measurements
from cquin_rules.base.diagnostics import CquinError
from cquin_rules.cli import main
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.semantics.rules import CompiledRule, Observation
from cquin_rules.tools.explain import Explanation, GoalTrace, explain
from cquin_rules.tools.explain.recording import TraceRecorder

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = sorted(path.parent for path in (ROOT / "rulebooks").glob("*/rulebook.cquin"))
ALL = [pytest.param(folder, id=f"rulebooks/{folder.name}") for folder in FOLDERS] + case_params(
    evaluated_cases(), "explain"
)
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"


def loaded(folder: Path) -> tuple[Rulebook, Explanation]:
    rulebook = cquin_rules.load(folder / "rulebook.cquin")
    return rulebook, rulebook.explain(folder / "data.csv")


def half_up(amount: Fraction) -> Fraction:
    """Pennies, half up: worked here independently of money.py."""
    pennies = amount * 100
    whole = pennies.numerator // pennies.denominator
    if pennies - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def small_rulebook(body: str, header: str = "cquin value £1,000,000") -> Rulebook:
    return cquin_rules.loads(
        f'scheme "S" {{\n  year 2018/19\n  {header}\n}}\n{body}', "small.cquin"
    )


@pytest.mark.parametrize("folder", ALL)
def test_trace_money_equals_evaluation(folder: Path) -> None:
    """Every goal's attainment and earned money in the trace are evaluate()'s exactly."""
    rulebook, trace = loaded(folder)
    result = rulebook.evaluate(folder / "data.csv")
    assert [g.code for g in trace.goals] == [g.code for g in result.goals]
    for goal, evaluated in zip(trace.goals, result.goals, strict=True):
        assert goal.attainment == evaluated.attainment, goal.code
        assert goal.earned == evaluated.earned, goal.code
        assert goal.available == evaluated.available, goal.code
        assert goal.status == evaluated.status, goal.code
    assert trace.earned == result.earned


def recompute_combine(combine: dict[str, Any]) -> Fraction:
    """A combine step worked again from its printed terms."""
    attainments = [Fraction(term["attainment"]) for term in combine["terms"]]
    if not attainments:
        combined = Fraction(1)
    elif combine["mode"] == "minimum":
        combined = min(attainments)
    elif combine["mode"] == "all":
        combined = Fraction(all(a == 1 for a in attainments))
    elif combine["mode"] == "at least":
        combined = Fraction(sum(a == 1 for a in attainments) >= combine["at_least"])
    else:
        combined = sum(
            (Fraction(t["weight"]) * Fraction(t["attainment"]) for t in combine["terms"]),
            Fraction(0),
        )
    assert combined == Fraction(combine["combined"])
    if any(Fraction(gate["attainment"]) < 1 for gate in combine["gates"]):
        combined = Fraction(0)
    assert combined == Fraction(combine["attainment"])
    return combined


def recompute_items(items: list[dict[str, Any]], combine: dict[str, Any]) -> None:
    """Each item's attainment is the one its parent combines, and each is recomputable."""
    terms = {term["name"]: term for term in combine["terms"] + combine["gates"]}
    for item in items:
        name = item["name"].split(".")[-1]
        assert Fraction(terms[name]["attainment"]) == Fraction(item["attainment"])
        if item["kind"] == "part":
            recompute_items(item["items"], item["combine"])
            assert recompute_combine(item["combine"]) == Fraction(item["attainment"])
            continue
        linear = item["linear"]
        if linear is not None:
            value, start, end = (Fraction(linear[k]) for k in ("value", "from", "to"))
            share = (value - start) / (end - start)
            assert share == Fraction(linear["share"])
            assert min(Fraction(1), max(Fraction(0), share)) == Fraction(item["attainment"])
        if item["measured"] is None:
            assert Fraction(item["attainment"]) == 0
            assert item["status"] in ("not reported", "deemed met")


@pytest.mark.parametrize("folder", ALL)
def test_json_trace_recomputes_to_the_penny(folder: Path) -> None:
    """Redoing the arithmetic from the numbers printed in the JSON trace gives the same pennies."""
    process = CliRunner().invoke(
        main,
        ["explain", str(folder / "rulebook.cquin"), str(folder / "data.csv"), "--format", "json"],
    )
    assert process.exit_code == 0, process.output
    document = json.loads(process.output)
    cquin_value = Fraction(document["cquin_value"])
    total = Fraction(0)
    for goal in document["goals"]:
        money = goal["money"]
        if money["gate"]:
            assert money["weight"] is None and money["value"] is None
            assert Fraction(money["exact"]) == 0
        elif money["weight"] is not None:
            assert Fraction(money["weight"]) * cquin_value == Fraction(money["exact"])
        else:
            assert Fraction(money["value"]) == Fraction(money["exact"])
        available = Fraction(goal["available"])
        assert abs(available - Fraction(money["exact"])) < Fraction(1, 100)
        if goal["periods"]:
            for period in goal["periods"]:
                recompute_items(period["items"], period["combine"])
                assert recompute_combine(period["combine"]) == Fraction(period["attainment"])
            shares = {t["name"]: t for t in goal["combine"]["terms"]}
            for period in goal["periods"]:
                assert Fraction(shares[period["name"]]["weight"]) == Fraction(period["share"])
                assert Fraction(shares[period["name"]]["attainment"]) == Fraction(
                    period["attainment"]
                )
        else:
            recompute_items(goal["items"], goal["combine"])
        attainment = recompute_combine(goal["combine"])
        if goal["scheme_rule"] is not None:
            attainment = Fraction(goal["scheme_rule"]["attainment"])
        assert attainment == Fraction(goal["attainment"])
        assert attainment * available == Fraction(goal["earned_exact"])
        assert half_up(attainment * available) == Fraction(goal["earned"]), goal["code"]
        total += Fraction(goal["earned"])
    assert total == Fraction(document["earned"])
    assert sum((Fraction(g["available"]) for g in document["goals"]), Fraction(0)) == cquin_value


def test_text_shows_the_spec_arithmetic() -> None:
    """The text walks FLU as the reference does: measurement, row, (68% − 60%) / (75% − 60%)."""
    _, trace = loaded(NORTHSHIRE)
    text = trace.to_text()
    assert "cquin value: 2.5% of contract value £120,000,000.00 = £3,000,000.00" in text
    assert "available: weight 20% × cquin value £3,000,000.00 = £600,000.00" in text
    assert "measurement: 68%, from " in text and "data.csv line 2" in text
    assert "(68% − 60%) / (75% − 60%) = 8/15 ≈ 0.533333" in text
    assert "earned: 8/15 × £600,000.00 = £320,000.00 exactly" in text
    assert "combine weighted: inpatient 40% × 1 + community 30% × 0 + early 30% × 1 = 0.7" in text
    assert "total earned: £320,000.00 + £630,000.00 + £375,000.00 + £375,000.00" in text
    assert "= £1,700,000.00 of £3,000,000.00 (56.7%)" in text


def test_baseline_thresholds_are_shown_resolved() -> None:
    """A threshold taken from the baseline is shown worked out: baseline * 80% = 250 × 80% = 200."""
    _, trace = loaded(NORTHSHIRE)
    goal = trace.goal("AED")
    assert goal is not None
    (indicator,) = goal.indicators()
    first, second = indicator.rows
    assert (first.line, first.matched) == (39, False)
    assert first.check == "212 <= 200 (baseline * 80% = 250 × 80% = 200)"
    assert (second.line, second.matched, second.text) == (
        40, True, "50% when value <= baseline * 90%"
    )
    assert indicator.attainment == Fraction(1, 2)


def test_rounding_half_up_is_spelled_out() -> None:
    """An amount that is not whole pennies shows the exact figure and the rounding."""
    rulebook = small_rulebook(
        'goal G "g" { domain safety weight 100% indicator i { pay linear from 0% to 3% } }'
    )
    trace = rulebook.explain({"G.i": "1%"})
    goal = trace.goal("G")
    assert goal is not None
    assert goal.earned == Fraction(33333333, 100)
    assert "1/3 × £1,000,000.00 = £333,333.333333… (= £1000000/3)" in goal.earned_text
    assert "rounded half up to the penny: £333,333.33" in goal.earned_text


def test_largest_remainder_penny_is_explained() -> None:
    """£1,000,000.01 split 50/50: the first goal's text says it took the left-over penny."""
    rulebook = small_rulebook(
        'goal A "a" { domain safety weight 50% indicator i { pay 100% when reported } }\n'
        'goal B "b" { domain safety weight 50% indicator i { pay 100% when reported } }\n',
        header="cquin value £1,000,000.01",
    )
    trace = rulebook.explain({"A.i": "1%", "B.i": "1%"})
    first, second = trace.goals
    assert (first.available, second.available) == (Fraction(50000001, 100), Fraction(500000))
    assert "plus the left-over penny (largest remainder)" in first.money.text
    assert "rounded down (largest remainder)" in second.money.text


def test_not_reported_and_implied_rows() -> None:
    """A missing measurement says not reported; the minimum denominator row is marked implied."""
    rulebook = small_rulebook(
        'goal G "g" { domain safety weight 100%\n'
        "  indicator small { minimum denominator 20  pay linear from 50% to 90% }\n"
        "  indicator gone { pay 100% when value >= 90% }\n}"
    )
    trace = rulebook.explain({"G.small": "5/8"})
    goal = trace.goal("G")
    assert goal is not None
    small, gone = goal.indicators()
    assert small.rows[0].implied is not None and small.rows[0].matched
    assert small.rows[0].check == "denominator 8 < 20"
    assert small.attainment == 1
    assert gone.measured is None and gone.status == "not reported" and gone.rows == ()
    assert "measurement: not reported, so it pays 0" in goal.to_text()


def test_gates_and_combine_modes_are_written_out() -> None:
    """A failed gate zeroes the goal and the combine line says why."""
    rulebook = small_rulebook(
        'goal G "g" { domain safety weight 100% combine at least 1\n'
        "  indicator plan { measure evidence gate pay 100% when achieved }\n"
        "  indicator a { pay 100% when value >= 90% }\n"
        "  indicator b { pay 100% when value >= 90% }\n}"
    )
    trace = rulebook.explain({"G.plan": "not achieved", "G.a": "95%", "G.b": "10%"})
    goal = trace.goal("G")
    assert goal is not None and goal.combine is not None
    assert goal.combine.combined == 1 and goal.attainment == 0 and goal.earned == 0
    assert "1 of 2 met (enough): 1" in goal.combine.text
    assert "gate plan 0: below 1, so 0" in goal.combine.text


def test_select_filters_and_unknown_names_are_E103() -> None:
    """select() gives a goal or its indicators; an unknown name is E103 with a hint."""
    _, trace = loaded(NORTHSHIRE)
    goal = trace.select("CMA")
    assert isinstance(goal, GoalTrace) and goal.code == "CMA"
    found = trace.select("REC.plan")
    assert isinstance(found, list) and [i.period for i in found] == ["Q2"]
    with pytest.raises(CquinError) as error:
        trace.select("FLU.uptak")
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "E103" and diagnostic.hint == "did you mean FLU.uptake?"
    with pytest.raises(CquinError) as error:
        trace.select("XYZ")
    assert error.value.diagnostics[0].code == "E103"


def test_cli_filters_one_indicator() -> None:
    """`cquin explain RULEBOOK DATA FLU.uptake` prints only that indicator's trace."""
    process = CliRunner().invoke(
        main,
        ["explain", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv"),
         "FLU.uptake"],
    )
    assert process.exit_code == 0, process.output
    assert process.output.startswith('FLU.uptake (weight 100%) "Frontline clinical staff')
    assert "(68% − 60%) / (75% − 60%) = 8/15" in process.output
    assert "CMA" not in process.output


def test_cli_unknown_name_exits_1_with_hint() -> None:
    """An unknown GOAL.indicator is E103 with a did-you-mean hint and exit status 1."""
    process = CliRunner().invoke(
        main,
        ["explain", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv"), "FLU.upt"],
    )
    assert process.exit_code == 1
    assert "E103 unknown indicator FLU.upt" in process.output
    assert "did you mean FLU.uptake?" in process.output


def test_cli_unreadable_measurements_exit_2() -> None:
    """A measurements file that cannot be read exits 2, without a traceback."""
    process = CliRunner().invoke(
        main, ["explain", str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "missing.csv")]
    )
    assert process.exit_code == 2
    assert "Traceback" not in process.output


def test_api_takes_a_mapping_and_matches_evaluate() -> None:
    """Rulebook.explain takes the same inputs as evaluate and agrees with it."""
    rulebook = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    data = {"FLU.uptake": "1000/1500", "AED.attendances": "200"}
    trace = rulebook.explain(data)
    result = rulebook.evaluate(data)
    assert [g.earned for g in trace.goals] == [g.earned for g in result.goals]
    flu = trace.goal("FLU")
    assert flu is not None and flu.earned == Fraction(26666667, 100)
    (uptake,) = flu.indicators()
    assert uptake.measured == "1000/1500" and uptake.linear is not None
    assert uptake.linear.text == "(2/3 − 60%) / (75% − 60%) = 4/9 ≈ 0.444444"


def test_explain_function_accepts_a_model_scheme() -> None:
    """explain() works on a parsed Scheme directly, as evaluate() does."""
    rulebook = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    trace = explain(rulebook.scheme, {"FLU.uptake": "75%"})
    flu = trace.goal("FLU")
    assert flu is not None and flu.earned == 600000


@pytest.mark.parametrize("folder", ALL)
def test_the_trace_is_recorded_by_the_one_walk(folder: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """explain walks the compiled tree once, the evaluator's walk: each measured indicator's
    rule is applied exactly as often as evaluate alone applies it (a second walk, as explain
    once made, would apply each rule twice). The "what it would take" section evaluates
    other measurements (each indicator moved to its targets) by design, so it is left out."""
    import cquin_rules.tools.explain as explain_module

    monkeypatch.setattr(explain_module, "targets_for_explain", lambda *_: None)
    rulebook = cquin_rules.load(folder / "rulebook.cquin")
    calls: list[int] = []
    apply = CompiledRule.apply

    def counted(self: CompiledRule, observation: Observation) -> tuple[Fraction, int]:
        calls.append(1)
        return apply(self, observation)

    monkeypatch.setattr(CompiledRule, "apply", counted)
    measurements = read_measurements(folder / "data.csv", rulebook)
    rulebook.evaluate(measurements)
    evaluated = len(calls)
    calls.clear()
    trace = rulebook.explain(measurements)
    assert len(calls) == evaluated
    assert sum(len(goal.indicators()) for goal in trace.goals) >= evaluated


def test_without_a_recorder_the_walk_is_unchanged() -> None:
    """A recorder only watches: the result with one is the result without."""
    rulebook = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    measurements = read_measurements(NORTHSHIRE / "data.csv", rulebook)
    compiled = compile_scheme(rulebook.evaluated_scheme())
    recorder = TraceRecorder(compiled)
    assert evaluate(compiled, measurements, recorder=recorder) == evaluate(compiled, measurements)
    assert [goal.code for goal in recorder.goals] == [goal.code for goal in compiled.goals]
