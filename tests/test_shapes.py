"""The scheme-wide shapes of LANGUAGE.md sections 3, 4 and 8: `deemed achieved`, scheme
gates (`gate` on a goal) and `commissioner` on a goal, through every stage."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import CONFORMANCE

from cquin_rules import api
from cquin_rules.cli import main
from cquin_rules.engine.batch import Scaled, evaluate_many
from cquin_rules.reports import FORMATS
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.syntax import printer
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.parser import parse
from cquin_rules.tools.schedule import payment_schedule
from cquin_rules.tools.spreadsheet import export_workbook, import_workbook, workbook_bytes

GATED = (CONFORMANCE / "25-scheme-gate" / "rulebook.cquin").read_text(encoding="utf-8")
DEEMED = (CONFORMANCE / "24-deemed-achieved" / "rulebook.cquin").read_text(encoding="utf-8")
FUNDED = (CONFORMANCE / "26-commissioners" / "rulebook.cquin").read_text(encoding="utf-8")


def codes(text: str) -> list[tuple[str, int]]:
    return sorted((d.code, d.span.line) for d in api.loads(text).check())


# ---- checks ----------------------------------------------------------------------------


def test_a_scheme_gate_needs_no_domain_and_no_money() -> None:
    """A gate goal without domain, weight or value checks clean, and E201 leaves it out."""
    assert codes(GATED) == []


def test_a_weight_on_a_scheme_gate_is_E205_at_the_weight() -> None:
    """`gate` with `weight` is E205 at the weight statement, and E201 does not follow."""
    text = GATED.replace("  gate\n", "  gate\n  weight 10%\n")
    assert codes(text) == [("E205", 11)]


def test_a_value_on_a_scheme_gate_is_E205_at_the_value() -> None:
    """`gate` with `value` is E205 at the value statement."""
    text = GATED.replace("  gate\n", "  gate\n  value £5,000\n")
    assert codes(text) == [("E205", 11)]


def test_an_unknown_goal_commissioner_is_E103_at_that_statement() -> None:
    """A goal naming a commissioner the header does not is E103 at its `commissioner` line,
    with a did-you-mean."""
    text = FUNDED.replace('commissioner "NHS Westshire CCG"\n  domain',
                          'commissioner "NHS Westshire CG"\n  domain')
    book = api.loads(text)
    found = [d for d in book.check() if d.code == "E103"]
    assert [(d.code, d.span.line) for d in found] == [("E103", 24)]
    assert found[0].hint == 'did you mean "NHS Westshire CCG"?'


def test_gates_count_for_no_framework_limit_domain_or_weight(tmp_path: Path) -> None:
    """Under `goals at most 2`, `require equal weights` and `require domains`, a scheme gate
    is not a goal: it breaks none of them."""
    (tmp_path / "fw.cquin").write_text(
        'framework t "t" {\n  goals at most 2\n  require equal weights\n'
        "  require domains safety, effectiveness\n}\n", encoding="utf-8")
    text = GATED.replace("weight 40%", "weight 50%").replace("weight 60%", "weight 50%")
    (tmp_path / "rulebook.cquin").write_text(text, encoding="utf-8")
    book = api.load(tmp_path / "rulebook.cquin")
    assert book.check(str(tmp_path / "fw.cquin")) == []


# ---- evaluation --------------------------------------------------------------------------


def test_a_scheme_gate_not_met_pays_no_goal() -> None:
    """Pre-qualification not achieved: every goal reads not met and earns £0.00."""
    result = api.loads(GATED).evaluate(
        {"PQ.hii": "not achieved", "VTE.assessed": "96%", "DEM.find": "86%"})
    assert [(g.code, g.earned, g.status) for g in result.goals] == [
        ("PQ", 0, "not met"), ("VTE", 0, "not met"), ("DEM", 0, "not met")]
    assert result.goal("VTE").indicators[0].status == "met"  # type: ignore[union-attr]


def test_batch_agrees_on_gates_and_deemed_schemes() -> None:
    """The batch evaluator gives the scalar pennies with the gate open and shut, and full
    money for every set of a deemed scheme."""
    compiled = compile_scheme(api.loads(GATED).scheme)
    columns = {"PQ.hii": np.array([True, False]), "VTE.assessed": Scaled([9600, 9600], 10_000),
               "DEM.find": Scaled([8600, 8600], 10_000)}
    batch = evaluate_many(compiled, columns)
    assert batch.earned.tolist() == [[0, 50_000_000, 45_000_000], [0, 0, 0]]
    deemed = compile_scheme(api.loads(DEEMED).scheme)
    many = evaluate_many(deemed, {"FLU.uptake": Scaled([0, 10_000], 10_000)})
    assert many.earned.tolist() == [[22_500_000, 15_000_000]] * 2


def test_deemed_keeps_measurements_and_strict_asks_for_none() -> None:
    """Under `deemed achieved` the measured value is kept, nothing is not reported, and
    --strict does not ask for the missing measurement."""
    result = api.loads(DEEMED).evaluate({"FLU.uptake": "41%"}, strict=True)
    flu = result.goal("FLU")
    assert flu is not None and flu.indicators[0].measured_text == "41%"
    assert result.not_reported() == []
    assert result.to_dict()["deemed_achieved"].startswith("CQUIN suspended")


def test_a_framework_that_says_deemed_achieved_deems_its_schemes(tmp_path: Path) -> None:
    """A framework's `deemed achieved` makes evaluation, examples and explain deem the
    scheme met, as if its header said so."""
    (tmp_path / "fw.cquin").write_text(
        'framework paused "paused" {\n  deemed achieved "CQUIN paused"\n}\n', encoding="utf-8")
    text = GATED.replace("  year 2013/14\n", '  year 2013/14\n  framework "fw.cquin"\n')
    text += ('\nexample "paused" {\n  PQ.hii = not achieved\n  expect total = £1,250,000.00\n'
             "  expect VTE status deemed met\n}\n")
    (tmp_path / "rulebook.cquin").write_text(text, encoding="utf-8")
    book = api.load(tmp_path / "rulebook.cquin")
    assert book.check() == []
    result = book.evaluate({})
    assert result.earned == Fraction(1_250_000) and result.deemed == "CQUIN paused"
    assert all(outcome.passed for outcome in book.run_examples())
    assert book.explain({}).goal("DEM").status == "deemed met"  # type: ignore[union-attr]


def test_goals_without_a_commissioner_count_under_the_first() -> None:
    """by_commissioner lists the header's commissioners in order; CARE counts under the first."""
    result = api.loads(FUNDED).evaluate(
        {"CARE.plans": "75%", "SPEC.switch": "92%", "SHARE.sent": "90%"})
    assert result.by_commissioner() == [
        ("NHS Westshire CCG", Fraction(700_000), Fraction(375_000)),
        ("NHS England Specialised Commissioning", Fraction(300_000), Fraction(300_000)),
    ]
    plain = api.loads(GATED).evaluate({})
    assert "by_commissioner" not in plain.to_dict()


