"""The checker: every code of section 9 that needs no framework, at the place it points."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
from helpers import case_params, conformance_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.check.rule_analysis import analyse
from cquin_rules.check.scheme import check
from cquin_rules.semantics.rules import CompiledRule, Observation, compile_rule
from cquin_rules.syntax.model import (
    DenominatorBelow,
    Direction,
    Fixed,
    FixedPay,
    Indicator,
    LinearPay,
    Located,
    Measure,
    Payout,
    PayRule,
    Quantity,
    Reported,
    Row,
    ValueIs,
)
from cquin_rules.syntax.parser import parse

CONFORMANCE = Path(__file__).parent / "conformance"


def diagnose(text: str) -> list[Diagnostic]:
    """Parse (which must succeed cleanly) and check."""
    scheme, problems = parse(text)
    assert scheme is not None and problems == [], problems
    return check(scheme)


def pairs(text: str) -> list[tuple[str, int]]:
    return sorted((d.code, d.line) for d in diagnose(text))


def line(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`th line holding `needle`."""
    hits = [n for n, text_line in enumerate(text.splitlines(), 1) if needle in text_line]
    return hits[occurrence - 1]


HEADER = """scheme "Checks" {
  provider "P"
  commissioner "C"
  year 2018/19
  cquin value £100,000
}
"""


def one_indicator(body: str, goal_extra: str = "") -> str:
    """A clean one-goal rulebook whose only indicator has `body`."""
    return HEADER + f"""
goal A "Only" {{
  domain safety
  weight 100%
  {goal_extra}
  indicator x {{
    {body}
  }}
}}
"""


# ---- conformance and the spec example -------------------------------------------------


@pytest.mark.parametrize("case", case_params(conformance_cases(), "check"))
def test_conformance_check(case: Path) -> None:
    """Each conformance case that needs no framework gives exactly its [code, line] list."""
    expected = json.loads((case / "expect.json").read_text(encoding="utf-8"))
    if "check" not in expected or "args" in expected:
        pytest.skip("needs a framework")
    text = (case / "rulebook.cquin").read_text(encoding="utf-8")
    scheme, problems = parse(text)
    found = [(d.code, d.line) for d in problems]
    if scheme is not None:
        found += [(d.code, d.line) for d in check(scheme)]
    assert sorted(found) == sorted((c, n) for c, n in expected["check"]["diagnostics"])


def test_framework_case_has_no_framework_free_problems() -> None:
    """Case 15's problems all come from its framework: the checker alone finds none."""
    text = (CONFORMANCE / "15-framework" / "rulebook.cquin").read_text(encoding="utf-8")
    assert diagnose(text) == []


# ---- header and money -----------------------------------------------------------------


def test_missing_cquin_value_is_e105_at_the_scheme() -> None:
    """A scheme with no `cquin value` is E105 at its `scheme` line."""
    text = HEADER.replace("  cquin value £100,000\n", "") + """
goal A "a" { domain safety  weight 100%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == [("E105", 1)]


def test_share_of_contract_without_contract_is_e105() -> None:
    """`2.5% of contract` with neither contract nor outturn value is E105 at that statement."""
    text = HEADER.replace("cquin value £100,000", "cquin value 2.5% of contract") + """
