"""The NHS CQUIN spreadsheet template: export, import, and the round trip between them."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import case_params, conformance_cases

from cquin_rules import api
from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.cli import main
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.tools.spreadsheet import (
    COLUMNS,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    POSITION,
    export_workbook,
    import_workbook,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parent.parent
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"
ROUND_TRIP = [
    pytest.param(path.parent, id=path.parent.name)
    for path in sorted((ROOT / "rulebooks").glob("*/rulebook.cquin"))
] + case_params(
    [case for case in conformance_cases() if (case / "data.csv").exists()
     and "bad-measurements" not in case.name],
    "spreadsheet",
)


def export(folder: Path, tmp_path: Path) -> tuple[Path, list[Diagnostic]]:
    book = api.load(folder / "rulebook.cquin")
    workbook, warnings = export_workbook(book.scheme, book.source.text)
    out = tmp_path / f"{folder.name}.xlsx"
    out.write_bytes(workbook_bytes(workbook))
    return out, warnings


def imported(path: Path) -> tuple[str | None, list[Diagnostic]]:
    return import_workbook(str(path))


def errors(found: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in found if d.severity == "error"]


def column(key: str) -> int:
    return POSITION[key]


def test_export_writes_money_and_percentages_as_numbers_with_formats(tmp_path: Path) -> None:
    """Goal weighting 20% is the number 0.2 formatted 0.0%; £600,000 is 600000 formatted £."""
    path, _ = export(NORTHSHIRE, tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    assert [sheet.cell(1, n).value for n in range(1, 20)] == [c.title for c in COLUMNS[:19]]
    weighting = sheet.cell(2, column("goal_weighting"))
    value = sheet.cell(2, column("goal_value"))
    assert (weighting.value, weighting.number_format) == (0.2, PERCENT_FORMAT)
    assert (value.value, value.number_format) == (600000, MONEY_FORMAT)
    threshold = sheet.cell(2, column("threshold"))
    assert (threshold.value, threshold.number_format) == (0.75, PERCENT_FORMAT)
    assert sheet.cell(2, column("rules")).value == "linear from 60% to 75%"
    scheme = openpyxl.load_workbook(path)["Scheme"]
    rows = {scheme.cell(r, 1).value: scheme.cell(r, 2) for r in range(2, scheme.max_row + 1)}
    assert rows["CQUIN value (£)"].value == 3000000
    assert rows["CQUIN value (£)"].number_format == MONEY_FORMAT
    assert rows["CQUIN value (% of contract)"].value == 0.025


def test_export_reports_what_the_columns_cannot_say(tmp_path: Path) -> None:
    """Goals with parts, or a combine inside a period of several indicators, are carried as
    text and reported (W701); a gate indicator (PRESS) is a cell, not code. Comments, which
    cannot be carried, are reported too (W702)."""
    _, warnings = export(ROOT / "rulebooks" / "acute-trust-2019-20", tmp_path)
    carried = {d.message.split()[1]: d.message for d in warnings if d.code == "W701"}
    assert set(carried) == {"SEP", "FRAIL"}
    assert "parts" in carried["SEP"]
    assert "combine all" in carried["FRAIL"]
    assert [d.code for d in warnings].count("W702") == 1


@pytest.mark.parametrize("folder", ROUND_TRIP)
def test_round_trip_gives_the_same_money(folder: Path, tmp_path: Path) -> None:
    """Export then import evaluates to the same money per goal with the folder's data."""
    path, _ = export(folder, tmp_path)
    if (folder / "framework.cquin").is_file():
        shutil.copy(folder / "framework.cquin", tmp_path / "framework.cquin")
    text, found = import_workbook(str(path), base_dir=tmp_path)
    assert text is not None, errors(found)
    (tmp_path / "rulebook.cquin").write_text(text, encoding="utf-8")
    again = api.load(tmp_path / "rulebook.cquin")
    before = api.load(folder / "rulebook.cquin").evaluate(folder / "data.csv")
    after = again.evaluate(folder / "data.csv")
    assert [(g.code, g.available, g.earned) for g in after.goals] == [
        (g.code, g.available, g.earned) for g in before.goals]
    assert [o.passed for o in again.run_examples()] == [
        o.passed for o in api.load(folder / "rulebook.cquin").run_examples()]