# ---- text: printer, formatter ------------------------------------------------------------


@pytest.mark.parametrize("text", [GATED, DEEMED, FUNDED], ids=["gate", "deemed", "funded"])
def test_the_new_statements_print_and_format_back(text: str) -> None:
    """print(parse(text)) parses to the same model; formatting keeps the statements."""
    scheme, found = parse(text)
    assert scheme is not None and found == []
    again, found = parse(printer.print_scheme(scheme))
    assert found == [] and again == scheme
    formatted, found = format_text(text)
    assert formatted is not None and parse(formatted)[0] == scheme


# ---- reports, schedule, spreadsheet --------------------------------------------------------


def test_every_report_shows_deemed_met_the_gate_and_commissioner_subtotals() -> None:
    """Table, markdown, csv and html all name the deemed reason, the gate and each
    commissioner's money."""
    deemed = api.loads(DEEMED).evaluate({}).to_dict()
    gated = api.loads(GATED).evaluate({"PQ.hii": "no"}).to_dict()
    funded = api.loads(FUNDED).evaluate({"CARE.plans": "75%"}).to_dict()
    for name, render in FORMATS.items():
        assert "deemed met" in render(deemed).lower(), name
        assert "CQUIN suspended" in render(deemed), name
        assert "Scheme gate PQ is not met: no goal pays." in render(gated), name
        assert "NHS England Specialised Commissioning" in render(funded), name
        assert "700" in render(funded), name
    rows = list(csv.DictReader(io.StringIO(FORMATS["csv"](funded))))
    assert [(r["title"], r["available"]) for r in rows if r["kind"] == "commissioner"] == [
        ("NHS Westshire CCG", "700000.00"), ("NHS England Specialised Commissioning", "300000.00")]