goal A "a" { domain safety  weight 100%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == [("E105", 5)]


def test_goal_money_over_the_cquin_value_is_e201_with_both_totals() -> None:
    """Values totalling more than the cquin value: E201 names both totals and the difference."""
    text = HEADER + """
goal A "a" { domain safety  value £60,000  indicator x { pay linear from 50% to 90% } }
goal B "b" { domain safety  value £50,000.50  indicator x { pay linear from 50% to 90% } }
"""
    [problem] = diagnose(text)
    assert (problem.code, problem.line) == ("E201", 5)
    assert "£110,000.50" in problem.message and "£100,000.00" in problem.message
    assert "£10,000.50 over" in problem.message


def test_e201_compares_exact_amounts() -> None:
    """Halves of £100.01 total it exactly (no E201); £500 of an exact £500.005 is short."""
    text = HEADER.replace("£100,000", "£100.01") + """
goal A "a" { domain safety  weight 50%  indicator x { pay linear from 50% to 90% } }
goal B "b" { domain safety  weight 50%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == []
    odd = HEADER.replace(
        "cquin value £100,000", "contract value £1,000.01\n  cquin value 50% of contract"
    ) + """
goal A "a" { domain safety  value £500  indicator x { pay linear from 50% to 90% } }
"""
    [problem] = diagnose(odd)
    assert problem.code == "E201" and "less than a penny short" in problem.message
    assert "£500.005" in problem.message


def test_national_goals_without_national_value_is_e202_at_the_scheme() -> None:
    """National goals with no `national value`: E202 at the scheme line."""
    text = HEADER + """
goal N "n" { national  domain safety  weight 100%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == [("E202", 1)]


def test_national_value_mismatch_is_e202_at_the_national_value() -> None:
    """National goals' money differing from the national value: E202 at `national value`."""
    text = HEADER.replace("}\n", "  national value £30,000\n}\n", 1) + """
goal N "n" { national  domain safety  weight 20%  indicator x { pay linear from 50% to 90% } }
goal L "l" { domain safety  weight 80%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == [("E202", line(text, "national value"))]


def test_national_share_matches_exactly_before_rounding() -> None:
    """20% of a 2.5% scheme matches 0.5% national exactly, even on an odd contract value."""
    text = HEADER.replace(
        "cquin value £100,000",
        "contract value £1,234,567.89\n  cquin value 2.5% of contract\n"
        "  national value 0.5% of contract",
    ) + """
goal N "n" { national  domain safety  weight 20%  indicator x { pay linear from 50% to 90% } }
goal L "l" { domain safety  weight 80%  indicator x { pay linear from 50% to 90% } }
"""
    assert pairs(text) == []


# ---- goals, parts, periods --------------------------------------------------------------


def test_duplicate_and_reserved_goal_codes_are_e101() -> None:
    """A repeated goal code is E101 at the second; `total` and `expect` are reserved."""
    goal = 'goal {} "g" {{ domain safety  weight 25%  indicator x {{ pay 100% when reported }} }}\n'
    text = HEADER + "".join(goal.format(code) for code in ("A", "A", "total", "expect"))
    assert pairs(text) == [("E101", 8), ("E101", 9), ("E101", 10)]


def test_duplicate_items_and_periods_are_e102_at_the_second() -> None:
    """Sibling indicators or parts sharing a name, and a repeated period block, are E102."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 50%
  indicator x { pay linear from 50% to 90% }
  part x { indicator y { pay linear from 50% to 90% } }
}
goal B "b" {
  domain safety
  weight 50%
  period Q1 50% { indicator x { pay linear from 50% to 90% } }
  period Q1 50% { indicator x { pay linear from 50% to 90% } }
}
"""
    assert pairs(text) == [("E102", line(text, "part x")), ("E102", line(text, "period Q1", 2))]


def test_missing_statements_are_e105() -> None:
    """A goal without a domain, an indicator without pay, an empty part and period are E105."""
    text = HEADER + """
goal A "a" {
  weight 50%
  indicator x { measure percent }
  part p { }
}
goal B "b" {
  domain safety
  weight 50%
  period Q1 100% { }
}
goal C "c" { domain safety  weight 0% }
"""
    assert pairs(text) == [
        ("E105", line(text, 'goal A')),
        ("E105", line(text, "indicator x")),
        ("E105", line(text, "part p")),
        ("E105", line(text, "period Q1")),
        ("E105", line(text, "goal C")),
        ("W503", line(text, "goal C")),
    ]


def test_weights_not_totalling_100_is_e203_at_the_parent() -> None:
    """Item weights totalling 110% are E203 at the goal; inside a part, at the part."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  indicator x { weight 60%  pay linear from 50% to 90% }
  indicator y { weight 30%  pay linear from 50% to 90% }
  part p {
    weight 20%
    indicator u { weight 50%  pay linear from 50% to 90% }
    indicator v { weight 60%  pay linear from 50% to 90% }
  }
}
"""
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [("E203", 8), ("E203", line(text, "part p"))]
    assert "110%" in found[0].message and "110%" in found[1].message


def test_mixed_weights_and_weighted_gate_are_e203() -> None:
    """Some items weighted and some not is E203 at the goal; a gate with a weight at the gate."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  indicator x { weight 100%  pay linear from 50% to 90% }
  indicator y { pay linear from 50% to 90% }
  indicator g { gate  weight 10%  pay 100% when reported }
}
"""
    assert pairs(text) == [("E203", 8), ("E203", line(text, "indicator g"))]


def test_item_values_must_total_the_parent_money() -> None:
    """Indicator values must total their goal's money (E203); matching values are fine."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 50%
  indicator x { value £20,000  pay linear from 50% to 90% }
  indicator y { value £20,000  pay linear from 50% to 90% }
}
goal B "b" {
  domain safety
  value £50,000
  indicator x { value £25,000  pay linear from 50% to 90% }
  indicator y { value £25,000  pay linear from 50% to 90% }
}
"""
    [problem] = diagnose(text)
    assert (problem.code, problem.line) == ("E203", 8)
    assert "£40,000.00" in problem.message and "£50,000.00" in problem.message


def test_period_shares_not_totalling_100_is_e204_at_the_goal() -> None:
    """Period shares of 50% and 40% are E204 at the goal."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  period Q2 50% { indicator x { measure evidence  pay 100% when achieved } }
  period Q4 40% { indicator x { measure evidence  pay 100% when achieved } }
}
"""
    assert pairs(text) == [("E204", 8)]


def test_weight_and_value_both_or_neither_is_e205() -> None:
    """Both weight and value, or neither, is E205 for a goal, and for a part among weighted ones."""
    text = HEADER + """
