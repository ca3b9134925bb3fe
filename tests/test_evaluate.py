"""Evaluation (sections 6 and 7): attainment, exact money to the penny, statuses, JSON."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from helpers import CONFORMANCE, case_params, evaluated_cases

from cquin_rules.base.diagnostics import CquinError
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurements, parse_measurements
from cquin_rules.engine.reading import read_measurements
from cquin_rules.engine.result import Result
from cquin_rules.semantics.as_of import as_of_month
from cquin_rules.semantics.compile import compile_scheme, goal_rule_text, rule_text
from cquin_rules.syntax.model import (
    Achieved,
    Baseline,
    Combine,
    DenominatorBelow,
    Fixed,
    FixedPay,
    Goal,
    Header,
    Indicator,
    LinearPay,
    Located,
    Part,
    PayRule,
    Period,
    Pounds,
    Quantity,
    Row,
    Scheme,
    ShareOfContract,
    ValueIs,
)
from cquin_rules.syntax.parser import parse

# ---- building models directly ----------------------------------------------------------


def pct(number: int | str) -> Fraction:
    return Fraction(number) / 100


def fixed(value: Fraction, kind: str = "percent") -> Fixed:
    return Fixed(Quantity(value, kind))  # type: ignore[arg-type]


def linear(start: Fraction, end: Fraction, kind: str = "percent") -> PayRule:
    payout = LinearPay(fixed(start, kind), fixed(end, kind))
    return PayRule("linear", (Row(payout, None),))


def all_or_nothing(threshold: Fraction) -> PayRule:
    condition = ValueIs(">=", fixed(threshold))
    rows = (Row(FixedPay(Fraction(1)), condition), Row(FixedPay(Fraction(0)), None))
    return PayRule("when", rows)


def evidence_rule() -> PayRule:
    rows = (Row(FixedPay(Fraction(1)), Achieved()), Row(FixedPay(Fraction(0)), None))
    return PayRule("when", rows)


def indicator(name: str, pay: PayRule, **extra: Any) -> Indicator:
    return Indicator(name, None, pay=pay, **extra)


def goal(code: str, *items: Indicator | Part, weight: Fraction | None = None,
         value: Fraction | None = None, **extra: Any) -> Goal:
    return Goal(
        code, f"Goal {code}",
        domains=Located(("safety",)),
        weight=Located(weight) if weight is not None else None,
        value=Located(value) if value is not None else None,
        items=items,
        **extra,
    )


def scheme(*goals: Goal, cquin: Fraction = Fraction(1_000_000), contract: Fraction | None = None,
           national: Fraction | None = None) -> Scheme:
    header = Header(
        "Test scheme",
        provider=Located("Provider"),
        contract_value=Located(contract) if contract is not None else None,
        cquin_value=Located(ShareOfContract(cquin) if contract else Pounds(cquin)),
        national_value=Located(ShareOfContract(national)) if national is not None else None,
    )
    return Scheme(header, goals)


def measured(model: Scheme, mapping: dict[str, object]) -> Measurements:
    read, diagnostics = Measurements.from_mapping(mapping, model)
    assert read is not None, diagnostics
    return read


def earned(result: Result) -> dict[str, str]:
    return {goal["code"]: goal["earned"] for goal in result.to_dict()["goals"]}


# ---- conformance cases from text -------------------------------------------------------


def evaluate_case(case: Path, *, strict: bool = False) -> Result:
    """The case evaluated as `cquin eval` would, with its `eval_args` (`--as-of Q2`)."""
    text = (case / "rulebook.cquin").read_text(encoding="utf-8")
    parsed, diagnostics = parse(text, str(case / "rulebook.cquin"))
    assert parsed is not None, diagnostics
    data, problems = read_measurements(case / "data.csv", parsed)
    assert data is not None, problems
    arguments = json.loads((case / "expect.json").read_text(encoding="utf-8")).get(
        "eval_args", [])
    as_of = (as_of_month(arguments[arguments.index("--as-of") + 1])
             if "--as-of" in arguments else None)
    return evaluate(parsed, data, strict=strict, as_of=as_of)


@pytest.mark.parametrize("case", case_params(evaluated_cases(), "evaluate"))
def test_conformance_money_from_text(case: Path) -> None:
    """Every conformance case with data gives exactly its hand-worked money and statuses."""
    expected = json.loads((case / "expect.json").read_text(encoding="utf-8"))["eval"]
    document = evaluate_case(case).to_dict()
    for key in ("cquin_value", "earned", "earned_percent", "national", "local"):
        if key in expected:
            assert document[key] == expected[key], key
    assert {g["code"]: g["earned"] for g in document["goals"]} == expected["goals"]
    statuses = {g["code"]: g["status"] for g in document["goals"]}
    for code, status in expected.get("status", {}).items():
        assert statuses[code] == status
    if "to_date" in expected:
        assert document["to_date"] == expected["to_date"]
    if "not_reported" in expected:
        result = evaluate_case(case)
        assert [list(t) for t in result.not_reported()] == expected["not_reported"]


def test_case_04_strict_names_the_missing_measurement() -> None:
    """With strict, case 04's missing SOC.shared Q3 is E610 'no measurement for SOC.shared Q3'."""
    with pytest.raises(CquinError) as raised:
        evaluate_case(CONFORMANCE / "04-quarterly-milestones", strict=True)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("E610", "no measurement for SOC.shared Q3")
    ]
    assert raised.value.diagnostics[0].line == 19


