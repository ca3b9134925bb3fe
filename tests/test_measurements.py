"""Measurements files (section 10): what is read, and every bad row reported with its line."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.engine.measurements import (
    Measurement,
    Measurements,
    Origin,
    parse_measurements,
)
from cquin_rules.engine.reading import read_measurements
from cquin_rules.syntax.model import Evidence, NumberValue, PercentValue, Ratio, Scheme
from cquin_rules.syntax.parser import parse

CASES = Path(__file__).parent / "conformance"

RULEBOOK = """\
scheme "Measurements" {
  provider "P"
  commissioner "C"
  year 2018/19
  cquin value £100,000
}
goal A "Every kind of measure" {
  domain safety
  weight 60%
  indicator pct { pay linear from 50% to 90% }
  indicator count { measure number  lower is better  pay linear from 30 to 20 }
  indicator proof { measure evidence  pay 100% when achieved }
  part inner { indicator deep { pay 100% when value >= 50% } }
}
goal Q "Quarterly" {
  domain effectiveness
  weight 40%
  period Q2 50% { indicator plan { measure evidence  pay 100% when achieved } }
  period Q4 50% { indicator plan { measure evidence  pay 100% when achieved } }
}
"""


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    parsed, diagnostics = parse(RULEBOOK)
    assert parsed is not None, diagnostics
    return parsed


def csv_of(scheme: Scheme, *rows: str, header: str = "goal,indicator,period,value"
           ) -> tuple[Measurements | None, list[Diagnostic]]:
    return parse_measurements("\n".join([header, *rows]) + "\n", "data.csv", scheme)


def problems(found: list[Diagnostic]) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in found]


def test_good_csv_reads_every_kind(scheme: Scheme) -> None:
    """Percent, fraction, number, evidence words, a part path and periods are all read exactly."""
    read, diagnostics = csv_of(
        scheme,
        "A,pct,,68%",
        "A,count,,212.5",
        "A,proof,,Yes",
        "A,inner.deep,,140/200",
        "Q,plan,q2,achieved",
        "Q,plan,Q4,Not  Achieved",
    )
    assert diagnostics == []
    assert read is not None
    assert read[("A", ("pct",), "year")].measured == PercentValue(Fraction(17, 25))
    assert read[("A", ("count",), "year")].measured == NumberValue(Fraction(425, 2))
    assert read[("A", ("proof",), "year")].measured == Evidence(True)
    assert read[("A", ("inner", "deep"), "year")].measured == Ratio(140, 200)
    assert read[("Q", ("plan",), "Q2")] == Measurement(Evidence(True), Origin("data.csv", 6))
    assert read[("Q", ("plan",), "Q4")].measured == Evidence(False)
    assert len(read) == 6


def test_numerator_and_denominator_columns(scheme: Scheme) -> None:
    """A numerator and denominator make a Ratio that keeps the denominator."""
    read, diagnostics = csv_of(scheme, "A,pct,,10,12",
                               header="goal,indicator,period,numerator,denominator")
    assert diagnostics == []
    assert read is not None
    assert read[("A", ("pct",), "year")].measured == Ratio(10, 12)


def test_conformance_case_20_reports_lines_2_to_5() -> None:
    """Conformance case 20: lines 2, 3, 4 and 5 are each reported and nothing is returned."""
    case = CASES / "20-bad-measurements"
    parsed, _ = parse((case / "rulebook.cquin").read_text(encoding="utf-8"))
    assert parsed is not None
    read, diagnostics = read_measurements(case / "data.csv", parsed)
    assert read is None
    assert problems(diagnostics) == [(2, "E603"), (3, "E605"), (4, "E103"), (5, "E606")]
    assert all(d.span.column == 0 and d.path.endswith("data.csv") for d in diagnostics)
    assert "68%" in (diagnostics[0].hint or "")


@pytest.mark.parametrize(
    ("row", "code", "words"),
    [
        ("A,pct,,0.68", "E603", "bare number"),
        ("A,count,,-3", "E605", "negative"),
        ("A,pct,,-5%", "E605", "outside"),
        ("A,pct,,120%", "E605", "outside"),
        ("A,pct,,120/100", "E606", "above the denominator"),
        ("A,pct,,3/0", "E606", "zero denominator"),
        ("A,pct,,2.5/10", "E603", "whole number"),
        ("A,pct,,=SUM(B2:B9)", "E603", "formula"),
        ("A,count,,68%", "E604", "not a percentage"),
        ("A,pct,,achieved", "E604", "not 'achieved'"),
        ("A,proof,,12", "E604", "evidence"),
        ("A,proof,,70%", "E604", "evidence"),
        ("A,count,,12/20", "E604", "not a fraction"),
        ("A,pct,,lots", "E603", "cannot read"),
        ("A,pct,,", "E607", "no value"),
        ("B,pct,,68%", "E103", "unknown goal B"),
        ("A,pcts,,68%", "E103", "unknown indicator A.pcts"),
        ("A,deep,,68%", "E103", "unknown indicator A.deep"),
        ("Q,plan,,achieved", "E608", "give the period"),
        ("Q,plan,Q3,achieved", "E608", "no period Q3"),
        ("A,pct,Q2,68%", "E608", "assessed on the year"),
        ("A,pct,Q5,68%", "E608", "unknown period"),
        (",pct,,68%", "E602", "no goal"),
    ],
)
def test_each_bad_value_is_reported_on_its_line(
    scheme: Scheme, row: str, code: str, words: str
) -> None:
    """Every kind of bad row is one diagnostic with its code, on its own line (line 3)."""
    read, diagnostics = csv_of(scheme, "A,count,,25", row, "A,proof,,achieved")
    assert read is None
    assert problems(diagnostics) == [(3, code)]
    assert words in diagnostics[0].message


def test_did_you_mean_for_unknown_names(scheme: Scheme) -> None:
    """E103 suggests the nearest goal or indicator."""
    _, diagnostics = csv_of(scheme, "a,pct,,68%", "A,pcy,,68%")
    assert [d.hint for d in diagnostics] == ["did you mean A?", "did you mean A.pct?"]


def test_value_and_counts_together_or_half_given(scheme: Scheme) -> None:
    """A value with a numerator/denominator, or only one of the pair, is E607."""
    header = "goal,indicator,value,numerator,denominator"
    _, diagnostics = csv_of(scheme, "A,pct,68%,10,20", "A,inner.deep,,10,", header=header)
    assert problems(diagnostics) == [(2, "E607"), (3, "E607")]


def test_non_integer_and_negative_counts(scheme: Scheme) -> None:
    """Counts must be whole and not negative."""
    header = "goal,indicator,numerator,denominator"
    _, diagnostics = csv_of(scheme, "A,pct,10.5,20", "A,inner.deep,-1,20", header=header)
    assert problems(diagnostics) == [(2, "E603"), (3, "E605")]


def test_duplicate_row_names_the_first(scheme: Scheme) -> None:
    """A second row for the same goal, indicator and period is E609 and names line 2."""
    _, diagnostics = csv_of(scheme, "Q,plan,Q2,achieved", "Q,plan,Q4,achieved", "Q,plan,Q2,no")
    assert problems(diagnostics) == [(4, "E609")]
    assert "line 2" in diagnostics[0].message


def test_unknown_column_is_named(scheme: Scheme) -> None:
    """A column the format does not have is E602 naming it; a notes column is ignored."""
    _, diagnostics = csv_of(scheme, "A,pct,68%,x", header="goal,indicator,value,source")
    assert problems(diagnostics) == [(1, "E602")]
    assert "'source'" in diagnostics[0].message
    read, diagnostics = csv_of(scheme, "A,pct,68%,from the audit",
                               header="goal,indicator,value,notes")
    assert diagnostics == [] and read is not None and len(read) == 1


def test_empty_file_and_missing_header(scheme: Scheme) -> None:
    """An empty file and a file whose first row is data are E601 at line 1."""
    read, diagnostics = parse_measurements("  \n", "data.csv", scheme)
    assert read is None and problems(diagnostics) == [(1, "E601")]
    read, diagnostics = parse_measurements("A,pct,,68%\n", "data.csv", scheme)
    assert read is None and problems(diagnostics) == [(1, "E601")]


def test_header_only_is_no_measurements(scheme: Scheme) -> None:
    """A header with no rows is a valid file holding nothing."""
    read, diagnostics = parse_measurements("goal,indicator,value\n", "data.csv", scheme)
    assert diagnostics == [] and read is not None and len(read) == 0


def test_quoted_multiline_cell_keeps_line_numbers(scheme: Scheme) -> None:
    """A note spanning two lines does not shift the line of later rows."""
    text = 'goal,indicator,value,note\nA,pct,68%,"two\nlines"\nA,count,-1,\n'
    _, diagnostics = parse_measurements(text, "data.csv", scheme)
    assert problems(diagnostics) == [(4, "E605")]


def test_every_bad_row_is_reported_not_only_the_first(scheme: Scheme) -> None:
    """Nothing stops at the first problem: three bad rows give three diagnostics."""
    _, diagnostics = csv_of(scheme, "A,pct,,0.5", "A,pct,,50%", "A,count,,x", "Z,a,,1")
    assert problems(diagnostics) == [(2, "E603"), (4, "E603"), (5, "E103")]


JSON_TEXT = """[
  {"goal": "A", "indicator": "pct", "value": "68%"},
  {
    "goal": "A",
    "indicator": "count",
    "value": 12.5
  },
  {"goal": "Q", "indicator": "plan", "period": "Q2", "value": true},
  {"goal": "A", "indicator": "inner.deep", "numerator": 3, "denominator": 4,
   "note": "ignored"}
]
"""


def test_json_reads_exactly_with_lines(scheme: Scheme) -> None:
    """JSON rows are read with Decimal numbers and each object's own starting line."""
    read, diagnostics = parse_measurements(JSON_TEXT, "data.json", scheme)
    assert diagnostics == []
    assert read is not None
    count = read[("A", ("count",), "year")]
    assert count.measured == NumberValue(Fraction(25, 2))
    assert count.origin == Origin("data.json", 3)
    assert read[("Q", ("plan",), "Q2")] == Measurement(Evidence(True), Origin("data.json", 8))
    assert read[("A", ("inner", "deep"), "year")].measured == Ratio(3, 4)


