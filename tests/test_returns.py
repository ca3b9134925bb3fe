"""The data-return workbook: written by `cquin returns`, filled in, read as measurements."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import RULEBOOKS, case_params, evaluated_cases

from cquin_rules import api
from cquin_rules.base.diagnostics import CquinError
from cquin_rules.cli import main
from cquin_rules.tools.spreadsheet import returns_workbook, workbook_bytes

NORTHSHIRE = RULEBOOKS / "northshire-2018-19"
FOLDERS = [
    pytest.param(path.parent, id=path.parent.name)
    for path in sorted(RULEBOOKS.glob("*/rulebook.cquin")) if (path.parent / "data.csv").exists()
] + case_params(evaluated_cases(), "spreadsheet")


def write_returns(folder: Path, out: Path) -> Path:
    book = api.load(folder / "rulebook.cquin")
    out.write_bytes(workbook_bytes(returns_workbook(book.scheme)))
    return out


def fill_from_csv(path: Path, data: Path) -> None:
    """Type each CSV measurement into its row as a person would in Excel: a percentage as
    a number formatted as one, a ratio as numerator and denominator, words as words."""
    book = openpyxl.load_workbook(path)
    sheet = book["Returns"]
    rows = {(r[0].value, r[1].value, r[2].value): r[0].row for r in sheet.iter_rows(min_row=2)}
    with data.open(encoding="utf-8-sig", newline="") as file:
        for record in csv.DictReader(file):
            key = (record["goal"], record["indicator"], (record.get("period") or "").strip()
                   or "year")
            row = rows[key]
            value = (record.get("value") or "").strip()
            numerator = (record.get("numerator") or "").strip()
            if numerator or "/" in value:
                top, bottom = (numerator, record["denominator"]) if numerator else \
                    value.split("/")
                sheet.cell(row, 5, int(top))
                sheet.cell(row, 6, int(bottom))
            elif value.endswith("%"):
                cell = sheet.cell(row, 4, float(Decimal(value[:-1]) / 100))
                cell.number_format = "0.0%"
            elif value.replace(".", "", 1).isdigit():
                number = Decimal(value)
                sheet.cell(row, 4, int(number) if number == int(number) else float(number))
            else:
                sheet.cell(row, 4, value)
    book.save(path)


def money(result: Any) -> list[tuple[str, object, object]]:
    return [(g.code, g.available, g.earned) for g in result.goals]


def test_the_workbook_has_a_row_per_indicator_and_period_and_no_formulas(tmp_path: Path) -> None:
    """Northshire's return: 7 rows (REC's two periods each a row), validation, no formulas."""
    path = write_returns(NORTHSHIRE, tmp_path / "returns.xlsx")
    sheet = openpyxl.load_workbook(path)["Returns"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("FLU", "uptake", "year"), ("CMA", "inpatient", "year"), ("CMA", "community", "year"),
        ("CMA", "early", "year"), ("AED", "attendances", "year"), ("REC", "plan", "Q2"),
        ("REC", "courses", "Q4")]
    assert rows[0][9] == "linear from 60% to 75%"
    assert sheet["D2"].number_format == "0.0%"
    kinds = {v.type: str(v.sqref) for v in sheet.data_validations.dataValidation}
    assert kinds["list"] == "D7 D8"
    assert kinds["whole"] == "E2 E3 E4 E5 F2 F3 F4 F5"
    assert kinds["decimal"] == "D6"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_filled_return_gives_the_same_money_as_the_csv(folder: Path, tmp_path: Path) -> None:
    """Write, fill with openpyxl from data.csv, evaluate: the money of the CSV route."""
    path = write_returns(folder, tmp_path / "returns.xlsx")
    fill_from_csv(path, folder / "data.csv")
    book = api.load(folder / "rulebook.cquin")
    assert money(book.evaluate(path)) == money(book.evaluate(folder / "data.csv"))


def test_cli_returns_then_eval_reads_the_workbook(tmp_path: Path) -> None:
    """`cquin returns` writes the workbook; `cquin eval` on it, filled, prints the money."""
    out = tmp_path / "returns.xlsx"
    runner = CliRunner()
    written = runner.invoke(main, ["returns", str(NORTHSHIRE / "rulebook.cquin"), str(out)])
    assert written.exit_code == 0, written.output
    fill_from_csv(out, NORTHSHIRE / "data.csv")
    both = [runner.invoke(main, ["eval", str(NORTHSHIRE / "rulebook.cquin"), str(data),
                                 "--format", "json"]) for data in (out, NORTHSHIRE / "data.csv")]
    assert both[0].exit_code == both[1].exit_code == 0, both[0].output
    documents = [json.loads(run.output) for run in both]
    assert documents[0]["data_files"] == [str(out)]
    for document in documents:
        del document["data_files"]
        for goal in document["goals"]:
            for indicator in goal["indicators"]:
                indicator.pop("source", None)
    assert documents[0] == documents[1], "the same money and words, whichever file"


def test_problems_are_said_of_their_cell(tmp_path: Path) -> None:
    """A bare 0.68 in an unformatted percent cell is E603 at Returns!D2; a typo'd goal at A3."""
    path = write_returns(NORTHSHIRE, tmp_path / "returns.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Returns"]
    sheet["D2"] = 0.68
    sheet["D2"].number_format = "General"
    sheet["A3"] = "CMB"
    sheet["D3"] = "90%"
    book.save(path)
    with pytest.raises(CquinError) as raised:
        api.read_measurements(path, api.load(NORTHSHIRE / "rulebook.cquin"))
    found = {(d.code, d.cell) for d in raised.value.diagnostics}
    assert found == {("E603", "Returns!D2"), ("E103", "Returns!A3")}
    rendered = raised.value.diagnostics[0].render()
    assert rendered.startswith(f"{path}: Returns!D2: E603 ")