def test_case_04_period_statuses() -> None:
    """A goal with period blocks reports each period's status, Q3 not reported."""
    result = evaluate_case(CONFORMANCE / "04-quarterly-milestones")
    soc = result.to_dict()["goals"][0]
    assert soc["periods"] == {"Q1": "met", "Q2": "partially met", "Q3": "not reported",
                              "Q4": "partially met"}
    assert [(i["name"], i["period"], i["status"]) for i in soc["indicators"]][2] == (
        "shared", "Q3", "not reported")
    assert soc["indicators"][2]["value"] is None


# ---- the same cases from models --------------------------------------------------------


def test_model_case_06_combine_modes() -> None:
    """Case 06 built as a model: minimum, all, and equal shares."""
    model = scheme(
        goal("WEAK", indicator("x", linear(pct(50), pct(100))),
             indicator("y", linear(pct(50), pct(100))),
             weight=pct(50), combine=Combine("minimum")),
        goal("GATE", indicator("x", all_or_nothing(pct(90))),
             indicator("y", all_or_nothing(pct(90))),
             weight=pct(30), combine=Combine("all")),
        goal("EVEN", *(indicator(n, linear(pct(0), pct(100))) for n in "abc"), weight=pct(20)),
    )
    result = evaluate(model, measured(model, {
        "WEAK.x": "80%", "WEAK.y": "90%", "GATE.x": "95%", "GATE.y": "85%",
        "EVEN.a": "100%", "EVEN.b": "50%", "EVEN.c": "0%",
    }))
    assert earned(result) == {"WEAK": "300000.00", "GATE": "0.00", "EVEN": "100000.00"}
    assert [g.status for g in result.goals] == ["partially met", "not met", "partially met"]
    assert result.to_dict()["earned_percent"] == "40.0"


def test_model_case_07_half_up() -> None:
    """Case 07 as a model: 0.5 x £1,000.01 = £500.005 rounds half up to £500.01."""
    model = scheme(
        goal("HALF", indicator("x", linear(pct(0), pct(100))), value=Fraction(100001, 100)),
        goal("THIRD", indicator("y", linear(pct(0), pct(100))), value=Fraction(100001, 100)),
        cquin=Fraction(200002, 100),
    )
    result = evaluate(model, measured(model, {"HALF.x": "1/2", "THIRD.y": "1/3"}))
    assert earned(result) == {"HALF": "500.01", "THIRD": "333.34"}
    document = result.to_dict()
    assert (document["earned"], document["earned_percent"]) == ("833.35", "41.7")