goal A "a" { domain safety  weight 50%  value £50,000  indicator x { pay linear from 50% to 90% } }
goal B "b" { domain safety  indicator x { pay linear from 50% to 90% } }
goal C "c" {
  domain safety
  weight 50%
  indicator x { weight 50%  pay linear from 50% to 90% }
  part p { indicator y { pay linear from 50% to 90% } }
}
"""
    assert pairs(text) == [("E205", 8), ("E205", 9), ("E205", line(text, "part p"))]


def test_zero_weights_are_w503() -> None:
    """A 0% goal, a £0 indicator and a 0% period draw W503 (warnings, not errors)."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  indicator x { value £100,000  pay linear from 50% to 90% }
  indicator y { value £0  pay linear from 50% to 90% }
}
goal Z "z" {
  domain safety
  weight 0%
  period Q1 0% { indicator x { pay linear from 50% to 90% } }
  period Q2 100% { indicator x { pay linear from 50% to 90% } }
}
"""
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [
        ("W503", line(text, "indicator y")),
        ("W503", line(text, "goal Z")),
        ("W503", line(text, "period Q1")),
    ]
    assert all(d.severity == "warning" for d in found)


def test_combine_at_least_more_than_items_is_e409_at_the_combine() -> None:
    """`combine at least 3` over two items (a gate does not count) is E409 at the combine."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  combine at least 3
  indicator x { pay 100% when value >= 90% }
  indicator y { pay 100% when value >= 90% }
  indicator g { gate  pay 100% when reported }
}
"""
    assert pairs(text) == [("E409", line(text, "combine"))]


def test_goal_at_least_inherited_by_periods_too_small_is_e409_at_the_goal_combine() -> None:
    """Issue 10, defect 1: four indicators in two periods under the goal's `combine at least
    3` ask each period for 3 of its 2 items (section 6): E409 at the goal's combine, once
    per period, and never a clean check."""
    text = HEADER + """
goal AUD "Four audits, two per half" {
  domain safety
  weight 100%
  combine at least 3
  period Q2 50% {
    indicator a { pay 100% when value >= 60% }
    indicator b { pay 100% when value >= 60% }
  }
  period Q4 50% {
    indicator c { pay 100% when value >= 60% }
    indicator d { pay 100% when value >= 60% }
  }
}
"""
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [("E409", line(text, "combine"))] * 2
    assert [d.message for d in found] == [
        f"period {name} of goal AUD asks for at least 3 items met (the goal's `combine at "
        "least 3`), but has only 2" for name in ("Q2", "Q4")]