def test_a_formula_is_refused_never_evaluated(tmp_path: Path) -> None:
    """A formula in a numerator cell is E603 at its cell, whatever Excel cached."""
    path = write_returns(NORTHSHIRE, tmp_path / "returns.xlsx")
    book = openpyxl.load_workbook(path)
    book["Returns"]["E2"] = "=136"
    book["Returns"]["F2"] = 200
    book.save(path)
    with pytest.raises(CquinError) as raised:
        api.read_measurements(path, api.load(NORTHSHIRE / "rulebook.cquin"))
    assert [(d.code, d.cell) for d in raised.value.diagnostics] == [("E603", "Returns!E2")]


def test_an_empty_return_is_no_measurements(tmp_path: Path) -> None:
    """Rows left empty are returns not yet made: nothing is measured, nothing earned."""
    path = write_returns(NORTHSHIRE, tmp_path / "returns.xlsx")
    measurements = api.read_measurements(path, api.load(NORTHSHIRE / "rulebook.cquin"))
    assert len(measurements) == 0


# ---- the scheme-wide shapes: scheme gates and deemed achieved -------------------------


def test_a_scheme_gates_rows_say_no_goal_pays_unless_it_is_met(tmp_path: Path) -> None:
    """Each indicator of the 2013/14 pre-qualification gate says what the gate does."""
    path = write_returns(RULEBOOKS / "acute-trust-2013-14", tmp_path / "returns.xlsx")
    rows = list(openpyxl.load_workbook(path)["Returns"].iter_rows(min_row=2, values_only=True))
    gate = [r for r in rows if r[0] == "PQ"]
    assert len(gate) == 6
    assert all(str(r[9]).endswith("scheme gate PQ: unless it is met, no goal pays")
               for r in gate)
    assert not any("scheme gate" in str(r[9]) for r in rows if r[0] != "PQ")


def test_a_deemed_schemes_return_is_optional(tmp_path: Path) -> None:
    """Under `deemed achieved` every row says it is paid in full whatever is entered, the
    command says the return is optional, and the return left empty earns the whole value."""
    folder = RULEBOOKS / "community-trust-2020-21"
    out = tmp_path / "returns.xlsx"
    written = CliRunner().invoke(main, ["returns", str(folder / "rulebook.cquin"), str(out)])
    assert written.exit_code == 0, written.output
    assert "deemed achieved" in written.stderr and "optional" in written.stderr
    rows = list(openpyxl.load_workbook(out)["Returns"].iter_rows(min_row=2, values_only=True))
    assert rows and all("deemed achieved, paid in full whatever is entered (CQUIN suspended"
                        in str(r[9]) for r in rows)
    book = api.load(folder / "rulebook.cquin")
    result = book.evaluate(out)
    assert result.available == result.earned == result.cquin_value
