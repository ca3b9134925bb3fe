"""Soundness, proved by test: a clean check means the scheme pays as written.

The checker's witness (`witness.witnesses`: for each indicator, the measurement its rule
pays most for and one it pays nothing for, taken from the checker's own traces) is
evaluated by the evaluator. Whenever `check` finds no error, the full witness pays every
goal its available money and the cquin value in total, and the empty witness pays £0;
whenever its only errors are E409, the full witness leaves some goal or some indicator
short, so the finding was real. Any gap between what the checker proves and what the evaluator pays
fails here.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from strategies import schemes, slipped_schemes

from cquin_rules.api import loads
from cquin_rules.check.scheme import check
from cquin_rules.check.witness import witnesses
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.syntax.model import PercentValue, Ratio, Scheme


def assert_witnesses_agree_with_check(scheme: Scheme) -> bool:
    """The law above for one scheme; True when the scheme checked clean."""
    errors = [d for d in check(scheme) if d.severity == "error"]
    full, none = witnesses(scheme)
    paid = evaluate(scheme, full)
    nothing = evaluate(scheme, none)
    if scheme.header.deemed_achieved is not None:
        # A deemed scheme pays every goal in full whatever is measured (section 3).
        for result in (paid, nothing):
            assert [g.earned for g in result.goals] == [g.available for g in result.goals]
        return not errors
    assert [g.earned for g in nothing.goals] == [Fraction(0)] * len(scheme.goals)
    if not errors:
        for goal in paid.goals:
            assert (goal.code, goal.attainment, goal.earned) == (goal.code, 1, goal.available)
        assert paid.earned == paid.cquin_value
        return True
    if {d.code for d in errors} == {"E409"}:
        # The finding is real: some goal falls short, or some indicator's own rule never
        # pays in full (E409 at its `pay`), even where `at least K` lets the goal do without it.
        short = [g.code for g in paid.goals if g.attainment < 1] + [
            ".".join((i.goal, *i.path)) for g in paid.goals for i in g.indicators
            if i.attainment < 1
        ]
        assert short, errors
    return False


@given(st.data())
def test_a_clean_check_is_paid_in_full_by_its_witness_and_nothing_by_the_other(
    data: st.DataObject,
) -> None:
    """Over generated rulebooks (periods, parts, gates, every combine mode, a goal's combine
    over periods, and slips one change from valid): check clean ⇒ the full witness pays every
    goal in full and the zero witness pays £0; E409 alone ⇒ some goal or indicator falls short."""
    scheme = data.draw(st.one_of(schemes(), slipped_schemes()))
    assert_witnesses_agree_with_check(scheme)


STAFF = """scheme "s" { cquin value £100,000 }
goal STAFF "Two of three, assessed in Q4" {
  domain experience
  weight 100%
  combine at least 2
  period Q4 100% {
    indicator q1 { pay 100% when value >= 60% }
    indicator q2 { pay 100% when value >= 60% }
    indicator q3 { pay 100% when value >= 60% }
  }
}
"""


def test_witness_of_the_staff_survey_meets_every_question() -> None:
    """The staff survey checks clean, and its witness (60% for each question, the least
    that pays in full) earns £100,000.00; the other witness earns £0.00."""
    scheme = loads(STAFF).scheme
    full, none = witnesses(scheme)
    assert full == {f"STAFF.{q} Q4": PercentValue(Fraction(3, 5)) for q in ("q1", "q2", "q3")}
    assert none == {f"STAFF.{q} Q4": PercentValue(Fraction(0)) for q in ("q1", "q2", "q3")}
    assert assert_witnesses_agree_with_check(scheme)


def test_four_in_two_periods_under_at_least_3_is_not_clean_and_falls_short() -> None:
    """`combine at least 3` over two periods of two: E409, and its best measurements pay 0."""
    text = STAFF.replace("combine at least 2", "combine at least 3").replace(
        "period Q4 100% {", "period Q2 50% {\n indicator a { pay 100% when value >= 60% }\n"
        " indicator b { pay 100% when value >= 60% }\n }\n period Q4 50% {").replace(
        "    indicator q3 { pay 100% when value >= 60% }\n", "")
    scheme = loads(text).scheme
    assert [d.code for d in check(scheme)] == ["E409", "E409"]
    assert not assert_witnesses_agree_with_check(scheme)
    assert evaluate(scheme, witnesses(scheme)[0]).goals[0].earned == 0


def test_witness_takes_a_small_denominator_when_only_that_row_pays_in_full() -> None:
    """A rule paying 100% only below 20 cases is paid in full by a measurement with a
    small denominator (0/1), which the evaluator pays as the checker says."""
    scheme = loads("""scheme "s" { cquin value £1,000 }
goal G "g" {
  domain safety
  weight 100%
  indicator x { pay {
    100% when denominator < 20
    80% when value >= 90%
    0% otherwise
  } }
}
""").scheme
    assert check(scheme) == []
    full, none = witnesses(scheme)
    assert (full, none) == ({"G.x": Ratio(0, 1)}, {"G.x": PercentValue(Fraction(0))})
    assert evaluate(scheme, full).earned == Fraction(1000)


def test_an_indicator_that_is_never_met_is_e409_even_when_at_least_1_lets_the_goal_pay() -> None:
    """Found by CI: under `combine at least 1` one part can pay the goal in full while an
    indicator of the other never pays more than 90%. That indicator can never be met, so
    E409 stands at its `pay`; the goal itself is paid in full by the witness."""
    scheme = loads("""scheme "s" { cquin value £1,000 }
goal A "a" {
  domain safety
  weight 100%
  period Q1 100% {
    combine at least 1
    part A { indicator A { pay 90% when value >= 0.5% } indicator B { pay linear from 0.5% to 1% } }
    part C { indicator A { pay 100% when value >= 0.5% } }
  }
}
""").scheme
    assert [d.code for d in check(scheme)] == ["E409"]
    assert not assert_witnesses_agree_with_check(scheme)
    assert evaluate(scheme, witnesses(scheme)[0]).goals[0].earned == 1000