def test_model_case_05_small_denominators() -> None:
    """Case 05 as a model: `minimum denominator 20` pays in full; the rule's own row pays 50%."""
    screened = indicator("screened", all_or_nothing(pct(90)), weight=Located(pct(50)),
                         minimum_denominator=Located(20))
    antibiotics = indicator("antibiotics", PayRule("table", (
        Row(FixedPay(pct(50)), DenominatorBelow(20)),
        Row(FixedPay(Fraction(1)), ValueIs(">=", fixed(pct(90)))),
        Row(FixedPay(Fraction(0)), None),
    )), weight=Located(pct(50)), minimum_denominator=Located(20))
    model = scheme(goal("SEP", screened, antibiotics, weight=Fraction(1)), cquin=Fraction(400_000))
    result = evaluate(model, measured(model, {"SEP.screened": "10/12", "SEP.antibiotics": "5/10"}))
    assert earned(result) == {"SEP": "300000.00"}
    big = evaluate(model, measured(model, {"SEP.screened": "10/40", "SEP.antibiotics": "38/40"}))
    assert earned(big) == {"SEP": "200000.00"}


def test_model_case_04_periods() -> None:
    """Case 04 as a model: period shares weight each period's attainment."""
    def block(name: str, share: int, item: Indicator) -> Period:
        return Period(name, Located(pct(share)), items=(item,))

    soc = goal("SOC", weight=Fraction(1), periods=(
        block("Q1", 10, Indicator("audit", None, measure=Located("evidence"), pay=evidence_rule())),
        block("Q2", 30, indicator("shared", linear(pct(80), pct(90)))),
        block("Q3", 30, indicator("shared", linear(pct(80), pct(90)))),
        block("Q4", 30, indicator("shared", linear(pct(85), pct(90)))),
    ))
    model = scheme(soc, cquin=pct("2.5"), contract=Fraction(40_000_000))
    result = evaluate(model, measured(model, {
        "SOC.audit Q1": "achieved", "SOC.shared Q2": "87%", "SOC.shared Q4": "88%",
    }))
    assert earned(result) == {"SOC": "490000.00"}
    assert result.goals[0].attainment == Fraction(49, 100)
    assert result.not_reported() == [("SOC", "shared", "Q3")]


def test_model_case_08_outturn_and_national() -> None:
    """Case 08 as a model: percentages are taken on the outturn; national and local split."""
    header = Header(
        "Outturn",
        contract_value=Located(Fraction(100_000_000)),
        outturn_value=Located(Fraction(104_000_000)),
        cquin_value=Located(ShareOfContract(pct("2.5"))),
        national_value=Located(ShareOfContract(pct("0.5"))),
    )
    nat = goal("NAT", indicator("n", linear(pct(60), pct(80))), weight=pct(20),
               scope=Located("national"))
    loc = goal("LOC", Indicator("l", None, measure=Located("evidence"), pay=evidence_rule()),
               weight=pct(80))
    model = Scheme(header, (nat, loc))
    document = evaluate(model, measured(model, {"NAT.n": "70%", "LOC.l": "yes"})).to_dict()
    assert document["cquin_value"] == "2600000.00"
    assert document["national"] == {"available": "520000.00", "earned": "260000.00"}
    assert document["local"] == {"available": "2080000.00", "earned": "2080000.00"}
    assert document["earned_percent"] == "90.0"


# ---- money rules -----------------------------------------------------------------------


def test_largest_remainder_gives_the_odd_penny_to_the_first() -> None:
    """£1,000,000.01 split 50/50 is £500,000.01 and £500,000.00 (section 7)."""
    model = scheme(
        goal("A", indicator("x", linear(pct(0), pct(100))), weight=pct(50)),
        goal("B", indicator("x", linear(pct(0), pct(100))), weight=pct(50)),
        cquin=Fraction(100_000_001, 100),
    )
    compiled = compile_scheme(model)
    assert [g.available for g in compiled.goals] == [Fraction(50_000_001, 100),
                                                     Fraction(50_000_000, 100)]
    assert sum(g.available for g in compiled.goals) == compiled.cquin_value