def test_json_errors_on_their_lines(scheme: Scheme) -> None:
    """A bare JSON number for a percent and an unknown key are reported at their objects' lines."""
    text = """[
  {"goal": "A", "indicator": "pct", "value": 0.68},
  {"goal": "A", "indicator": "count", "value": "3"},

  {"goal": "A", "indicator": "proof", "valeu": "achieved"}
]"""
    read, diagnostics = parse_measurements(text, "data.json", scheme)
    assert read is None
    assert problems(diagnostics) == [(2, "E603"), (5, "E602")]
    assert diagnostics[1].hint == "did you mean value?"


def test_json_that_is_not_a_list_or_is_broken(scheme: Scheme) -> None:
    """A JSON object instead of a list, or broken JSON, is E601 at its line."""
    _, diagnostics = parse_measurements('{"goal": "A"}', "data.json", scheme)
    assert problems(diagnostics) == [(1, "E601")]
    _, diagnostics = parse_measurements('[\n{"goal": "A",\n "indicator": }\n]', "d.json", scheme)
    assert problems(diagnostics) == [(3, "E601")]


def test_json_decimal_is_exact(scheme: Scheme) -> None:
    """0.1 in JSON is exactly one tenth, never a binary float."""
    text = '[{"goal": "A", "indicator": "count", "value": 0.1}]'
    read, _ = parse_measurements(text, "data.json", scheme)
    assert read is not None
    assert read[("A", ("count",), "year")].measured == NumberValue(Fraction(1, 10))


