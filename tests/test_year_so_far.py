"""During the year (issue 13): as of a month, quarterly returns together, the schedule's
settlements, and the report format taken from `--output`'s extension."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import CONFORMANCE, RULEBOOKS
from hypothesis import given
from hypothesis import strategies as st
from strategies import measurements_for, schemes

from cquin_rules import api
from cquin_rules.cli import main
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurement, Measurements
from cquin_rules.reports import render
from cquin_rules.semantics.as_of import as_of_month, is_due
from cquin_rules.syntax.model import PERIOD_END_MONTH, PERIOD_NAMES
from cquin_rules.tools.schedule import payment_schedule, render_table, schedule_terms

AS_OF_CASE = CONFORMANCE / "27-as-of"
ACUTE = RULEBOOKS / "acute-trust-2019-20"


def invoke(*arguments: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(main, list(arguments))
    return outcome.exit_code, outcome.stdout, outcome.stderr


def money(text: str) -> Fraction:
    """`£1,234.50` or `-£3.00` as an exact amount."""
    return Fraction(text.replace("£", "").replace(",", ""))


# ---- one definition of "due" ----------------------------------------------------------


@pytest.mark.parametrize(("text", "month"), [("M6", 6), ("m1", 1), ("M12", 12), ("Q1", 3),
                                             ("Q2", 6), ("q3", 9), ("Q4", 12), (7, 7)])
def test_as_of_names_a_contract_month(text: str | int, month: int) -> None:
    """`M6` is month 6; a quarter means its last month (Q2 → 6)."""
    assert as_of_month(text) == month


@pytest.mark.parametrize("text", ["M0", "M13", "Q5", "H1", "year", "June", "", 0, 13])
def test_as_of_refuses_anything_else(text: str | int) -> None:
    """Only M1–M12 and Q1–Q4 (or a month number) are months to evaluate as of."""
    with pytest.raises(ValueError, match="month"):
        as_of_month(text)


def test_a_period_is_due_once_it_has_ended() -> None:
    """Due as of m exactly when the period ends by m; `year` only at M12."""
    for period in PERIOD_NAMES:
        for month in range(1, 13):
            assert is_due(period, month) == (PERIOD_END_MONTH[period] <= month)
    assert not is_due("year", 11) and is_due("year", 12)


def test_the_schedule_uses_the_same_definition() -> None:
    """`cquin schedule` calls a period "not yet ended" exactly when `is_due` says it is not due."""
    book = api.load(ACUTE / "rulebook.cquin")
    on_account, months, _ = schedule_terms(book.scheme, ACUTE, book.path)
    result = book.evaluate(ACUTE / "data.csv")
    for month in range(1, 13):
        plan = payment_schedule(book.scheme, result, month=month, payment_on_account=on_account,
                                reconcile_months=months)
        periods = [p for goal in plan.goals for p in goal.periods]
        assert periods
        for period in periods:
            assert (period.standing == "not yet ended") == (not is_due(period.name, month))


# ---- as of a month ----------------------------------------------------------------------


def test_conformance_27_through_the_api() -> None:
    """`Rulebook.evaluate(..., as_of="Q2")` gives case 27's to-date figures and statuses."""
    book = api.load(AS_OF_CASE / "rulebook.cquin")
    document = book.evaluate(AS_OF_CASE / "data.csv", as_of="Q2").to_dict()
    assert document["as_of"] == "M6"
    assert document["to_date"] == {"available": "30000.00", "earned": "22500.00"}
    assert document["earned"] == "22500.00"
    goals = {goal["code"]: goal for goal in document["goals"]}
    assert goals["PATH"]["periods"] == {"Q1": "met", "Q2": "partially met", "Q4": "not yet due"}
    assert goals["PATH"]["to_date"] == {"available": "30000.00", "earned": "22500.00"}
    assert goals["YEAR"]["status"] == "not yet due"
    assert [i["status"] for i in goals["YEAR"]["indicators"]] == ["not yet due"]


def test_year_end_figures_do_not_move_with_as_of() -> None:
    """Every goal's available, attainment and earned are the same at any month as at year end."""
    book = api.load(ACUTE / "rulebook.cquin")
    year_end = book.evaluate(ACUTE / "data.csv")
    for month in ("M1", "Q1", "M5", "Q2", "Q3", "M11", "Q4"):
        result = book.evaluate(ACUTE / "data.csv", as_of=month)
        assert [(g.available, g.attainment, g.earned) for g in result.goals] == [
            (g.available, g.attainment, g.earned) for g in year_end.goals]