def test_largest_remainder_thirds_add_up() -> None:
    """Three equal weights of £100 are £33.34, £33.33, £33.33: the goals total the cquin value."""
    third = Fraction(1, 3)
    model = scheme(*(goal(c, indicator("x", linear(pct(0), pct(100))), weight=third)
                     for c in "ABC"), cquin=Fraction(100))
    result = evaluate(model, measured(model, {"A.x": "100%", "B.x": "100%", "C.x": "100%"}))
    assert [g["available"] for g in result.to_dict()["goals"]] == ["33.34", "33.33", "33.33"]
    assert result.to_dict()["earned"] == "100.00"


def test_cquin_value_share_of_contract_is_rounded_half_up() -> None:
    """2.5% of £100.02 is £2.5005 exactly, paid as £2.50; 2.5% of £100.30 is £2.5075 → £2.51."""
    one = goal("A", indicator("x", linear(pct(0), pct(100))), weight=Fraction(1))
    assert compile_scheme(scheme(one, cquin=pct("2.5"), contract=Fraction(10002, 100))
                          ).cquin_value == Fraction(250, 100)
    assert compile_scheme(scheme(one, cquin=pct("2.5"), contract=Fraction(10030, 100))
                          ).cquin_value == Fraction(251, 100)


# ---- statuses, combining, gates --------------------------------------------------------


def test_goal_with_no_measurements_is_not_reported() -> None:
    """No measurement for any indicator: the goal and its indicators are not reported, £0."""
    model = scheme(goal("A", indicator("x", linear(pct(0), pct(100))),
                        indicator("y", linear(pct(0), pct(100))), weight=Fraction(1)))
    result = evaluate(model, Measurements())
    assert result.goals[0].status == "not reported"
    assert result.goals[0].earned == 0
    assert [i.status for i in result.goals[0].indicators] == ["not reported"] * 2
    assert result.not_reported() == [("A", "x", "year"), ("A", "y", "year")]


def test_one_missing_indicator_pays_zero_but_goal_is_assessed() -> None:
    """A goal with some data is assessed; its missing indicator attains 0."""
    model = scheme(goal("A", indicator("x", linear(pct(0), pct(100))),
                        indicator("y", linear(pct(0), pct(100))), weight=Fraction(1)))
    result = evaluate(model, measured(model, {"A.x": "100%"}))
    assert result.goals[0].status == "partially met"
    assert result.goals[0].attainment == Fraction(1, 2)


def test_gate_below_one_pays_nothing_and_gate_carries_no_weight() -> None:
    """A gate is outside the weights; unless it is met the goal pays nothing."""
    gate = Indicator("g", None, measure=Located("evidence"), gate=Located(True),
                     pay=evidence_rule())
    model = scheme(goal("A", gate, indicator("x", linear(pct(0), pct(100))), weight=Fraction(1)),
                   cquin=Fraction(1000))
    open_gate = evaluate(model, measured(model, {"A.g": "achieved", "A.x": "40%"}))
    assert earned(open_gate) == {"A": "400.00"}
    shut_gate = evaluate(model, measured(model, {"A.g": "not achieved", "A.x": "100%"}))
    assert earned(shut_gate) == {"A": "0.00"}
    assert shut_gate.goals[0].status == "not met"


def test_parts_combine_inside_goals() -> None:
    """A part with `combine all` inside a weighted goal, and values as weights."""
    both = Part("both", None, weight=Located(pct(50)), combine=Combine("all"), items=(
        indicator("inpatients", all_or_nothing(pct(30))), indicator("ae", all_or_nothing(pct(20)))))
    other = indicator("other", linear(pct(0), pct(100)), weight=Located(pct(50)))
    model = scheme(goal("A", both, other, weight=Fraction(1)), cquin=Fraction(1000))
    result = evaluate(model, measured(model, {
        "A.both.inpatients": "35%", "A.both.ae": "20%", "A.other": "50%"}))
    assert earned(result) == {"A": "750.00"}
    names = [i["name"] for i in result.to_dict()["goals"][0]["indicators"]]
    assert names == ["both.inpatients", "both.ae", "other"]
    missed = evaluate(model, measured(model, {
        "A.both.inpatients": "35%", "A.both.ae": "19%", "A.other": "50%"}))
    assert earned(missed) == {"A": "250.00"}