def test_round_trip_twice_is_stable(tmp_path: Path) -> None:
    """Importing an exported import gives the same rulebook text again."""
    path, _ = export(ROOT / "rulebooks" / "mental-health-trust-2018-19", tmp_path)
    first, _ = imported(path)
    assert first is not None
    workbook, _ = export_workbook(api.loads(first).scheme)
    second_path = tmp_path / "second.xlsx"
    second_path.write_bytes(workbook_bytes(workbook))
    second, _ = imported(second_path)
    assert second is not None
    assert second.split("\n", 1)[1] == first.split("\n", 1)[1]


# ---- a template filled in by hand ------------------------------------------------------


def hand_filled(tmp_path: Path, edit: Any = None) -> Path:
    """A plain template as a person fills it: title rows above the header, goal numbers
    1 and 2, goal cells only on a goal's first row (as if merged), text percentages and
    money, thresholds without rules."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CQUIN 2018-19"
    sheet["A1"] = "Schedule 4 Part E: CQUIN"
    header = ["Goal Number", "Goal Name", "Goal Description", "Quality Domain",
              "Goal weighting (% of scheme)", "Expected financial value (£)", "Indicator number",
              "Indicator name", "Indicator Description", "Numerator", "Denominator",
              "Rationale", "Data source", "Frequency of reporting", "Baseline period",
              "Baseline value", "Final indicator period",
              "Final indicator value (payment threshold)", "Rules for partial achievement"]
    for n, title in enumerate(header, 1):
        sheet.cell(3, n, title)
    rows = [
        [1, "Staff flu vaccinations", "Frontline staff vaccinated", "Safety", "40%",
         "£400,000", "1a", "Uptake", None, "Staff vaccinated", "Frontline staff", None,
         "ImmForm", "Annually", "2017/18", "61%", None, None, "linear from 60% to 75%"],
        [2, "Sepsis screening", None, "Patient safety", 0.6, None, "2a",
         "Emergency department", None, None, None, "Sepsis kills", None, "Quarterly",
         None, None, None, 0.9, None],
        [None, None, None, None, None, None, "2b", "Inpatients", None, None, None, None, None,
         "Quarterly", None, None, None, "≥ 80%", None],
    ]
    for r, values in enumerate(rows, 4):
        for n, value in enumerate(values, 1):
            if value is not None:
                sheet.cell(r, n, value)
    sheet.cell(5, 5).number_format = "0%"
    sheet.cell(5, 18).number_format = "0%"
    scheme = book.create_sheet("Scheme")
    for r, (label, value) in enumerate(
        [("Scheme", "Hand-filled CQUIN 2018/19"), ("Provider", "A Trust"),
         ("Year", "2018/19"), ("CQUIN value (£)", 1_000_000)], 1):
        scheme.cell(r, 1, label)
        scheme.cell(r, 2, value)
    if edit is not None:
        edit(book)
    path = tmp_path / "hand.xlsx"
    book.save(path)
    return path


def test_hand_filled_template_is_read(tmp_path: Path) -> None:
    """A plain template imports: codes made from numbers (W703), percentages given as text or
    as formatted numbers, thresholds without rules read as all-or-nothing."""
    path = hand_filled(tmp_path)
    text, found = imported(path)
    assert text is not None, errors(found)
    assert {d.code for d in found} == {"W703"}
    assert {d.path for d in found} == {str(path)}
    book = api.loads(text)
    assert [g.code for g in book.scheme.goals] == ["G1", "G2"]
    result = book.evaluate({"G1.i1a": "67.5%", "G2.i2a": "95%", "G2.i2b": "70%"})
    assert [g.earned for g in result.goals] == [Fraction(200_000), Fraction(300_000)]
    flu = book.scheme.goals[0].items[0]
    assert flu.definition == ("Numerator: Staff vaccinated. Denominator: Frontline staff. "
                              "Baseline period: 2017/18")
    assert book.scheme.goals[0].rationale == "Frontline staff vaccinated"


def test_formula_cell_is_an_error_never_evaluated(tmp_path: Path) -> None:
    """A formula is E703 at its cell, even where Excel would have cached a value."""
    def formula(book: Any) -> None:
        book["CQUIN 2018-19"]["F4"] = "=2*200000"

    text, found = imported(hand_filled(tmp_path, formula))
    assert text is None
    assert [(d.code, d.line, d.column) for d in found if d.severity == "error"] == [("E703", 4, 6)]
    assert "CQUIN 2018-19!F4" in found[0].message


def test_bare_number_in_a_percent_column_is_refused(tmp_path: Path) -> None:
    """40 in the goal weighting column could be 40% or 4000%: E704, with a hint."""
    def bare(book: Any) -> None:
        book["CQUIN 2018-19"]["E4"] = 40

    text, found = imported(hand_filled(tmp_path, bare))
    assert text is None
    [problem] = [d for d in found if d.severity == "error"]
    assert (problem.code, problem.line, problem.column) == ("E704", 4, 5)
    assert problem.hint and "percentage" in problem.hint


def test_unreadable_rule_is_reported_at_its_cell(tmp_path: Path) -> None:
    """A pay rule the parser rejects is reported at the rules cell with the parser's words."""
    def typo(book: Any) -> None:
        book["CQUIN 2018-19"]["S4"] = "linear frm 60% to 75%"

    text, found = imported(hand_filled(tmp_path, typo))
    assert text is None
    [problem] = [d for d in found if d.severity == "error"]
    assert (problem.code, problem.line, problem.column) == ("E001", 4, 19)
    assert "Rules for partial achievement" in problem.message