def test_goal_at_least_reaching_into_a_period_that_has_enough_checks_clean() -> None:
    """The staff survey, `combine at least 2` on the goal over `period Q4 100%` with three
    questions, checks clean; a period with its own combine does not take the goal's."""
    text = HEADER + """
goal STAFF "Two of three survey questions, assessed in Q4" {
  domain experience
  weight 100%
  combine at least 2
  period Q2 20% {
    combine weighted
    indicator plan { measure evidence pay 100% when achieved }
  }
  period Q4 80% {
    indicator q1 { pay 100% when value >= 60% }
    indicator q2 { pay 100% when value >= 60% }
    indicator q3 { pay 100% when value >= 60% }
  }
}
"""
    assert diagnose(text) == []


def test_period_at_least_too_many_is_e409_at_the_period_combine() -> None:
    """A period's own `combine at least 3` over two items is E409 at that combine."""
    text = HEADER + """
goal P "p" {
  domain safety
  weight 100%
  period H2 100% {
    combine at least 3
    indicator a { pay 100% when value >= 60% }
    indicator b { pay 100% when value >= 60% }
  }
}
"""
    assert pairs(text) == [("E409", line(text, "combine"))]


def test_combine_all_over_an_item_that_cannot_pay_in_full_is_e409_at_its_pay() -> None:
    """`combine all` with an item whose most is 80%: the rule is the cause, so E409 is at
    its `pay`, and the goal does not check clean."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  combine all
  indicator x { pay 100% when value >= 90% }
  part p {
    combine minimum
    indicator y { pay 80% when value >= 90% }
    indicator z { pay 100% when value >= 90% }
  }
}
"""
    assert pairs(text) == [("E409", line(text, "pay 80%"))]


# ---- examples ----------------------------------------------------------------------------


def test_examples_naming_unknown_things_are_e103() -> None:
    """Unknown goal, indicator, part path and periods in examples are E103, each at its line."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 50%
  part p { indicator x { pay linear from 50% to 90% } }
}
goal R "r" {
  domain safety
  weight 50%
  period Q2 100% { indicator plan { measure evidence  pay 100% when achieved } }
}
example "e" {
  A.p.x = 70%
  B.x = 70%
  A.x = 70%
  A.p = 70%
  A.p.x Q1 = 70%
  R.plan = achieved
  R.plan Q3 = achieved
  R.plan Q2 = achieved
  expect A.q status met
  expect R Q2 status met
  expect total = £50,000.00
}
"""
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [
        ("E103", line(text, n)) for n in
        ("B.x", "A.x =", "A.p =", "A.p.x Q1", "R.plan =", "R.plan Q3", "A.q")
    ]
    by_line = {d.line: d for d in found}
    hint = by_line[line(text, "R.plan =")].hint
    assert hint is not None and "Q2" in hint


def test_example_value_of_the_wrong_kind_is_e408() -> None:
    """Giving `achieved` to a percent indicator in an example is E408 at the line."""
    text = one_indicator("pay linear from 50% to 90%") + """
example "e" {
  A.x = achieved
}
"""
    assert pairs(text) == [("E408", line(text, "A.x ="))]