def test_values_as_item_weights() -> None:
    """Items with `value £X` weigh X / the goal's money."""
    a = indicator("a", linear(pct(0), pct(100)), value=Located(Fraction(300)))
    b = indicator("b", linear(pct(0), pct(100)), value=Located(Fraction(700)))
    model = scheme(goal("A", a, b, value=Fraction(1000)), cquin=Fraction(1000))
    result = evaluate(model, measured(model, {"A.a": "100%", "A.b": "0%"}))
    assert earned(result) == {"A": "300.00"}


def test_combine_at_least() -> None:
    """`combine at least 2`: two of three met pays in full, one pays nothing."""
    items = [indicator(n, all_or_nothing(pct(50))) for n in "abc"]
    model = scheme(goal("S", *items, weight=Fraction(1), combine=Combine("at least", 2)),
                   cquin=Fraction(900))
    two = evaluate(model, measured(model, {"S.a": "60%", "S.b": "50%", "S.c": "10%"}))
    one = evaluate(model, measured(model, {"S.a": "60%", "S.b": "49%", "S.c": "10%"}))
    assert (earned(two), earned(one)) == ({"S": "900.00"}, {"S": "0.00"})


def test_goal_combine_works_inside_periods_which_combine_by_shares() -> None:
    """A goal's `combine minimum` takes the weakest item of each period; the periods then
    combine by their shares (section 6), not by the goal's `combine`."""
    periods = tuple(
        Period(name, Located(pct(50)), items=(indicator("x", linear(pct(0), pct(100))),
                                              indicator("y", linear(pct(0), pct(100)))))
        for name in ("H1", "H2")
    )
    model = scheme(goal("P", weight=Fraction(1), periods=periods, combine=Combine("minimum")),
                   cquin=Fraction(1000))
    result = evaluate(model, measured(model, {"P.x H1": "80%", "P.y H1": "90%",
                                              "P.x H2": "40%", "P.y H2": "30%"}))
    assert earned(result) == {"P": "550.00"}
    assert result.goals[0].periods == (("H1", "partially met"), ("H2", "partially met"))


def test_goal_at_least_over_a_single_period_pays_in_full() -> None:
    """Issue 10, defect 1: "two of three questions, assessed in Q4" as `combine at least 2`
    on the goal with the questions in `period Q4 100%`: all met pays in full."""
    questions = tuple(indicator(name, all_or_nothing(pct(60))) for name in ("q1", "q2", "q3"))
    model = scheme(goal("STAFF", weight=Fraction(1), combine=Combine("at least", 2),
                        periods=(Period("Q4", Located(Fraction(1)), items=questions),)),
                   cquin=Fraction(100_000))
    every = evaluate(model, measured(model, {f"STAFF.{q} Q4": "65%" for q in ("q1", "q2", "q3")}))
    two = evaluate(model, measured(model, {"STAFF.q1 Q4": "65%", "STAFF.q2 Q4": "55%",
                                           "STAFF.q3 Q4": "70%"}))
    one = evaluate(model, measured(model, {"STAFF.q1 Q4": "65%", "STAFF.q2 Q4": "55%",
                                           "STAFF.q3 Q4": "50%"}))
    assert [earned(r) for r in (every, two, one)] == [
        {"STAFF": "100000.00"}, {"STAFF": "100000.00"}, {"STAFF": "0.00"}]
    assert every.goals[0].status == "met"
    assert every.goals[0].periods == (("Q4", "met"),)