def test_schedule_pays_a_deemed_scheme_in_full_and_a_shut_gate_nothing() -> None:
    """Deemed: earned to date is the full money at every month; a gate measured not met
    leaves every goal earning nothing."""
    book = api.loads(DEEMED)
    plan = payment_schedule(book.scheme, book.evaluate({}), month=6)
    assert [g.earned_to_date for g in plan.goals] == [Fraction(225_000), Fraction(150_000)]
    assert {g.standing for g in plan.goals} == {"deemed met"}
    gated = api.loads(GATED)
    shut = payment_schedule(gated.scheme, gated.evaluate({"PQ.hii": "no", "VTE.assessed": "99%"}),
                            month=6)
    assert [g.earned_to_date for g in shut.goals] == [0, 0, 0]


def test_spreadsheet_carries_gates_commissioners_and_deemed(tmp_path: Path) -> None:
    """Export carries a scheme gate as rulebook text (W701), a goal's commissioner in its
    Commissioner cell and `deemed achieved` on the Scheme sheet; import gives back the same
    model."""
    text = FUNDED.replace("  year 2018/19\n", '  year 2018/19\n  deemed achieved "paused"\n')
    text = text.replace('goal CARE "Care plans" {\n',
                        'goal PQ "Pre-qualification" {\n  gate\n'
                        "  indicator hii { measure evidence  pay 100% when achieved }\n}\n\n"
                        'goal CARE "Care plans" {\n')
    scheme = api.loads(text).scheme
    workbook, warnings = export_workbook(scheme, text)
    assert {d.code for d in warnings} == {"W701"}
    assert any("scheme gate" in d.message for d in warnings)
    assert not any("commissioner" in d.message for d in warnings)
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes(workbook))
    back, found = import_workbook(str(path))
    assert back is not None, [(d.code, d.message) for d in found]
    read = api.loads(back).scheme
    assert read.header.deemed_achieved == scheme.header.deemed_achieved
    assert [(g.code, g.is_gate, g.commissioner) for g in read.goals] == [
        (g.code, g.is_gate, g.commissioner) for g in scheme.goals]
    def money(source: str) -> list[tuple[str, Fraction, str]]:
        return [(g.code, g.earned, g.status) for g in api.loads(source).evaluate({}).goals]

    assert money(back) == money(text)


def sheet_rows(workbook: object) -> dict[str, list[object]]:
    """The Goals sheet's rows by the label in their first column."""
    sheet = workbook["Goals"]  # type: ignore[index]
    return {str(row[0]): list(row) for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[0] is not None}


def test_a_scheme_gate_shows_no_money_and_no_local_total(tmp_path: Path) -> None:
    """A gate carries no money: its weighting and money cells are empty (not 0% and £0),
    it adds no scope to the totals rows, and one typed into its money cell is E205."""
    from cquin_rules.tools.spreadsheet import POSITION

    text = GATED.replace("  cquin value 2.5% of contract\n",
                         "  cquin value 2.5% of contract\n  national value 2.5% of contract\n")
    text = text.replace("  domain ", "  national\n  domain ")
    assert codes(text) == []
    scheme = api.loads(text).scheme
    workbook, _ = export_workbook(scheme, text)
    rows = sheet_rows(workbook)
    gate = rows["PQ"]
    assert gate[POSITION["goal_weighting"] - 1] is None
    assert gate[POSITION["goal_value"] - 1] is None
    assert [label for label in rows if label.startswith("Total ")] == [
        "Total national", "Total (CQUIN value)"]
    workbook["Goals"].cell(2, POSITION["goal_value"], 5000)
    path = tmp_path / "gate.xlsx"
    path.write_bytes(workbook_bytes(workbook))
    back, found = import_workbook(str(path))
    assert back is None and "E205" in {d.code for d in found}