# ---- pay rule shape ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle", "code"),
    [
        ("pay linear from 60% to 60%", "pay", "E401"),
        ("baseline 60%\n pay linear from baseline to 60%", "pay", "E401"),
        ("pay 100% when value >= 110%", "pay", "E402"),
        ("baseline 98%\n pay 100% when value >= baseline + 5pp", "pay", "E402"),
        ("baseline 120%\n pay 100% when value >= 90%", "baseline", "E402"),
        ("measure number\n baseline 10\n pay linear from baseline - 20 to 30", "pay", "E402"),
        ("pay { 120% when value >= 90%  0% otherwise }", "pay", "E402"),
        ("baseline 62%\n pay 100% when value >= baseline + 5%", "pay", "E406"),
        ("baseline 62%\n pay 100% when value >= baseline - 5", "pay", "E406"),
        ("measure number\n baseline 62\n pay linear from baseline + 5% to 100", "pay", "E406"),
        ("pay 100% when value >= baseline + 5pp", "pay", "E407"),
        ("pay 100% when achieved", "pay", "E408"),
        ("measure number\n pay 100% when not achieved", "pay", "E408"),
        ("measure evidence\n pay 100% when value >= 50%", "pay", "E408"),
        ("measure evidence\n pay linear from 0% to 100%", "pay", "E408"),
        ("measure number\n pay { 100% when denominator < 5  0% otherwise }", "pay", "E408"),
        ("measure number\n minimum denominator 5\n pay linear from 0 to 10", "minimum", "E408"),
        ("measure number\n pay 100% when value >= 90%", "pay", "E408"),
        ("pay 100% when value >= 90", "pay", "E408"),
        ("baseline 62\n pay 100% when value >= baseline", "baseline", "E408"),
        ("measure number\n baseline 62\n pay 100% when value >= baseline + 5pp", "pay", "E408"),
    ],
)
def test_rule_shape_problem(body: str, needle: str, code: str) -> None:
    """Each shape problem gives exactly one diagnostic, of its code, at its statement."""
    text = one_indicator(body)
    wanted = next(n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith(needle))
    assert pairs(text) == [(code, wanted)]


def test_e406_points_at_the_threshold_expression_with_a_hint() -> None:
    """E406 points at `baseline + 5%` itself and offers `+ 5pp` and `* 105%`."""
    text = one_indicator("baseline 62%\n    pay 100% when value >= baseline + 5%")
    [problem] = diagnose(text)
    pay_line = text.splitlines()[problem.line - 1]
    assert problem.column == pay_line.index("baseline") + 1
    assert problem.hint is not None and "5pp" in problem.hint and "105%" in problem.hint


def test_every_problem_is_reported_not_only_the_first() -> None:
    """Two bad thresholds in one rule and a problem in another goal are all reported."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  indicator x { pay { 100% when value >= 120%  50% when value >= 95  0% otherwise } }
  indicator y { pay linear from 60% to 60% }
}
"""
    x, y = line(text, "indicator x"), line(text, "indicator y")
    assert pairs(text) == [("E401", y), ("E402", x), ("E408", x)]


# ---- direction ---------------------------------------------------------------------------


def test_declared_direction_contradicting_the_rule_is_e405() -> None:
    """`lower is better` over a rule paying more for higher values is E405 at the declaration."""
    text = one_indicator("lower is better\n    pay linear from 60% to 90%")
    assert pairs(text) == [("E405", line(text, "lower is better"))]
    bands = one_indicator("measure number\n    higher is better\n    pay { 100% when value <= 10"
                          "  50% when value <= 20  0% otherwise }")
    assert pairs(bands) == [("E405", line(bands, "higher is better"))]


def test_percent_paying_more_for_lower_values_must_say_so() -> None:
    """A percent rule that pays more for lower values with no declaration is E405 at `pay`
    (section 5); with `lower is better` it is clean."""
    rule = "pay { 100% when value <= 5%  50% when value <= 10%  0% otherwise }"
    text = one_indicator(rule)
    assert pairs(text) == [("E405", line(text, "pay {"))]
    assert pairs(one_indicator("lower is better\n    " + rule)) == []


