"""CSV as Excel writes it: semicolons, tabs, empty trailing columns, decimal commas, workbooks."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from helpers import RULEBOOKS

from cquin_rules import api
from cquin_rules.engine.csv_dialect import separator_of
from cquin_rules.engine.measurements import parse_measurements, read_data_file
from cquin_rules.syntax.model import NumberValue, PercentValue, Ratio, Scheme

NORTHSHIRE = RULEBOOKS / "northshire-2018-19"
COMMA = (NORTHSHIRE / "data.csv").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return api.load(NORTHSHIRE / "rulebook.cquin").scheme


def read(text: str, scheme: Scheme) -> tuple[object, list[tuple[str, str]]]:
    measurements, found = parse_measurements(text, "data.csv", scheme)
    return measurements, [(d.code, d.message) for d in found]


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolon", "tab"])
def test_semicolon_and_tab_files_read_as_the_comma_file(separator: str, scheme: Scheme) -> None:
    """Northshire's data saved with semicolons or tabs gives the same measurements."""
    text = COMMA.replace(",", separator)
    assert separator_of(text) == separator
    measurements, found = read(text, scheme)
    assert found == []
    assert measurements == read(COMMA, scheme)[0]


def test_a_comma_inside_quotes_does_not_decide_the_separator() -> None:
    """A quoted title with commas in a semicolon header still reads as semicolons."""
    assert separator_of('"goal, the code";indicator;value\n') == ";"
    assert separator_of("\n\ngoal,indicator,value\n") == ","
    assert separator_of("goal\n") == ","


def test_trailing_empty_columns_and_rows_are_ignored(scheme: Scheme) -> None:
    """Excel's `,,` after the last column and `;;;` rows are not columns or rows."""
    comma = "\n".join(line + ",," for line in COMMA.splitlines()) + "\n,,,,,\n"
    assert read(comma, scheme) == read(COMMA, scheme)
    semicolon = COMMA.replace(",", ";").replace("\n", ";;\n", 1) + ";;;;\n;;;;\n"
    assert read(semicolon, scheme) == read(COMMA, scheme)


def test_an_empty_column_between_titled_ones_is_named(scheme: Scheme) -> None:
    """An untitled column in the middle is E602 naming its place, not "'' given twice"."""
    text = "goal,,indicator,,value\nFLU,,uptake,,68%\n"
    _, found = read(text, scheme)
    assert found == [("E602", "column 2 of the header has no name"),
                     ("E602", "column 4 of the header has no name")]


def test_a_decimal_comma_in_a_semicolon_file_is_read(scheme: Scheme) -> None:
    """In a semicolon file `68,5%` is 68.5% and `212,5` is 212.5: the comma is the decimal mark."""
    text = "goal;indicator;period;value\nFLU;uptake;;68,5%\nAED;attendances;;212,5\n"
    measurements, found = read(text, scheme)
    assert found == []
    assert measurements is not None
    assert measurements[("FLU", ("uptake",), "year")].measured == PercentValue(Fraction(685, 1000))
    assert measurements[("AED", ("attendances",), "year")].measured == NumberValue(
        Fraction(425, 2))


@pytest.mark.parametrize(("text", "shown"), [
    ('goal,indicator,period,value\nFLU,uptake,,"68,5%"\n', "'68,5%'"),
    ("goal\tindicator\tperiod\tvalue\nAED\tattendances\t\t1,234\n", "'1,234'"),
    ("goal;indicator;period;value\nAED;attendances;;1,234,5\n", "'1,234,5'"),
], ids=["comma-file-percent", "tab-file-thousands", "semicolon-two-commas"])
def test_an_ambiguous_comma_in_a_number_is_diagnosed(text: str, shown: str,
                                                     scheme: Scheme) -> None:
    """Where a comma could be a decimal mark or thousands, E603 says so; no number is guessed."""
    measurements, found = parse_measurements(text, "data.csv", scheme)
    assert measurements is None
    assert [d.code for d in found] == ["E603"]
    assert found[0].message.startswith(f"{shown} has a comma in a number")
    assert found[0].hint is not None and "full stop" in found[0].hint


def test_counts_with_a_decimal_comma_in_a_semicolon_file(scheme: Scheme) -> None:
    """A semicolon file's ratio cells still read (`140/200`) and `140,0` is a whole count."""
    text = ("goal;indicator;numerator;denominator\nCMA;community;140,0;200\n")
    measurements, found = read(text, scheme)
    assert found == []
    assert measurements is not None
    assert measurements[("CMA", ("community",), "year")].measured == Ratio(140, 200)


def test_a_workbook_where_csv_text_is_expected_is_named(tmp_path: Path) -> None:
    """An .xlsx given as a CSV (forecast estimates) is E601 naming the workbook, with the fix."""
    path = tmp_path / "estimates.csv"
    openpyxl.Workbook().save(path)
    text, found = read_data_file(str(path))
    assert text is None
    assert [(d.code, d.message) for d in found] == [
        ("E601", "the file is an Excel workbook (.xlsx), not CSV text")]
    assert found[0].hint is not None and "CSV UTF-8" in found[0].hint


def test_a_workbook_named_csv_is_read_as_a_data_return(tmp_path: Path) -> None:
    """Measurements given as a workbook under a .csv name are read as the workbook it is."""
    from cquin_rules.tools.spreadsheet import returns_workbook

    book = returns_workbook(api.load(NORTHSHIRE / "rulebook.cquin").scheme)
    book["Returns"]["D5"] = "90%"
    path = tmp_path / "data.csv"
    book.save(path)
    measurements = api.read_measurements(path, api.load(NORTHSHIRE / "rulebook.cquin"))
    assert list(measurements) == [("CMA", ("early",), "year")]
