"""Numbers in messages are quoted exactly as written (issue 10, defect 7).

One test per message family, each with a number of many decimals that rounding to four or
six places would change, so a message that rounds fails here.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.check.scheme import check
from cquin_rules.engine.measurements import BadInput, measured_value
from cquin_rules.frameworks.compliance import check_framework
from cquin_rules.frameworks.loading import load_framework
from cquin_rules.semantics.compile import compile_scheme
from cquin_rules.semantics.money import as_written, exact_pounds, percent_as_written
from cquin_rules.syntax.parser import parse

HEADER = """scheme "Exact" {
  provider "P"
  commissioner "C"
  year 2019/20
  cquin value £100,000
}
"""


def diagnose(text: str) -> list[Diagnostic]:
    scheme, problems = parse(text)
    assert scheme is not None and problems == [], problems
    return check(scheme)


def one_indicator(body: str) -> str:
    return HEADER + f"""
goal A "Only" {{
  domain safety
  weight 100%
  indicator x {{
    {body}
  }}
}}
"""


def only(text: str, code: str) -> Diagnostic:
    found = [d for d in diagnose(text) if d.code == code]
    assert len(found) == 1, diagnose(text)
    return found[0]


def words(found: Diagnostic) -> str:
    return f"{found.message} / {found.hint}"


def test_e406_percent_operand_is_quoted_exactly() -> None:
    """`baseline + 12.34567%` is told to write `baseline + 12.34567pp`, not `12.3457pp`."""
    found = only(one_indicator("baseline 50%\n    pay 100% when value >= baseline + 12.34567%"),
                 "E406")
    assert "12.34567 percentage points" in found.message
    assert found.hint is not None
    assert "`baseline + 12.34567pp`" in found.hint
    assert "`baseline * 112.34567%`" in found.hint


def test_e406_plain_number_operand_is_quoted_exactly() -> None:
    """A plain-number operand on a percent keeps all its digits in the suggested `pp`."""
    found = only(one_indicator("baseline 50%\n    pay 100% when value >= baseline - 0.1234567"),
                 "E406")
    assert found.hint is not None and "`baseline - 0.1234567pp`" in found.hint


def test_e406_on_a_number_measure_is_quoted_exactly() -> None:
    """On a number measure, `baseline + 1.234567%` is read back as 0.01234567 or 1.234567%."""
    found = only(one_indicator(
        "measure number\n    baseline 200\n    pay 100% when value >= baseline + 1.234567%"
    ), "E406")
    assert "0.01234567, or 1.234567% of the baseline" in found.message
    assert found.hint is not None and "`baseline * 101.234567%`" in found.hint


def test_e408_plain_threshold_and_baseline_are_quoted_exactly() -> None:
    """A bare number on a percent (threshold or baseline) is echoed with every digit."""
    threshold = only(one_indicator("pay 100% when value >= 0.123456789"), "E408")
    assert threshold.message.startswith("0.123456789 is a plain number")
    assert threshold.hint is not None and "12.3456789%" in threshold.hint
    baseline = only(one_indicator("baseline 61.234567\n    pay linear from 60% to 90%"), "E408")
    assert baseline.hint is not None and "`baseline 61.234567%`" in baseline.hint


def test_e402_row_and_threshold_are_quoted_exactly() -> None:
    """A row paying over 100% and a threshold beyond 100% keep their digits."""
    row = only(one_indicator("pay { 100.123456% when value >= 90%  0% otherwise }"), "E402")
    assert "pays 100.123456%" in row.message
    beyond = only(one_indicator(
        "baseline 95.5%\n    pay 100% when value >= baseline + 4.5000001pp"), "E402")
    assert "baseline + 4.5000001pp, which comes to 100.0000001%" in beyond.message


def test_e401_line_ends_are_quoted_exactly() -> None:
    """A line from baseline to the same level names that level exactly."""
    found = only(one_indicator(
        "baseline 60.1234567%\n    pay linear from baseline to 60.1234567%"), "E401")
    assert "from 60.1234567% to 60.1234567%" in found.message


def test_e201_money_gap_is_exact() -> None:
    """E201 quotes the goals' total and the gap exactly: £97,998.0000001 is £2,001.9999999
    short, never `£2,002.000000 short` or a rounded £2,002.00."""
    text = HEADER + """