def test_baseline_thresholds_and_rule_text() -> None:
    """Baseline arithmetic is applied, and the rule is written back in words with `; `."""
    rule = PayRule("table", (
        Row(FixedPay(Fraction(1)), ValueIs(">=", Baseline("+", Quantity(pct(5), "points")))),
        Row(FixedPay(pct(50)), ValueIs(">=", Baseline("*", Quantity(pct(105), "percent")))),
        Row(FixedPay(Fraction(0)), None),
    ))
    survey = indicator("survey", rule, baseline=Located(Quantity(pct("62.5"), "percent")))
    assert rule_text(rule) == ("100% when value >= baseline + 5pp; "
                               "50% when value >= baseline * 105%; 0% otherwise")
    model = scheme(goal("S", survey, weight=Fraction(1)), cquin=Fraction(1000))
    assert earned(evaluate(model, measured(model, {"S.survey": "66%"}))) == {"S": "500.00"}
    assert earned(evaluate(model, measured(model, {"S.survey": "67.5%"}))) == {"S": "1000.00"}


def test_number_measure_linear_lower_is_better() -> None:
    """`linear from 30 to 20` on a count: 24 attains 0.6."""
    cdiff = indicator("cdiff", linear(Fraction(30), Fraction(20), "number"),
                      measure=Located("number"))
    model = scheme(goal("H", cdiff, weight=Fraction(1)), cquin=Fraction(375_000))
    result = evaluate(model, measured(model, {"H.cdiff": 24}))
    assert result.goals[0].indicators[0].attainment == Fraction(3, 5)
    assert result.goals[0].indicators[0].rule == "linear from 30 to 20"
    assert earned(result) == {"H": "225000.00"}


def test_scheme_with_errors_does_not_crash() -> None:
    """A scheme that does not check clean still evaluates: no weight, no rule, no baseline."""
    broken = Indicator("b", None, pay=PayRule("linear", (
        Row(LinearPay(Baseline("", None), fixed(pct(90))), None),)))
    no_rule = Indicator("n", None)
    model = Scheme(Header("Broken"), (
        Goal("X", "no money", items=(broken, no_rule)),
        Goal("E", "empty", weight=Located(Fraction(1))),
    ))
    result = evaluate(model, measured(model, {"X.b": "50%", "X.n": "50%"}))
    document = result.to_dict()
    assert document["cquin_value"] == "0.00"
    assert [g["earned"] for g in document["goals"]] == ["0.00", "0.00"]
    assert [i["attainment"] for i in document["goals"][0]["indicators"]] == ["0.000000"] * 2


def test_evaluate_accepts_a_mapping_and_a_compiled_scheme() -> None:
    """The same result from a Scheme with Measurements and a CompiledScheme with a mapping."""
    model = scheme(goal("A", indicator("x", linear(pct(0), pct(100))), weight=Fraction(1)))
    first = evaluate(model, measured(model, {"A.x": "25%"}))
    second = evaluate(compile_scheme(model), {"A.x": "25%"})
    assert first == second
    with pytest.raises(CquinError) as raised:
        evaluate(model, {"A.y": "25%"})
    assert raised.value.diagnostics[0].code == "E103"


# ---- the section 12 document -----------------------------------------------------------


def spec_example_result() -> Result:
    """The section 1 example as the spec numbers it (the first line is the scheme line)."""
    case = CONFORMANCE / "01-spec-example"
    text = (case / "rulebook.cquin").read_text(encoding="utf-8")
    assert text.startswith("# ")
    text = text.split("\n", 1)[1]
    parsed, diagnostics = parse(text)
    assert parsed is not None, diagnostics
    data, problems = read_measurements(case / "data.csv", parsed)
    assert data is not None, problems
    return evaluate(parsed, data)


