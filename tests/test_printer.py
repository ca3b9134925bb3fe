"""The printer: canonical text for every construct, read back to the same model."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from strategies import schemes

from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.model import (
    Baseline,
    DenominatorBelow,
    Fixed,
    FixedPay,
    Goal,
    Header,
    Indicator,
    LinearPay,
    Located,
    PayRule,
    Pounds,
    Quantity,
    Ratio,
    Row,
    Scheme,
    ValueIs,
)
from cquin_rules.syntax.printer import (
    decimal,
    measured,
    money,
    pay_rule,
    percent,
    points,
    print_scheme,
    string,
)

parser = pytest.importorskip("cquin_rules.syntax.parser")

SHARED = Path("/work/shared")
SPEC = SHARED / "spec" / "LANGUAGE.md"
CONFORMANCE = sorted((SHARED / "conformance").glob("*/rulebook.cquin"))


def parse_clean(text: str) -> Scheme:
    scheme, diagnostics = parser.parse(text, "<printed>")
    errors = [d for d in diagnostics if d.severity == "error"]
    assert scheme is not None and not errors, (errors, text)
    return scheme


def spec_rulebook() -> str:
    blocks = re.findall(r"```\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if block.lstrip().startswith("# Northshire"))


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Fraction(3_000_000), "£3,000,000"),
        (Fraction(123456, 100), "£1,234.56"),
        (Fraction(5, 100), "£0.05"),
        (Fraction(0), "£0"),
        (Fraction(1_000_000_01, 100), "£1,000,000.01"),
    ],
)
def test_money_is_grouped_in_thousands_with_pence_only_when_needed(
    amount: Fraction, text: str
) -> None:
    """Money prints as `£1,234.56`, or `£3,000,000` when whole pounds."""
    assert money(amount) == text


def test_percent_and_points_drop_trailing_zeros() -> None:
    """62.5% and 5pp print without trailing zeros; numbers print plainly."""
    assert percent(Fraction(5, 8)) == "62.5%"
    assert percent(Fraction(1)) == "100%"
    assert percent(Fraction(1, 10_000)) == "0.01%"
    assert points(Fraction(1, 20)) == "5pp"
    assert decimal(Fraction(25, 2)) == "12.5"
    assert decimal(Fraction(1000)) == "1000"


@pytest.mark.parametrize(
    "value", [Fraction(1, 3), Fraction(-1), Fraction(1, 1000)]
)
def test_values_the_language_cannot_write_are_refused(value: Fraction) -> None:
    """A non-decimal percent, a negative number or a fraction of a penny raises ValueError."""
    with pytest.raises(ValueError):
        money(value) if value == Fraction(1, 1000) else percent(value)


def test_strings_escape_quotes_and_backslashes() -> None:
    """Only `\\"` and `\\\\` are escapes, and both are used."""
    assert string('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'


def test_one_line_forms_are_written_as_they_were() -> None:
    """`linear` and `when` forms print on one line; a table row by row (aligning the rows is
    the formatter's job: see test_printed_text_is_already_canonical)."""
    linear = PayRule("linear", (Row(LinearPay(Fixed(Quantity(Fraction(3, 5), "percent")),
                                               Fixed(Quantity(Fraction(3, 4), "percent"))),
                                     None),))
    when = PayRule("when", (
        Row(FixedPay(Fraction(1)), ValueIs(">=", Fixed(Quantity(Fraction(9, 10), "percent")))),
        Row(FixedPay(Fraction(0)), None),
    ))
    table = PayRule("table", (
        Row(FixedPay(Fraction(1)), DenominatorBelow(20)),
        Row(FixedPay(Fraction(1)), ValueIs("<=", Baseline("*", Quantity(Fraction(4, 5),
                                                                         "percent")))),
        Row(LinearPay(Baseline("+", Quantity(Fraction(1, 20), "points")), Baseline("", None)),
            None),
    ))
    assert pay_rule(linear) == ["pay linear from 60% to 75%"]
    assert pay_rule(when) == ["pay 100% when value >= 90%"]
    assert pay_rule(table) == [
        "pay {",
        "  100% when denominator < 20",
        "  100% when value <= baseline * 80%",
        "  linear from baseline + 5pp to baseline otherwise",
        "}",
    ]


def test_ratio_prints_as_a_fraction() -> None:
    """A measured ratio keeps its denominator: `140/200`."""
    assert measured(Ratio(140, 200)) == "140/200"


def test_header_statements_print_in_canonical_order() -> None:
    """A small scheme prints exactly, two spaces per level."""
    scheme = Scheme(Header("T", contract_value=Located(Fraction(120_000_000)),
                           cquin_value=Located(Pounds(Fraction(3_000_000)))),
                    ())
    assert print_scheme(scheme) == (
        'scheme "T" {\n  contract value £120,000,000\n  cquin value £3,000,000\n}\n'
    )


def test_goal_prints_its_items_nested() -> None:
    """A goal's statements then its items, nested two spaces a level; no title, no string."""
    goal = Goal("FLU", "Flu", scope=Located("national"), domains=Located(("safety",)),
                weight=Located(Fraction(1, 5)),
                items=(Indicator("uptake", None, pay=PayRule("linear", (Row(LinearPay(
                    Fixed(Quantity(Fraction(3, 5), "percent")),
                    Fixed(Quantity(Fraction(3, 4), "percent"))), None),))),))
    text = print_scheme(Scheme(Header("T"), (goal,)))
    assert text.endswith(
        'goal FLU "Flu" {\n  national\n  domain safety\n  weight 20%\n'
        "  indicator uptake {\n    pay linear from 60% to 75%\n  }\n}\n"
    )


def test_spec_rulebook_round_trips() -> None:
    """The reference's whole rulebook parses, prints, and parses back to the same model."""
    scheme = parse_clean(spec_rulebook())
    printed = print_scheme(scheme)
    assert parse_clean(printed) == scheme
    assert print_scheme(parse_clean(printed)) == printed


@pytest.mark.parametrize("path", CONFORMANCE, ids=lambda p: p.parent.name)
def test_conformance_rulebooks_round_trip(path: Path) -> None:
    """Every shared conformance rulebook that parses reads back equal after printing."""
    scheme, diagnostics = parser.parse(path.read_text(encoding="utf-8"), str(path))
    if scheme is None or any(d.severity == "error" for d in diagnostics):
        pytest.skip("a syntax-error case")
    assert parse_clean(print_scheme(scheme)) == scheme


@given(schemes())
def test_printed_text_is_already_canonical(scheme: Scheme) -> None:
    """Printer and formatter share one layout: format(print(model)) == print(model)."""
    text = print_scheme(scheme)
    assert format_text(text)[0] == text
