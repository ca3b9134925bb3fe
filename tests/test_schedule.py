"""The payment schedule (section 7, DH §65–66): on account, instalments, reconciliations."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cquin_rules import api
from cquin_rules.cli import main
from cquin_rules.tools.schedule import Schedule, instalments, payment_schedule, schedule_terms

ROOT = Path(__file__).resolve().parent.parent
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
QUARTERLY = ROOT / "tests" / "conformance" / "04-quarterly-milestones"
ACUTE = ROOT / "rulebooks" / "acute-trust-2019-20"


def schedule_of(folder: Path, month: int = 12) -> Schedule:
    book = api.load(folder / "rulebook.cquin")
    on_account, months, found = schedule_terms(book.scheme, folder, book.path)
    assert found == []
    result = book.evaluate(folder / "data.csv")
    return payment_schedule(book.scheme, result, month=month, payment_on_account=on_account,
                            reconcile_months=months)


def pounds(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


def test_northshire_year_end_matches_the_reference() -> None:
    """The reference's Northshire year: £2,700,000.00 on account (90%), balance −£1,000,000.00."""
    plan = schedule_of(NORTHSHIRE)
    assert plan.on_account_total == pounds("2,700,000.00")
    assert plan.instalments == (pounds("225,000.00"),) * 12
    assert plan.paid_to_date == pounds("2,700,000.00")
    assert plan.earned_to_date == pounds("1,700,000.00")
    assert plan.balance == pounds("-1,000,000.00")
    assert plan.is_reconciliation_month