def test_section_12_document_shape() -> None:
    """The JSON document has section 12's keys, order and FLU line exactly."""
    document = json.loads(spec_example_result().to_json())
    assert list(document) == ["scheme", "provider", "year", "cquin_value", "earned",
                              "earned_percent", "national", "local", "goals", "diagnostics",
                              "commissioners", "earned_percents"]
    assert document["goals"][0] == {
        "code": "FLU",
        "title": "Improving the uptake of flu vaccinations by frontline clinical staff",
        "scope": "national",
        "domains": ["safety"],
        "available": "600000.00",
        "attainment": "0.533333",
        "earned": "320000.00",
        "status": "partially met",
        "indicators": [{"name": "uptake", "period": "year", "value": "0.68", "measured": "68%",
                        "attainment": "0.533333", "status": "partially met",
                        "rule": "linear from 60% to 75%", "line": 17,
                        "rule_rows": [{
                            "pays": "linear from 60% to 75%", "condition": None,
                            "words": "a straight-line share, nothing at 60% or worse and all at "
                                     "75% or better",
                            "line": 17, "implied": None,
                        }],
                        "rule_sentence": "Pays a straight-line share, nothing at 60% or worse "
                                         "and all at 75% or better.",
                        "title": "Frontline clinical staff vaccinated",
                        "data_source": "Staff flu vaccination return"}],
        "rule": "paid on uptake",
    }
    assert (document["scheme"], document["provider"], document["year"]) == (
        "Northshire Health and Care CQUIN 2018/19", "Northshire Health and Care NHS Trust",
        "2018/19")
    assert document["national"] == {"available": "600000.00", "earned": "320000.00"}
    assert document["diagnostics"] == []
    assert document["commissioners"] == ["NHS Northshire CCG"]


def test_section_12_rules_values_and_periods() -> None:
    """Tables are joined with `; `, fractions show as exact decimals, evidence in words."""
    goals = {g["code"]: g for g in spec_example_result().to_dict()["goals"]}
    aed = goals["AED"]["indicators"][0]
    assert aed["rule"] == ("100% when value <= baseline * 80%; 50% when value <= baseline * 90%;"
                           " 0% otherwise")
    assert aed["value"] == "212"
    assert goals["CMA"]["indicators"][1]["value"] == "0.7"
    assert goals["CMA"]["indicators"][0]["rule"] == "100% when value >= 90%"
    rec = goals["REC"]
    assert rec["periods"] == {"Q2": "met", "Q4": "not met"}
    assert [(i["period"], i["value"], i["rule"]) for i in rec["indicators"]] == [
        ("Q2", "achieved", "100% when achieved"), ("Q4", "not achieved", "100% when achieved")]
    assert "periods" not in goals["FLU"]


def test_json_is_deterministic() -> None:
    """The same inputs, in any row order, give byte-identical JSON."""
    case = CONFORMANCE / "01-spec-example"
    parsed, _ = parse((case / "rulebook.cquin").read_text(encoding="utf-8"))
    assert parsed is not None
    rows = (case / "data.csv").read_text(encoding="utf-8").splitlines()
    forwards, _ = read_measurements(case / "data.csv", parsed)
    backwards, _ = parse_measurements("\n".join([rows[0], *reversed(rows[1:])]), "x.csv", parsed)
    assert forwards is not None and backwards is not None
    texts = {evaluate(parsed, forwards).to_json(), evaluate(parsed, forwards).to_json(),
             evaluate(compile_scheme(parsed), backwards).to_json()}
    assert len(texts) == 1


# ---- each goal's rule in words ---------------------------------------------------------

SENTENCE_HEADER = """scheme "Sentences" {
  provider "P"
  commissioner "NHS North CCG"
  commissioner "NHS South CCG"
  year 2018/19
  contract value £10,000,000
  cquin value £100,000
}
"""

LINEAR = "{ pay linear from 50% to 90% }"
GATE = "{ gate measure evidence pay 100% when achieved }"