def test_vaccination_line_falling_from_75_to_60_is_e405() -> None:
    """Issue 10 defect 2: `pay linear from 75% to 60%` on a rate no longer checks clean, and
    the message says what to add."""
    text = one_indicator("pay linear from 75% to 60%")
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [("E405", line(text, "pay linear"))]
    assert "pays more for lower values" in found[0].message
    assert found[0].hint is not None and "`lower is better`" in found[0].hint


def test_number_has_no_default_direction() -> None:
    """A number rule paying more for lower values needs no declaration: its rule shows it."""
    text = one_indicator("measure number\n    pay { 100% when value <= 10  0% otherwise }")
    assert pairs(text) == []
    assert pairs(one_indicator("measure number\n    pay linear from 30 to 10")) == []


def test_declared_direction_contradiction_stays_at_the_declaration() -> None:
    """With `higher is better` written over a falling percent rule, E405 is at the
    declaration, once, not also at `pay`."""
    text = one_indicator("higher is better\n    pay linear from 75% to 60%")
    assert pairs(text) == [("E405", line(text, "higher is better"))]


# ---- exact analysis: E403, E404, E409 ----------------------------------------------------


def test_perverse_band_for_lower_is_better_numbers() -> None:
    """For a number where lower is better, a tighter band paying less is E403 at that row."""
    text = one_indicator(
        "measure number\n    lower is better\n    pay {\n      50% when value <= 10\n"
        "      100% when value <= 20\n      0% otherwise\n    }"
    )
    assert pairs(text) == [("E403", line(text, "50% when"))]


def test_denominator_row_paying_less_than_the_value_rule_is_not_perverse() -> None:
    """Conformance 05's small-numbers row pays 50% for every value: monotone in the value."""
    text = one_indicator("pay { 50% when denominator < 20  100% when value >= 90%  0% otherwise }")
    assert pairs(text) == []


def test_perversity_only_at_small_denominators_is_found() -> None:
    """A rule perverse only for denominators below 20 is E403, and the message says so."""
    text = one_indicator(
        "pay {\n      linear from 50% to 90% when value >= 50%\n"
        "      100% when denominator < 20\n      0% otherwise\n    }"
    )
    found = diagnose(text)
    assert [(d.code, d.line) for d in found] == [("E403", line(text, "linear from 50%"))]
    assert "denominator from 1 to 19" in found[0].message


def test_linear_piece_falling_inside_a_band_is_e403() -> None:
    """A line that falls as the value rises, under a higher-is-better rule, is E403 at its row."""
    text = one_indicator(
        "higher is better\n    pay {\n      100% when value >= 90%\n"
        "      linear from 80% to 50% when value >= 50%\n      0% otherwise\n    }"
    )
    assert ("E403", line(text, "linear from 80%")) in pairs(text)


def test_payment_falling_just_above_a_threshold_is_e403() -> None:
    """50% at exactly 50% but close to 0% just above it: the line row is E403 (a limit case)."""
    text = one_indicator(
        "pay {\n      linear from 50% to 100% when value > 50%\n      50% otherwise\n    }"
    )
    [problem] = diagnose(text)
    assert (problem.code, problem.line) == ("E403", line(text, "linear from 50%"))
    assert "just above 50%" in problem.message


def test_goal_mixing_periods_and_items_is_reported() -> None:
    """A goal with period blocks and an item outside them is E001 at that item."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  period year 100% { indicator x { pay linear from 50% to 90% } }
  indicator y { pay linear from 50% to 90% }
}
"""
    assert pairs(text) == [("E001", line(text, "indicator y"))]


def test_gate_and_at_least_within_reach_are_clean() -> None:
    """A gate without weight beside weighted items, and `at least 2` of three, check clean."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  combine at least 2
  indicator g { gate  measure evidence  pay 100% when achieved }
  indicator x { weight 50%  pay 100% when value >= 90% }
  indicator y { weight 25%  pay 100% when value >= 90% }
  indicator z { weight 25%  pay linear from 50% to 90% }
}
"""
    assert pairs(text) == []