def test_a_year_assessed_goal_is_not_yet_due_until_m12() -> None:
    """A goal without periods reads `not yet due` with £0 to date at M11, and its year-end
    status and money at M12."""
    book = api.load(ACUTE / "rulebook.cquin")
    at_11 = book.evaluate(ACUTE / "data.csv", as_of="M11")
    at_12 = book.evaluate(ACUTE / "data.csv", as_of="M12")
    year_end = book.evaluate(ACUTE / "data.csv")
    flu_11, flu_12, flu = (r.goal("FLU") for r in (at_11, at_12, year_end))
    assert flu_11 is not None and flu_12 is not None and flu is not None
    assert flu_11.status == "not yet due" and flu_11.to_date == (0, 0)
    assert flu_12.status == flu.status and flu_12.to_date == (flu.available, flu.earned)


MID_YEAR = {
    "Q1.csv": "goal,indicator,period,value\nFRAIL,audit,Q1,achieved\nFLU,uptake,,40%\n",
    "Q2.csv": "goal,indicator,period,value,note\nFRAIL,pathway,Q2,achieved,\n"
              "FLU,uptake,,61%,year to date\n",
}


def returns(folder: Path) -> list[str]:
    paths = []
    for name, text in MID_YEAR.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    return paths


def test_mid_year_nothing_not_yet_due_says_not_reported(tmp_path: Path) -> None:
    """At Q2 with two returns, no period or indicator not yet due reads "not reported", in
    the document or in any report; the due ones without data still do."""
    book = api.load(ACUTE / "rulebook.cquin")
    result = book.evaluate(returns(tmp_path), as_of="Q2")
    document = result.to_dict()
    for goal in document["goals"]:
        for indicator in goal["indicators"]:
            due = is_due(indicator["period"], 6)
            assert (indicator["status"] == "not yet due") == (not due), indicator
        assert "not reported" not in (goal.get("periods") or {}).values()
    page = render(result, "html")
    frail = re.search(r'<th scope="row"><span class="code">FRAIL</span>.*?</tr>', page, re.S)
    assert frail is not None
    assert "Not Reported" not in frail.group(0) and frail.group(0).count("Not Yet Due") == 2
    for output_format in ("table", "markdown", "csv"):
        text = render(result, output_format).lower()
        assert "not yet due" in text and "not reported" not in text, output_format


@given(st.data())
def test_to_date_figures_grow_to_the_year_end(data: st.DataObject) -> None:
    """For any scheme and months, to-date available never falls as the month grows, earned to
    date never exceeds available to date, and at M12 both equal the year-end figures."""
    scheme = data.draw(schemes())
    values = Measurements(tuple((key, Measurement(value)) for key, value
                                in data.draw(measurements_for(scheme)).items()))
    months = sorted(data.draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)))
    year_end = evaluate(scheme, values)
    previous = Fraction(0)
    for month in [*months, 12]:
        result = evaluate(scheme, values, as_of=month)
        assert result.available_to_date >= previous
        previous = result.available_to_date
        assert result.earned_to_date <= result.available_to_date
        for goal in result.goals:
            assert goal.to_date is not None
            assert 0 <= goal.to_date[1] <= goal.to_date[0] <= goal.available
        assert (result.earned, result.available) == (year_end.earned, year_end.available)
    assert (result.available_to_date, result.earned_to_date) == (year_end.available,
                                                                 year_end.earned)
    assert [g.status for g in result.goals] == [g.status for g in year_end.goals]


def test_explain_shows_the_to_date_arithmetic() -> None:
    """`cquin explain --as-of Q2` says which periods are due and how the to-date money is made."""
    code, out, _ = invoke("explain", str(AS_OF_CASE / "rulebook.cquin"),
                          str(AS_OF_CASE / "data.csv"), "--as-of", "Q2")
    assert code == 0
    assert ("to date (Q1, Q2 due): available £60,000.00 × (25% + 25%) = £30,000.00; earned "
            "£60,000.00 × (25% × 1 + 25% × 1/2) = £22,500.00") in out
    assert "period Q4" in out and "(not yet due)" in out
    assert "to date, as of M6 (September): £22,500.00 earned of £30,000.00 due so far" in out
    code, out, _ = invoke("explain", str(AS_OF_CASE / "rulebook.cquin"),
                          str(AS_OF_CASE / "data.csv"), "--as-of", "Q2", "--format", "json")
    document = json.loads(out)
    assert document["as_of"] == "M6"
    assert document["goals"][1]["to_date"]["available"] == "0.00"