goal A "a" { domain safety value £50,000 indicator x { pay linear from 60% to 90% } }
goal B "b" { domain safety weight 47.9980000001% indicator x { pay linear from 60% to 90% } }
"""
    found = only(text, "E201")
    assert "totals £97,998.0000001" in found.message
    assert "£2,001.9999999 short" in found.message


def test_e202_national_gap_is_exact() -> None:
    """E202 quotes the national goals' total and the gap exactly."""
    text = HEADER.replace("cquin value £100,000", "contract value £1,000,000\n"
                          "  cquin value 10% of contract\n"
                          "  national value 1.23456789% of contract") + """
goal N "n" { national domain safety value £12,345.67 indicator x { pay linear from 60% to 90% } }
goal L "l" { domain safety value £87,654.33 indicator x { pay linear from 60% to 90% } }
"""
    found = only(text, "E202")
    assert "national value is £12,345.6789" in found.message
    assert "less than a penny short: £0.0089" in found.message


def test_e203_weights_total_is_exact() -> None:
    """E203 quotes the items' weights total with every digit."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 100%
  indicator x { weight 33.333333% pay linear from 60% to 90% }
  indicator y { weight 66.666666% pay linear from 60% to 90% }
}
"""
    assert "total 99.999999%, not 100%" in only(text, "E203").message


def test_e302_cap_amounts_are_exact() -> None:
    """E302 shows the framework's pounds exactly on a contract that makes a fraction of a
    penny (1.25% of £1,000,000.01 is £12,500.000125)."""
    framework, problems = load_framework("nhs_england_2019_20", None)
    assert framework is not None, problems
    text = HEADER.replace("year 2019/20", "year 2019/20\n  framework nhs_england_2019_20").replace(
        "cquin value £100,000", "contract value £1,000,000.01\n  cquin value £12,500") + """
goal A "a" { domain safety value £12,500 indicator x { pay linear from 60% to 90% } }
"""
    scheme, parsed = parse(text)
    assert scheme is not None and parsed == [], parsed
    found = [d for d in check_framework(scheme, framework, from_command_line=False)
             if d.code == "E302"]
    assert found and "£12,500.000125" in found[0].message


@pytest.mark.parametrize(("raw", "words_expected"), [
    ("0.1234567", "is it 0.1234567% or 12.34567%?"),
])
def test_measurement_bare_number_on_a_percent_is_quoted_exactly(
    raw: str, words_expected: str
) -> None:
    """E603 asks whether a bare number meant itself or a share, with every digit."""
    with pytest.raises(BadInput) as caught:
        measured_value(raw, "percent", "A.x")
    assert words_expected in str(caught.value.args)


def test_measurement_out_of_range_percent_is_quoted_exactly() -> None:
    """E605 names a percent above 100% with all its digits."""
    with pytest.raises(BadInput) as caught:
        measured_value("100.0000001%", "percent", "A.x")
    assert "100.0000001% for A.x is outside" in str(caught.value.args)


def test_exact_writers() -> None:
    """The money module's exact writers keep every digit a person could write."""
    assert as_written(Fraction("12.34567")) == "12.34567"
    assert percent_as_written(Fraction("0.1234567")) == "12.34567%"
    assert exact_pounds(Fraction("1.9999999")) == "£1.9999999"
    assert exact_pounds(Fraction(11)) == "£11.00"
    assert exact_pounds(Fraction(-1234567, 1000)) == "-£1,234.567"
    assert exact_pounds(Fraction(800000, 3)) == "£266,666.666667…"


def test_goal_sentence_quotes_written_weights_and_shares_exactly() -> None:
    """A goal's rule in words shows a written weight or period share with every digit."""
    text = HEADER + """
goal A "a" {
  domain safety
  weight 50%
  indicator x { weight 33.335% pay linear from 60% to 90% }
  indicator y { weight 66.665% pay linear from 60% to 90% }
}
goal B "b" {
  domain safety
  weight 50%
  period Q2 12.5001% { indicator x { pay linear from 60% to 90% } }
  period Q4 87.4999% { indicator x { pay linear from 60% to 90% } }
}
"""
    scheme, problems = parse(text)
    assert scheme is not None and problems == [], problems
    first, second = compile_scheme(scheme).goals
    assert first.rule_text == "weighted: x 33.335%, y 66.665%"
    assert second.rule_text == "by period: Q2 12.5001% (x), Q4 87.4999% (x)"