def test_goal_commissioners_give_a_total_row_each(tmp_path: Path) -> None:
    """When goals name their commissioners, the totals rows give each commissioner's money
    in the header's order, the same as the results' by_commissioner; otherwise none."""
    from cquin_rules.tools.spreadsheet import POSITION

    book = api.loads(FUNDED)
    workbook, _ = export_workbook(book.scheme, FUNDED)
    rows = sheet_rows(workbook)
    by = book.evaluate({}).by_commissioner()
    assert [(label, rows[f"Total {label}"][POSITION["goal_value"] - 1])
            for label, _, _ in by] == [(name, int(money)) for name, money, _ in by]
    plain, _ = export_workbook(api.loads(GATED).scheme, GATED)
    assert not any("CCG" in label for label in sheet_rows(plain))


def test_goals_in_pounds_whose_share_never_ends_round_trip_exactly(tmp_path: Path) -> None:
    """£800,000 of £5,500,000 is 14.5454…%: the weighting cell shows it to a spreadsheet's
    fifteen digits, and import keeps each goal's money (`value`), carried or not, so the
    scheme still adds up exactly (no E201, no E709, no W704)."""
    folder = Path(__file__).resolve().parent.parent / "rulebooks" / "ccg-and-specialised-2018-19"
    book = api.load(folder / "rulebook.cquin")
    workbook, _ = export_workbook(book.scheme, book.source.text)
    path = tmp_path / "ccg.xlsx"
    path.write_bytes(workbook_bytes(workbook))
    back, found = import_workbook(str(path))
    assert back is not None, [(d.code, d.message) for d in found]
    assert not {d.code for d in found} & {"E201", "E709", "W704"}
    read = api.loads(back).scheme
    assert [(g.code, g.weight, g.value and g.value.value) for g in read.goals] == [
        (g.code, None, g.value and g.value.value) for g in book.scheme.goals]


def test_cquin_returns_says_a_frameworks_deemed_achieved(tmp_path: Path) -> None:
    """Under a framework that says `deemed achieved`, the data return says so on every row
    and the command says the return is optional."""
    import openpyxl

    (tmp_path / "fw.cquin").write_text(
        'framework paused "paused" {\n  deemed achieved "CQUIN paused"\n}\n', encoding="utf-8")
    text = GATED.replace("  year 2013/14\n", '  year 2013/14\n  framework "fw.cquin"\n')
    (tmp_path / "rulebook.cquin").write_text(text, encoding="utf-8")
    out = tmp_path / "returns.xlsx"
    written = CliRunner().invoke(main, ["returns", str(tmp_path / "rulebook.cquin"), str(out)])
    assert written.exit_code == 0, written.output
    assert "deemed achieved (CQUIN paused)" in written.stderr
    rows = list(openpyxl.load_workbook(out)["Returns"].iter_rows(min_row=2, values_only=True))
    assert rows and all(str(r[9]).endswith("(CQUIN paused)") for r in rows)


def test_eval_command_prints_by_commissioner_in_json() -> None:
    """`cquin eval --format json` gives by_commissioner as section 12 says."""
    case = CONFORMANCE / "26-commissioners"
    process = CliRunner().invoke(main, ["eval", str(case / "rulebook.cquin"),
                                        str(case / "data.csv"), "--format", "json"])
    assert process.exit_code == 0, process.output
    assert '"by_commissioner"' in process.output


def test_explain_names_commissioners_only_when_goals_do() -> None:
    """explain's goals carry their commissioner, and the trace a line per commissioner,
    only when some goal names one."""
    funded = api.loads(FUNDED).explain({"CARE.plans": "75%"})
    assert [g.commissioner for g in funded.goals] == [
        "NHS Westshire CCG", "NHS England Specialised Commissioning", "NHS Westshire CCG"]
    assert "NHS Westshire CCG: £375,000.00 earned of £700,000.00" in funded.to_text()
    plain = api.loads(GATED).explain({})
    assert {g.commissioner for g in plain.goals} == {None}
    assert plain.by_commissioner == ()


def test_forecast_of_a_deemed_scheme_needs_no_estimates_and_pays_in_full() -> None:
    """Under `deemed achieved` an estimates file may leave indicators out, and every
    scenario earns the cquin value."""
    from cquin_rules.tools.forecast import forecast, parse_estimates

    compiled = compile_scheme(api.loads(DEEMED).scheme)
    estimates, found = parse_estimates(
        "goal,indicator,expected,low,high\nFLU,uptake,50%,40%,60%\n", "e.csv", compiled)
    assert estimates is not None, found
    result = forecast(compiled, estimates, 200, 1)
    assert result.to_dict()["total"]["p10"] == "375000.00"