def goal_sentence(body: str) -> str:
    """The rule sentence of a single goal (weight 100%) whose statements are `body`."""
    text = f'{SENTENCE_HEADER}goal G "A goal" {{\n domain safety\n weight 100%\n{body}\n}}\n'
    parsed, diagnostics = parse(text)
    assert parsed is not None, diagnostics
    (goal,) = compile_scheme(parsed).goals
    assert goal.rule_text == goal_rule_text(goal)
    return goal.rule_text


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (f"indicator uptake {LINEAR}", "paid on uptake"),
        ("indicator a { weight 40% pay linear from 0% to 1% } indicator b { weight 60% "
         "pay linear from 0% to 1% }", "weighted: a 40%, b 60%"),
        (f"indicator a {LINEAR} indicator b {LINEAR} indicator c {LINEAR}",
         "weighted equally: a, b, c"),
        (f"combine minimum indicator x {LINEAR} indicator y {LINEAR}",
         "the weakest of: x, y"),
        (f"combine all indicator x {LINEAR} indicator y {LINEAR}", "all of: x, y"),
        (f"combine at least 2 indicator a {LINEAR} indicator b {LINEAR} indicator c {LINEAR}",
         "at least 2 of: a, b, c"),
        (f"indicator ulcers {LINEAR} indicator training {GATE}",
         "paid on ulcers; unlocked by: training"),
        (f"combine all indicator x {LINEAR} indicator audit {GATE} indicator y {LINEAR}",
         "all of: x, y; unlocked by: audit"),
        (f"indicator audit {GATE}", "in full; unlocked by: audit"),
        (f"part clinical {{ weight 80% combine all indicator a {LINEAR} indicator b {LINEAR} }}"
         f" indicator survey {{ weight 20% pay linear from 0% to 1% }}",
         "weighted: clinical 80% (all of: a, b), survey 20%"),
        (f"part p {{ indicator a {LINEAR} indicator g {GATE} }} part q {{ combine minimum "
         f"indicator a {LINEAR} indicator b {LINEAR} }}",
         "weighted equally: p (a; unlocked by: g), q (the weakest of: a, b)"),
        ("period Q2 50% { indicator plan { measure evidence pay 100% when achieved } }"
         " period Q4 50% { indicator plan { measure evidence pay 100% when achieved } }",
         "by period: Q2 50% (plan), Q4 50% (plan)"),
        (f"period H1 25% {{ indicator a {LINEAR} }} period H2 75% {{ combine all "
         f"indicator a {LINEAR} indicator b {LINEAR} }}",
         "by period: H1 25% (a), H2 75% (all of: a, b)"),
        (f"combine all period Q1 50% {{ indicator a {LINEAR} }} period Q3 50% {{ "
         f"indicator a {LINEAR} indicator g {GATE} }}",
         "by period: Q1 50% (a), Q3 50% (a; unlocked by: g)"),
        (f"combine at least 1 period Q1 50% {{ indicator a {LINEAR} }} period Q2 50% {{ "
         f"indicator a {LINEAR} }}",
         "by period: Q1 50% (at least 1 of: a), Q2 50% (at least 1 of: a)"),
    ],
    ids=["single", "weighted", "equal", "minimum", "all", "at-least", "gate", "all-gate",
         "gate-only", "part", "parts-nested", "periods", "period-combine", "periods-all",
         "periods-at-least"],
)
def test_goal_rule_in_words(body: str, sentence: str) -> None:
    """Each combine form, gates, parts and periods read as one short sentence."""
    assert goal_sentence(body) == sentence


def test_goal_rule_value_weights_are_percentages() -> None:
    """Items weighted by `value £X` show their share of the parent's money (to 2 places)."""
    body = ("indicator a { value £33,333.33 pay linear from 0% to 1% } "
            "indicator b { value £66,666.67 pay linear from 0% to 1% }")
    assert goal_sentence(body) == "weighted: a 33.33%, b 66.67%"


def test_result_document_carries_goal_rules_and_commissioners() -> None:
    """`to_dict()` gives each goal its sentence (after its indicators) and the commissioners."""
    text = f'{SENTENCE_HEADER}goal G "A goal" {{ domain safety weight 100% combine minimum ' \
           f"indicator x {LINEAR} indicator y {LINEAR} }}\n"
    parsed, diagnostics = parse(text)
    assert parsed is not None, diagnostics
    document = evaluate(parsed, {"G.x": "70%", "G.y": "90%"}).to_dict()
    assert document["commissioners"] == ["NHS North CCG", "NHS South CCG"]
    (goal,) = document["goals"]
    assert list(goal)[-2:] == ["indicators", "rule"]
    assert goal["rule"] == "the weakest of: x, y"
    assert [i["rule"] for i in goal["indicators"]] == ["linear from 50% to 90%"] * 2