def test_checker_errors_point_at_cells(tmp_path: Path) -> None:
    """Goal weights totalling 90% are E201, reported at the Scheme sheet's CQUIN value cell."""
    def short(book: Any) -> None:
        book["CQUIN 2018-19"]["E4"] = "30%"
        book["CQUIN 2018-19"]["F4"] = None

    text, found = imported(hand_filled(tmp_path, short))
    assert text is None
    [problem] = [d for d in found if d.severity == "error"]
    assert problem.code == "E201"
    assert problem.message.startswith("Scheme!B4 (CQUIN value (£))")


def test_number_threshold_without_a_direction_is_refused(tmp_path: Path) -> None:
    """A plain-number threshold with no rule and no direction is not guessed (E704)."""
    def count(book: Any) -> None:
        book["CQUIN 2018-19"]["R5"] = 200
        book["CQUIN 2018-19"]["R5"].number_format = "General"

    text, found = imported(hand_filled(tmp_path, count))
    assert text is None
    assert [(d.code, d.line, d.column) for d in found if d.severity == "error"] == [
        ("E704", 5, 18)]


def test_two_indicators_in_one_period_are_refused(tmp_path: Path) -> None:
    """The columns say one indicator a period; a second in the same period is E707."""
    path, _ = export(NORTHSHIRE, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Goals"]
    q4 = next(r for r in range(2, sheet.max_row + 1)
              if sheet.cell(r, column("final_period")).value == "Q4")
    sheet.cell(q4, column("final_period")).value = "Q2"
    book.save(path)
    text, found = imported(path)
    assert text is None
    assert [(d.code, d.line) for d in found if d.severity == "error"] == [("E707", q4)]


def test_edit_contradicting_carried_rulebook_text_is_refused(tmp_path: Path) -> None:
    """A carried goal's rows repeat its rulebook text; an edited threshold there is E709."""
    path, _ = export(ROOT / "rulebooks" / "acute-trust-2019-20", tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Goals"]
    frail = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "FRAIL")
    row = next(r for r in range(frail, sheet.max_row + 1) if sheet.cell(r, 7).value == "plans")
    sheet.cell(row, column("threshold"), 0.8)
    book.save(path)
    text, found = imported(path)
    assert text is None
    [problem] = [d for d in found if d.severity == "error"]
    assert (problem.code, problem.line, problem.column) == (
        "E709", row, column("threshold"))


def test_threshold_contradicting_the_rules_is_refused(tmp_path: Path) -> None:
    """A payment threshold that is not where the rules pay in full is E709."""
    path, _ = export(NORTHSHIRE, tmp_path)
    book = openpyxl.load_workbook(path)
    book["Goals"].cell(2, column("threshold")).value = 0.8
    book.save(path)
    text, found = imported(path)
    assert text is None
    assert [(d.code, d.line) for d in found if d.severity == "error"] == [("E709", 2)]


def test_cli_import_writes_nothing_on_error_and_the_rulebook_on_success(tmp_path: Path) -> None:
    """import-xlsx exits 1 leaving the old file alone; a good workbook is written and checks."""
    runner = CliRunner()
    out = tmp_path / "out.cquin"
    out.write_text("old", encoding="utf-8")

    def formula(book: Any) -> None:
        book["CQUIN 2018-19"]["F4"] = "=1+1"

    bad = runner.invoke(main, ["import-xlsx", str(hand_filled(tmp_path, formula)), str(out)])
    assert bad.exit_code == 1
    assert "E703" in bad.stderr
    assert out.read_text(encoding="utf-8") == "old"
    good = runner.invoke(main, ["import-xlsx", str(hand_filled(tmp_path)), str(out)])
    assert good.exit_code == 0, good.output
    assert runner.invoke(main, ["check", str(out)]).exit_code == 0


def test_cli_export_and_not_a_workbook(tmp_path: Path) -> None:
    """export-xlsx writes a workbook (warnings on stderr); a non-workbook input exits 2."""
    runner = CliRunner()
    out = tmp_path / "n.xlsx"
    done = runner.invoke(main, ["export-xlsx", str(NORTHSHIRE / "rulebook.cquin"), str(out)])
    assert done.exit_code == 0
    assert "W702" in done.stderr
    assert openpyxl.load_workbook(out)["Goals"]["A2"].value == "FLU"
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    refused = runner.invoke(main, ["import-xlsx", str(fake), str(tmp_path / "x.cquin")])
    assert refused.exit_code == 2
    assert not (tmp_path / "x.cquin").exists()


def test_cli_round_trip_of_northshire(tmp_path: Path) -> None:
    """Through the command line: export, import, eval gives the reference's £1,700,000.00."""
    runner = CliRunner()
    xlsx, cquin = tmp_path / "n.xlsx", tmp_path / "n.cquin"
    assert runner.invoke(main, ["export-xlsx", str(NORTHSHIRE / "rulebook.cquin"),
                                str(xlsx)]).exit_code == 0
    assert runner.invoke(main, ["import-xlsx", str(xlsx), str(cquin)]).exit_code == 0
    outcome = runner.invoke(main, ["eval", str(cquin), str(NORTHSHIRE / "data.csv"),
                                   "--format", "json"])
    assert json.loads(outcome.stdout)["earned"] == "1700000.00"


def test_a_bad_money_cell_read_only_when_comparing_is_reported(tmp_path: Path) -> None:
    """The scheme's CQUIN value in pounds is read only to compare with the percentage; when
    it is not money that is E704 at the cell, exit 1, not an internal error (found by
    fuzzing: Scheme!B8 set to `{`)."""
    from click.testing import CliRunner

    from cquin_rules.cli import main

    workbook = tmp_path / "book.xlsx"
    rulebook = Path(__file__).parents[1] / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
    runner = CliRunner()
    assert runner.invoke(main, ["export-xlsx", str(rulebook), str(workbook)]).exit_code == 0
    book = openpyxl.load_workbook(workbook)
    book.worksheets[1].cell(row=8, column=2).value = "{"
    book.save(workbook)
    out = tmp_path / "rulebook.cquin"
    result = runner.invoke(main, ["import-xlsx", str(workbook), str(out)])
    assert result.exit_code == 1, result.output
    assert "E704" in result.stderr and "is not an amount of money" in result.stderr
    assert "internal error" not in result.stderr
    assert not out.exists()


# ---- a template that adds up ---------------------------------------------------------


def goal_and_total_rows(sheet: Any) -> tuple[list[int], dict[str, int]]:
    """The rows of goals (above the totals) and each totals row by its label."""
    totals = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)
              if str(sheet.cell(r, 1).value or "").startswith("Total ")}
    last = min(totals.values()) if totals else sheet.max_row + 1
    return list(range(2, last)), totals