def test_a_bad_as_of_is_a_usage_error() -> None:
    """`--as-of June` exits 2 and says what is accepted."""
    code, _, err = invoke("eval", str(AS_OF_CASE / "rulebook.cquin"),
                          str(AS_OF_CASE / "data.csv"), "--as-of", "June")
    assert code == 2 and "M1 to M12" in err and "Traceback" not in err


# ---- quarterly returns together ---------------------------------------------------------


def test_a_later_return_replaces_an_earlier_value(tmp_path: Path) -> None:
    """FLU.uptake from Q2.csv (61%) replaces Q1.csv's 40%, and says it came from Q2.csv line 3."""
    code, out, err = invoke("eval", str(ACUTE / "rulebook.cquin"), *returns(tmp_path),
                            "--as-of", "Q2", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["data_files"] == [str(tmp_path / "Q1.csv"), str(tmp_path / "Q2.csv")]
    flu = next(g for g in document["goals"] if g["code"] == "FLU")
    assert flu["indicators"][0]["measured"] == "61%"
    assert flu["indicators"][0]["source"] == {"file": str(tmp_path / "Q2.csv"), "line": 3}
    frail = next(g for g in document["goals"] if g["code"] == "FRAIL")
    assert frail["indicators"][0]["source"] == {"file": str(tmp_path / "Q1.csv"), "line": 2}
    [trajectory] = document["trajectories"]
    assert (trajectory["goal"], trajectory["indicator"]) == ("FLU", "uptake")
    assert [p["measured"] for p in trajectory["points"]] == ["40%", "61%"]


def test_the_order_of_the_returns_decides(tmp_path: Path) -> None:
    """Given the other way round, the earlier-dated value is the later one given, and wins."""
    first, second = returns(tmp_path)
    book = api.load(ACUTE / "rulebook.cquin")
    result = book.evaluate([second, first])
    flu = result.goal("FLU")
    assert flu is not None and flu.indicators[0].measured_text == "40%"


def test_a_bad_row_in_any_return_stops_the_run(tmp_path: Path) -> None:
    """An error in the second return is reported at its own file and line; nothing printed."""
    first, second = returns(tmp_path)
    Path(second).write_text("goal,indicator,period,value\nFLU,uptake,,0.61\n", encoding="utf-8")
    code, out, err = invoke("eval", str(ACUTE / "rulebook.cquin"), first, second)
    assert code == 1 and out == "" and f"{second}:2:" in err


def test_reports_name_the_files_and_the_month(tmp_path: Path) -> None:
    """Every report says "As of M6 (September), from Q1.csv, Q2.csv" and where each value came
    from; the HTML draws each indicator's trajectory against its thresholds, under its CSP."""
    book = api.load(ACUTE / "rulebook.cquin")
    result = book.evaluate(returns(tmp_path), as_of="Q2")
    line = f"As of M6 (September), from {tmp_path / 'Q1.csv'}, {tmp_path / 'Q2.csv'}"
    for output_format in ("table", "markdown", "html"):
        assert line in render(result, output_format), output_format
    assert f"({tmp_path / 'Q2.csv'}:3)" in render(result, "table")
    assert f"{tmp_path / 'Q2.csv'}:3" in render(result, "csv")
    page = render(result, "html")
    chart = page[page.index('<section id="trajectories">'):]
    assert chart.count("<svg") == 1 and chart.count('class="point"') == 2
    assert 'class="threshold"' in chart and "Q2.csv" in chart
    assert "<script" not in page and "default-src 'none'" in page


# ---- the schedule explains itself ---------------------------------------------------------


def test_the_final_balancing_payment_can_be_checked_from_the_table() -> None:
    """From the printed table alone: the year-end balance less what the earlier
    reconciliations settled is the final balancing payment the table prints."""
    code, out, _ = invoke("schedule", str(ACUTE / "rulebook.cquin"), str(ACUTE / "data.csv"))
    assert code == 0
    amount = r"(-?£[\d,]+\.\d\d)"
    rows = re.findall(rf"^\s*(\d+) \w+\s+{amount}\s+{amount}\s+{amount}$", out, re.M)
    settled = [(int(month), *map(money, rest)) for month, *rest in rows]
    assert [month for month, *_ in settled][-1] == 12 and len(settled) >= 2
    for month, balance, before, adjustment in settled:
        assert adjustment == balance - before, month
    final_balance = settled[-1][1]
    earlier = sum((adjustment for *_, adjustment in settled[:-1]), Fraction(0))
    total = re.search(rf"^Total\s+{amount}\s+{amount}\s+{amount}\s+{amount}$", out, re.M)
    assert total is not None
    earned, paid = money(total.group(3)), money(total.group(2))
    assert final_balance == earned - paid
    assert settled[-1][3] == final_balance - earlier
    assert f"final balancing payment is {rows[-1][1]} - {rows[-1][2]} = {rows[-1][3]}" in out


def test_before_the_first_reconciliation_the_table_says_when_it_is() -> None:
    """At month 2 nothing has been settled yet: the table names the first reconciliation."""
    book = api.load(ACUTE / "rulebook.cquin")
    on_account, months, _ = schedule_terms(book.scheme, ACUTE, book.path)
    plan = payment_schedule(book.scheme, book.evaluate(ACUTE / "data.csv"), month=2,
                            payment_on_account=on_account, reconcile_months=months)
    assert f"No reconciliation yet; the first is at month {min(months)}" in render_table(plan)


# ---- --output takes the format from its extension -------------------------------------


@pytest.mark.parametrize(("name", "start"), [
    ("report.html", "<!DOCTYPE html>"), ("report.md", "# "), ("report.csv", "kind,goal,"),
    ("report.json", "{"), ("report.txt", "Conformance: the year so far"),
])
def test_output_format_follows_the_extension(tmp_path: Path, name: str, start: str) -> None:
    """Without --format, `--output report.EXT` writes that format."""
    target = tmp_path / name
    code, _, err = invoke("eval", str(AS_OF_CASE / "rulebook.cquin"),
                          str(AS_OF_CASE / "data.csv"), "--output", str(target))
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith(start)


def test_a_format_that_contradicts_the_extension_is_refused(tmp_path: Path) -> None:
    """`--format table --output report.html` is a usage error (exit 2); nothing is written."""
    target = tmp_path / "report.html"
    code, _, err = invoke("eval", str(AS_OF_CASE / "rulebook.cquin"),
                          str(AS_OF_CASE / "data.csv"), "--format", "table", "--output",
                          str(target))
    assert code == 2 and "--format html" in err and not target.exists()


def test_an_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    """`--output report.out` alone is a usage error; with --format it is written as asked."""
    target = tmp_path / "report.out"
    arguments = [str(AS_OF_CASE / "rulebook.cquin"), str(AS_OF_CASE / "data.csv"),
                 "--output", str(target)]
    code, _, err = invoke("eval", *arguments)
    assert code == 2 and "--format" in err and not target.exists()
    assert invoke("eval", *arguments, "--format", "markdown")[0] == 0
    assert target.read_text(encoding="utf-8").startswith("# ")


# ---- as of a month under the scheme-wide shapes ---------------------------------------

SHAPES_HEADER = """scheme "As of, with the scheme-wide shapes" {
  provider "Test Provider NHS Trust"
  commissioner "Test Commissioner"
  year 2018/19
  contract value £4,000,000
  cquin value 2.5% of contract
DEEMED}
"""
GATE_GOAL = """
goal PQ "Pre-qualification" {
  gate
  period Q1 50% {
    indicator plan { measure evidence  pay 100% when achieved }
  }
  period Q4 50% {
    indicator review { measure evidence  pay 100% when achieved }
  }
}
"""
PAYING_GOALS = """
goal PATH "Care pathway" {
  domain effectiveness
  weight 60%
  period Q1 50% {
    indicator audit { pay linear from 50% to 90% }
  }
  period Q4 50% {
    indicator audit { pay 100% when value >= 80% }
  }
}

goal YEAR "Year-end outcome" {
  domain safety
  weight 40%
  indicator outcome { measure evidence  pay 100% when achieved }
}
"""


def shapes_book(*, deemed: bool = False, gate: str | None = None) -> api.Rulebook:
    """The scheme above: deemed achieved, or with the scheme gate `gate` (its text)."""
    header = SHAPES_HEADER.replace(
        "DEEMED", '  deemed achieved "CQUIN suspended; block payments include it"\n'
        if deemed else "")
    return api.loads(header + (gate or "") + PAYING_GOALS)


def test_as_of_under_deemed_achieved_earns_everything_due() -> None:
    """Deemed achieved, as of Q2: every goal reads deemed met and the year end pays in full
    (section 3: whatever is measured); to date, everything due is earned (to-date earned =
    to-date available); a period not yet due still reads not yet due, so nothing is said
    paid for it before it falls due."""
    book = shapes_book(deemed=True)
    result = book.evaluate({"PATH.audit Q1": "60%"}, as_of="Q2")
    assert (result.earned, result.available) == (Fraction(100_000), Fraction(100_000))
    path, year = result.goals
    assert [g.status for g in result.goals] == ["deemed met", "deemed met"]
    assert path.to_date == (Fraction(30_000), Fraction(30_000))
    assert year.to_date == (0, 0)
    assert path.periods == (("Q1", "deemed met"), ("Q4", "not yet due"))
    assert [i.status for i in path.indicators] == ["deemed met", "not yet due"]
    assert [i.status for i in year.indicators] == ["not yet due"]
    assert (result.available_to_date, result.earned_to_date) == (30_000, 30_000)
    assert "To date, everything due so far is earned in full." in render(result, "table")
    trace = book.explain({"PATH.audit Q1": "60%"}, as_of="Q2").to_text()
    assert ("to date (Q1 due): available £60,000.00 × (50%) = £30,000.00, rounded half up to "
            "the penny; earned £30,000.00: deemed achieved, so everything due is earned in "
            "full") in trace
    at_year_end = book.evaluate({"PATH.audit Q1": "60%"}, as_of="M12")
    assert all(g.to_date == (g.available, g.available) for g in at_year_end.goals)
    assert [s for _, s in at_year_end.goals[0].periods] == ["deemed met", "deemed met"]


def test_as_of_under_a_scheme_gate_met_so_far() -> None:
    """A gate met in its periods due so far leaves the to-date money as measured, though its
    later period, not yet reported, shuts the year-end money (as `eval` without --as-of)."""
    book = shapes_book(gate=GATE_GOAL)
    data = {"PQ.plan Q1": "achieved", "PATH.audit Q1": "70%"}
    result = book.evaluate(data, as_of="Q2")
    assert result.earned == 0 == book.evaluate(data).earned
    gate, path, year = result.goals
    assert gate.status == "met" and gate.to_date == (0, 0)
    assert (path.status, path.to_date) == ("partially met", (30_000, 15_000))
    assert (year.status, year.to_date) == ("not yet due", (0, 0))
    assert "Scheme gate PQ is met so far: the goals pay as measured to date." in render(
        result, "table")


def test_as_of_under_a_scheme_gate_not_met_to_date() -> None:
    """A gate due and not met shuts the to-date money too: every other goal not met, £0.00
    to date, except a goal with nothing due yet, which stays not yet due."""
    book = shapes_book(gate=GATE_GOAL)
    data = {"PQ.plan Q1": "not achieved", "PATH.audit Q1": "70%"}
    result = book.evaluate(data, as_of="Q2")
    gate, path, year = result.goals
    assert gate.status == "not met"
    assert (path.status, path.to_date) == ("not met", (30_000, 0))
    assert [i.status for i in path.indicators] == ["partially met", "not yet due"]
    assert (year.status, year.to_date) == ("not yet due", (0, 0))
    assert (result.available_to_date, result.earned_to_date) == (30_000, 0)
    assert "Scheme gate PQ is not met to date: no goal pays." in render(result, "markdown")
    trace = book.explain(data, as_of="Q2").to_text()
    assert ("earned £0.00: the scheme gate PQ is not met to date, so no goal has earned "
            "anything to date") in trace
    assert "the scheme gate PQ is not met over the year as measured, so no goal pays" in trace


def test_as_of_under_a_scheme_gate_not_yet_due() -> None:
    """A year-assessed gate is not yet due before M12: it stops no payment to date, and the
    reports say the year end still depends on it."""
    gate = GATE_GOAL.replace(
        """  period Q1 50% {
    indicator plan { measure evidence  pay 100% when achieved }
  }
  period Q4 50% {
    indicator review { measure evidence  pay 100% when achieved }
  }""", "  indicator plan { measure evidence  pay 100% when achieved }")
    book = shapes_book(gate=gate)
    result = book.evaluate({"PATH.audit Q1": "90%"}, as_of="Q3")
    gate_result, path, _ = result.goals
    assert gate_result.status == "not yet due"
    assert (path.status, path.to_date) == ("met", (30_000, 30_000))
    assert result.earned == 0
    assert "Scheme gate PQ is not yet due: it stops no payment to date" in render(result, "csv")
    met = book.evaluate({"PQ.plan": "achieved", "PATH.audit Q1": "90%"}, as_of="M12")
    assert met.goals[1].to_date == (met.goals[1].available, met.goals[1].earned)