def test_evidence_not_achieved_paying_more_is_e403() -> None:
    """For evidence, paying more when not achieved is E403 at the row achieved reaches."""
    text = one_indicator(
        "measure evidence\n    pay {\n      100% when not achieved\n      50% otherwise\n    }"
    )
    assert pairs(text) == [("E403", line(text, "50% otherwise"))]


def test_rows_after_reported_never_match() -> None:
    """`reported` matches every measurement, so a row after it is E404 (otherwise is exempt)."""
    text = one_indicator(
        "pay {\n      100% when reported\n      50% when value >= 50%\n      0% otherwise\n    }"
    )
    assert pairs(text) == [("E404", line(text, "50% when"))]


def test_full_payment_unreachable_is_e409_at_pay() -> None:
    """A rule whose best row pays 80% is E409 at the `pay` statement, saying the best it pays."""
    text = one_indicator("pay 80% when value >= 90%")
    [problem] = diagnose(text)
    assert (problem.code, problem.line) == ("E409", line(text, "pay 80%"))
    assert "80%" in problem.message


def test_full_payment_only_at_a_point_not_in_the_rows_region_is_e409() -> None:
    """A line reaching 100% only at a value another row takes never pays in full: E409."""
    text = one_indicator(
        "pay {\n      50% when value >= 90%\n      linear from 60% to 90% otherwise\n    }"
    )
    found = pairs(text)
    assert ("E409", line(text, "pay {")) in found


def test_e409_states_the_supremum_a_line_approaches_below_a_row() -> None:
    """Issue 10, defect 6: `50% when value >= 90%` over `linear from 60% to 100%` pays
    close to 75% just below 90%; the message says so, and that 50% is the most paid."""
    text = one_indicator(
        "pay {\n      50% when value >= 90%\n      linear from 60% to 100% otherwise\n    }"
    )
    [problem] = [d for d in diagnose(text) if d.code == "E409"]
    assert problem.line == line(text, "pay {")
    assert problem.message.endswith(
        ": it pays close to 75% just below 90%, but never that much: the most any "
        "measurement earns is 50%")


def test_e409_says_the_most_paid_exactly_or_that_it_is_not_exact() -> None:
    """A best pay with an exact decimal is quoted exactly (62.5%); one without says `about`."""
    exact = one_indicator("pay 62.5% when value >= 90%")
    [problem] = diagnose(exact)
    assert problem.message.endswith("the most it pays is 62.5%")
    cut = one_indicator(
        "pay {\n      0% when value >= 20%\n      linear from 0% to 30% otherwise\n    }"
    )
    [close] = [d for d in diagnose(cut) if d.code == "E409"]
    assert "close to about 66.6667% just below 20%" in close.message


def test_minimum_denominator_makes_full_payment_reachable() -> None:
    """Conformance 05's implied small-numbers row counts as a measurement paying in full."""
    text = one_indicator("minimum denominator 20\n    pay 100% when value >= 90%")
    assert pairs(text) == []


def test_number_rule_beyond_the_last_threshold_is_analysed() -> None:
    """For numbers the values above every threshold count: a top band paying less is E403."""
    text = one_indicator(
        "measure number\n    pay {\n      20% when value > 100\n"
        "      linear from 0 to 100 otherwise\n    }"
    )
    assert pairs(text) == [("E403", line(text, "20% when"))]


# ---- property: the exact analysis agrees with brute force ---------------------------------

MEASURES: list[Measure] = ["percent", "number"]
GRID = [Fraction(n, 10) for n in range(11)]
PAYS = [Fraction(n, 4) for n in range(5)]
EPSILON = Fraction(1, 10_000)


def percent_threshold(value: Fraction) -> Fixed:
    return Fixed(Quantity(value, "percent"))


def number_threshold(value: Fraction) -> Fixed:
    return Fixed(Quantity(value * 50, "number"))


@st.composite
def payouts(draw: st.DrawFn, measure: Measure) -> Payout:
    make = percent_threshold if measure == "percent" else number_threshold
    if draw(st.booleans()):
        return FixedPay(draw(st.sampled_from(PAYS)))
    start, end = draw(st.lists(st.sampled_from(GRID), min_size=2, max_size=2, unique=True))
    return LinearPay(make(start), make(end))