def test_northshire_json_has_the_issue_keys() -> None:
    """`cquin schedule --format json` gives the five keys the issue names, money as strings."""
    runner = CliRunner()
    outcome = runner.invoke(main, ["schedule", str(NORTHSHIRE / "rulebook.cquin"),
                                   str(NORTHSHIRE / "data.csv"), "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    assert document["on_account_total"] == "2700000.00"
    assert document["instalments"] == ["225000.00"] * 12
    assert document["paid_to_date"] == "2700000.00"
    assert document["earned_to_date"] == "1700000.00"
    assert document["balance"] == "-1000000.00"


def test_northshire_interim_month_before_any_period_ends_is_all_on_track() -> None:
    """At month 3 no Northshire period has ended: every goal is on track and the balance is nil."""
    plan = schedule_of(NORTHSHIRE, month=3)
    assert plan.paid_to_date == pounds("675,000.00")
    assert plan.earned_to_date == plan.paid_to_date
    assert plan.balance == 0
    assert {goal.standing for goal in plan.goals} == {"on track"}
    assert not plan.is_reconciliation_month
    assert plan.next_reconciliation == 6
    assert plan.due_now == 0


def test_quarterly_scheme_at_month_6() -> None:
    """Month 6: Q1 earned £100,000 and Q2 £210,000 outright; Q3 and Q4 stand on account
    (0.6 x £450,000 paid = £270,000): earned £580,000, balance +£130,000."""
    plan = schedule_of(QUARTERLY, month=6)
    assert plan.on_account_total == pounds("900,000")
    assert plan.paid_to_date == pounds("450,000")
    assert plan.earned_to_date == pounds("580,000")
    assert plan.balance == pounds("130,000")
    assert plan.is_reconciliation_month
    assert plan.due_now == pounds("130,000")
    [goal] = plan.goals
    assert goal.standing == "partly assessed"
    assert [p.standing for p in goal.periods] == [
        "assessed", "assessed", "not yet ended", "not yet ended"]


def test_quarterly_scheme_at_month_9_waits_for_missing_data() -> None:
    """Month 9: Q3 has ended without data, so it stays on account with Q4 (0.3 x £675,000
    each): earned £715,000, balance +£40,000; £130,000 was settled at month 6, so −£90,000
    is due."""
    plan = schedule_of(QUARTERLY, month=9)
    assert plan.paid_to_date == pounds("675,000")
    assert plan.earned_to_date == pounds("715,000")
    assert plan.balance == pounds("40,000")
    assert plan.due_now == pounds("-90,000")
    assert [p.standing for p in plan.goals[0].periods] == [
        "assessed", "assessed", "awaiting data", "not yet ended"]


def test_quarterly_scheme_year_end_agrees_with_eval_and_adjustments_add_up() -> None:
    """At year end a period with no data pays nothing (as `cquin eval` says: £490,000), and
    the adjustments made at months 6, 9 and 12 add up to the year-end balance."""
    plan = schedule_of(QUARTERLY, month=12)
    assert plan.earned_to_date == pounds("490,000")
    assert plan.balance == pounds("-410,000")
    assert [r.adjustment for r in plan.reconciliations] == [
        pounds("130,000"), pounds("-90,000"), pounds("-450,000")]
    assert sum(r.adjustment for r in plan.reconciliations) == plan.balance


@given(st.integers(min_value=0, max_value=10**12))
def test_instalments_add_up_to_the_total_on_account(pence: int) -> None:
    """Twelve instalments, eleven equal and rounded down to the penny, the last the remainder."""
    total = Fraction(pence, 100)
    paid = instalments(total)
    assert len(paid) == 12
    assert sum(paid) == total
    assert len(set(paid[:11])) == 1
    assert all((amount * 100).denominator == 1 for amount in paid)
    assert 0 <= paid[11] - paid[0] < Fraction(12, 100)


def test_on_account_is_rounded_half_up_and_last_instalment_takes_the_remainder() -> None:
    """90% of £1,000.05 is £900.045, paid as £900.05: eleven of £75.00 and one of £75.05."""
    book = api.loads(
        'scheme "s" { cquin value £1,000.05 }\n'
        'goal A "a" { domain safety weight 100% indicator i { pay linear from 50% to 90% } }\n'
    )
    plan = payment_schedule(book.scheme, book.evaluate({"A.i": "70%"}))
    assert plan.on_account_total == Fraction("900.05")
    assert plan.instalments[:11] == (Fraction(75),) * 11
    assert plan.instalments[11] == Fraction("75.05")
    assert sum(plan.instalments) == plan.on_account_total


@pytest.mark.parametrize("month", range(1, 13))
def test_goal_lines_add_up_to_the_scheme_lines(month: int) -> None:
    """Every month, the goals' paid and earned to date total the scheme's, to the penny."""
    plan = schedule_of(ACUTE, month=month)
    assert sum(goal.paid_to_date for goal in plan.goals) == plan.paid_to_date
    assert sum(goal.earned_to_date for goal in plan.goals) == plan.earned_to_date
    assert sum(goal.balance for goal in plan.goals) == plan.balance


def test_goal_with_periods_is_settled_a_period_at_a_time_whatever_its_combine() -> None:
    """A goal's `combine minimum` works inside each period and the periods combine by
    their shares (section 6), so an assessed period settles before the others end."""
    book = api.loads(
        'scheme "s" { cquin value £1,200 }\n'
        'goal A "a" { domain safety weight 100% combine minimum\n'
        '  period Q1 50% { indicator i { pay linear from 50% to 90% } }\n'
        '  period Q3 50% { indicator i { pay linear from 50% to 90% } } }\n'
    )
    result = book.evaluate({"A.i Q1": "70%"})
    plan = payment_schedule(book.scheme, result, month=6)
    assert plan.goals[0].standing == "partly assessed"
    assert plan.paid_to_date == Fraction(540)
    assert plan.earned_to_date == Fraction(1, 2) * 600 + Fraction(1, 2) * 540
    later = payment_schedule(book.scheme, book.evaluate({"A.i Q1": "70%", "A.i Q3": "90%"}),
                             month=9)
    assert later.goals[0].standing == "assessed"
    assert later.earned_to_date == Fraction(900)


def test_terms_come_from_the_scheme_then_its_framework_then_the_defaults(tmp_path: Path) -> None:
    """The scheme's own statements win; else its framework's; else 90% and months 6, 9, 12."""
    (tmp_path / "fw.cquin").write_text(
        'framework local_rules "Local" {\n  payment on account 100%\n'
        '  reconcile at months 3, 12\n}\n', encoding="utf-8")
    own = api.loads('scheme "s" { framework "fw.cquin" payment on account 80% }\n')
    assert schedule_terms(own.scheme, tmp_path)[:2] == (Fraction(4, 5), (3, 12))
    theirs = api.loads('scheme "s" { framework "fw.cquin" }\n')
    assert schedule_terms(theirs.scheme, tmp_path)[:2] == (Fraction(1), (3, 12))
    bare = api.loads('scheme "s" { cquin value £12 }\n')
    assert schedule_terms(bare.scheme, tmp_path)[:2] == (Fraction(9, 10), (6, 9, 12))


def test_unreadable_framework_is_reported_not_defaulted(tmp_path: Path) -> None:
    """A framework that cannot be read is an error (E305), not a silent 90%."""
    book = api.loads('scheme "s" { framework "missing.cquin" }\n')
    *_, found = schedule_terms(book.scheme, tmp_path, "r.cquin")
    assert [d.code for d in found] == ["E305"]


def test_cli_table_and_exit_codes(tmp_path: Path) -> None:
    """The table shows the balance; a bad month is a usage error (2); bad data exits 1."""
    runner = CliRunner()
    rulebook, data = str(NORTHSHIRE / "rulebook.cquin"), str(NORTHSHIRE / "data.csv")
    outcome = runner.invoke(main, ["schedule", rulebook, data])
    assert outcome.exit_code == 0
    assert "Balance at year end: -£1,000,000.00 (the provider repays)" in outcome.stdout
    assert runner.invoke(main, ["schedule", rulebook, data, "--month", "13"]).exit_code == 2
    assert runner.invoke(main, ["schedule", rulebook, str(tmp_path / "none.csv")]).exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("goal,indicator,value\nFLU,uptake,0.68\n", encoding="utf-8")
    assert runner.invoke(main, ["schedule", rulebook, str(bad)]).exit_code == 1