def test_read_measurements_from_files(scheme: Scheme, tmp_path: Path) -> None:
    """Files are read by path; a BOM is ignored and `.json` selects JSON."""
    csv_file = tmp_path / "data.csv"
    csv_file.write_bytes("\ufeffgoal,indicator,value\nA,pct,68%\n".encode())
    read, diagnostics = read_measurements(csv_file, scheme)
    assert diagnostics == [] and read is not None and len(read) == 1
    json_file = tmp_path / "data.json"
    json_file.write_text(JSON_TEXT, encoding="utf-8")
    read, diagnostics = read_measurements(json_file, scheme)
    assert diagnostics == [] and read is not None and len(read) == 4


def test_file_that_is_not_utf8(scheme: Scheme, tmp_path: Path) -> None:
    """Latin-1 bytes are E601 with the byte offset, on the line they are in."""
    data = tmp_path / "data.csv"
    data.write_bytes(b"goal,indicator,value\nA,pct,68\xa3\n")
    read, diagnostics = read_measurements(data, scheme)
    assert read is None
    assert problems(diagnostics) == [(2, "E601")]
    assert "byte 29" in diagnostics[0].message


def test_from_mapping(scheme: Scheme) -> None:
    """The API mapping takes file-style strings, numbers and model values."""
    read, diagnostics = Measurements.from_mapping(
        {
            "A.pct": "68%",
            "A.count": 212,
            "A.proof": Evidence(False),
            "A.inner.deep": Ratio(1, 2),
            "Q.plan Q2": "achieved",
            "Q.plan Q4": Decimal("0") == 0,
        },
        scheme,
    )
    assert diagnostics == []
    assert read is not None
    assert read[("A", ("count",), "year")].measured == NumberValue(Fraction(212))
    assert read[("A", ("inner", "deep"), "year")].measured == Ratio(1, 2)
    assert read[("Q", ("plan",), "Q4")].measured == Evidence(True)


def test_from_mapping_errors(scheme: Scheme) -> None:
    """Bad mapping entries are reported, each at its position, and nothing is returned."""
    read, diagnostics = Measurements.from_mapping(
        {"A.pct": Fraction(68, 100), "A": "68%", "A.count": PercentValue(Fraction(1, 2))},
        scheme,
    )
    assert read is None
    assert problems(diagnostics) == [(1, "E603"), (2, "E602"), (3, "E604")]