@pytest.mark.parametrize("folder", ROUND_TRIP)
def test_every_money_column_adds_up_to_the_schemes_figures(folder: Path, tmp_path: Path) -> None:
    """Summing a money column over the goal rows gives the CQUIN value the goals share; the
    totals rows say that total and the national and local subtotals."""
    path, _ = export(folder, tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    compiled = compile_scheme(api.load(folder / "rulebook.cquin").scheme)
    goal_rows, totals = goal_and_total_rows(sheet)
    total = sum((g.available for g in compiled.goals), Fraction(0))
    assert total == compiled.cquin_value
    for key in (c.key for c in COLUMNS if c.kind == "money"):
        summed = sum(Fraction(str(sheet.cell(r, column(key)).value or 0)) for r in goal_rows)
        assert summed == total
    assert Fraction(str(sheet.cell(totals["Total (CQUIN value)"], column("goal_value")).value)) \
        == total
    for scope in ("national", "local"):
        scoped = [g.available for g in compiled.goals if g.scope == scope]
        if scoped:
            cell = sheet.cell(totals[f"Total {scope}"], column("goal_value"))
            assert Fraction(str(cell.value)) == sum(scoped, Fraction(0))
        else:
            assert f"Total {scope}" not in totals


def test_a_goals_money_and_name_are_written_once(tmp_path: Path) -> None:
    """Each goal's number, name and money are on its first row only (CMA's three rows)."""
    path, _ = export(NORTHSHIRE, tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    cma = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "CMA"]
    assert len(cma) == 1
    first = cma[0]
    assert [sheet.cell(r, column("indicator_number")).value for r in (first, first + 1,
            first + 2)] == ["inpatient", "community", "early"]
    assert [sheet.cell(r, column("goal_value")).value for r in (first, first + 1,
            first + 2)] == [900000, None, None]


def test_a_goal_in_pounds_has_its_weighting_as_a_cell(tmp_path: Path) -> None:
    """A goal given as `value £X` shows its share of the CQUIN value as a percent cell, and
    the rulebook's money survives the round trip."""
    path, _ = export(ROOT / "rulebooks" / "acute-trust-2019-20", tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    compiled = compile_scheme(
        api.load(ROOT / "rulebooks" / "acute-trust-2019-20" / "rulebook.cquin").scheme)
    firsts = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for goal in compiled.goals:
        weighting = sheet.cell(firsts[goal.code], column("goal_weighting"))
        assert weighting.number_format == PERCENT_FORMAT
        assert abs(Fraction(str(weighting.value)) - goal.available / compiled.cquin_value) \
            < Fraction(1, 10**12)


def test_changing_a_goals_money_on_its_row_works(tmp_path: Path) -> None:
    """Moving £50,000 from CMA to AED on their rows imports as those goals' money, with a
    W704 at each weighting that no longer agrees; the totals rows are not read."""
    path, _ = export(NORTHSHIRE, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Goals"]
    firsts = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(firsts["CMA"], column("goal_value"), 850000)
    sheet.cell(firsts["AED"], column("goal_value"), 800000)
    book.save(path)
    text, found = imported(path)
    assert text is not None, errors(found)
    assert [(d.code, d.line) for d in found if d.code == "W704"] == [
        ("W704", firsts["CMA"]), ("W704", firsts["AED"])]
    compiled = compile_scheme(api.loads(text).scheme)
    assert [(g.code, g.available) for g in compiled.goals] == [
        ("FLU", 600000), ("CMA", 850000), ("AED", 800000), ("REC", 750000)]


def test_money_that_no_longer_adds_up_is_the_checkers_error(tmp_path: Path) -> None:
    """Raising the only national goal's money by £50,000 is the checker's E201 (the goals
    total more than the CQUIN value) and E202 (more than the national value), not a silent
    change of the scheme."""
    path, _ = export(NORTHSHIRE, tmp_path)
    book = openpyxl.load_workbook(path)
    book["Goals"].cell(2, column("goal_value"), 650000)
    book.save(path)
    text, found = imported(path)
    assert text is None
    assert [d.code for d in found if d.severity == "error"] == ["E201", "E202"]
    assert all("£50,000.00 over" in d.message for d in found if d.severity == "error")


def test_a_carried_goals_money_is_entered_in_its_money_cell(tmp_path: Path) -> None:
    """Acute trust's SEP (carried as rulebook text, for its parts) takes £10,000 from FRAIL
    (carried too) on their money cells, and import gives them that money."""
    folder = ROOT / "rulebooks" / "acute-trust-2019-20"
    path, warnings = export(folder, tmp_path)
    assert any(w.code == "W701" and "goal SEP " in w.message for w in warnings)
    book = openpyxl.load_workbook(path)
    sheet = book["Goals"]
    firsts = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    before = {code: Fraction(str(sheet.cell(firsts[code], column("goal_value")).value))
              for code in ("SEP", "FRAIL")}
    sheet.cell(firsts["SEP"], column("goal_value"), float(before["SEP"] + 10000))
    sheet.cell(firsts["FRAIL"], column("goal_value"), float(before["FRAIL"] - 10000))
    book.save(path)
    text, found = import_workbook(str(path), base_dir=tmp_path)
    assert text is not None, errors(found)
    money = {g.code: g.available for g in compile_scheme(api.loads(text).scheme).goals}
    assert (money["SEP"], money["FRAIL"]) == (before["SEP"] + 10000, before["FRAIL"] - 10000)


def test_combination_and_gate_are_cells_that_read_back(tmp_path: Path) -> None:
    """`combine at least 2` and `combine all` are the goal's "How indicators combine" cell
    and a gate indicator is its "Gate" cell: written as words, read back as the same
    statements, so the goals are cells rather than rulebook text."""
    import openpyxl

    path, _ = export(ROOT / "rulebooks" / "acute-trust-2013-14", tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    titles = [cell.value for cell in sheet[1]]
    combine = titles.index("How indicators combine")
    gate = titles.index("Gate (pays nothing unless met)")
    code = titles.index("Rulebook text (when the columns cannot say it)")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert "PQ" in {row[0] for row in rows if row[code]}
    sheet.cell(2 + [row[0] for row in rows].index("DEM"), combine + 1).value = "At least 2"
    sheet.cell(2 + [row[6] for row in rows].index("assess"), gate + 1).value = "gate"
    sheet.parent.save(path)
    text, found = import_workbook(str(path), base_dir=tmp_path)
    assert text is not None, errors(found)
    dementia = text[text.index("goal DEM"):]
    assert "combine at least 2" in dementia.split("indicator")[0]
    assert "gate" in dementia[dementia.index("indicator assess"):].split("}")[0]


def test_a_combination_cell_that_is_not_a_way_of_combining_is_refused(tmp_path: Path) -> None:
    """`at least 0` (or any other words) in the combination cell is an error at that cell."""
    import openpyxl

    path, _ = export(ROOT / "rulebooks" / "acute-trust-2013-14", tmp_path)
    sheet = openpyxl.load_workbook(path)["Goals"]
    titles = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    sheet.cell(2 + [row[0] for row in rows].index("DEM"),
               titles.index("How indicators combine") + 1).value = "at least 0"
    sheet.parent.save(path)
    text, found = import_workbook(str(path), base_dir=tmp_path)
    assert text is None
    assert any("is not a way of combining indicators" in d.message for d in found)