@st.composite
def indicators(draw: st.DrawFn, measure: Measure) -> Indicator:
    """A single indicator with random rows over a small grid of thresholds."""
    make = percent_threshold if measure == "percent" else number_threshold
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["value", "value", "value", "denominator", "reported"]))
        if kind == "value":
            condition: ValueIs | DenominatorBelow | Reported = ValueIs(
                draw(st.sampled_from([">=", ">", "<=", "<"])), make(draw(st.sampled_from(GRID)))
            )
        elif kind == "denominator" and measure == "percent":
            condition = DenominatorBelow(draw(st.sampled_from([1, 2, 5, 20])))
        else:
            condition = Reported()
        rows.append(Row(draw(payouts(measure)), condition))
    rows.append(Row(draw(payouts(measure)), None))
    minimum = draw(st.sampled_from([None, 10])) if measure == "percent" else None
    return Indicator(
        "x", None, measure=Located(measure),
        minimum_denominator=None if minimum is None else Located(minimum),
        pay=PayRule("table", tuple(rows)),
    )


def brute_force(
    rule: CompiledRule, measure: Measure, direction: Direction
) -> tuple[set[int], bool, set[int]]:
    """Rows reached, whether 100% is paid, and rows paying less than some worse value,
    from evaluating the rule at many points (every breakpoint, each side of it, midpoints)."""
    marks = {Fraction(0), Fraction(1) if measure == "percent" else Fraction(0)}
    for row in rule.rows:
        if row.threshold is not None:
            marks.add(row.threshold)
        pays = row.pays
        if not isinstance(pays, Fraction):
            marks.update((pays.start, pays.end))
    ordered = sorted(marks)
    points = set(ordered)
    points.update(m + d for m in ordered for d in (EPSILON, -EPSILON))
    points.update((a + b) / 2 for a, b in itertools.pairwise(ordered))
    top = Fraction(1) if measure == "percent" else max(ordered) + 10
    points.update(Fraction(n, 100) * top for n in range(101))
    values = sorted(p for p in points if Fraction(0) <= p <= top)
    limits = {r.denominator_below for r in rule.rows if r.denominator_below is not None}
    denominators: set[int | None] = {None, 1, 1000}
    denominators.update(d for n in limits for d in (n - 1, n, n + 1) if d >= 1)
    if measure == "number":
        denominators = {None}
    reached: set[int] = set()
    full = False
    perverse: set[int] = set()
    for denominator in denominators:
        results = [rule.apply(Observation(v, denominator)) for v in values]
        if direction == "lower":
            results.reverse()
        best_so_far = None
        for pays, index in results:
            reached.add(index)
            full = full or pays == 1
            if best_so_far is not None and pays < best_so_far:
                perverse.add(index)
            best_so_far = pays if best_so_far is None else max(best_so_far, pays)
    return reached, full, perverse


@settings(max_examples=max(500, settings().max_examples), deadline=None)
@given(st.sampled_from(MEASURES).flatmap(indicators),
       st.sampled_from(["higher", "lower"]))
def test_exact_analysis_agrees_with_brute_force(indicator: Indicator, direction: Direction) -> None:
    """E403/E404/E409 from the interval reasoning match evaluating the rule on a fine grid."""
    rule = compile_rule(indicator)
    assert rule is not None
    measure = indicator.measure_kind
    analysis = analyse(rule, measure, direction)
    reached, full, perverse = brute_force(rule, measure, direction)
    assert set(analysis.reached) == reached
    assert (analysis.best == 1) == full
    assert set(analysis.perverse) == perverse


def test_a_threshold_is_quoted_exactly_as_written() -> None:
    """Messages quote a threshold as written, every decimal place kept (not rounded)."""
    (found,) = diagnose(one_indicator("measure number  pay 100% when value >= 62.12345%"))
    assert found.code == "E408"
    assert "62.12345%" in found.message
