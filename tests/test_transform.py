"""Parse tree to model: values, spans, E104 repeats and E001 word and literal mistakes."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.syntax.model import (
    Achieved,
    Baseline,
    DenominatorBelow,
    Evidence,
    ExampleInput,
    ExpectMoney,
    ExpectStatus,
    FinancialYear,
    Fixed,
    FixedPay,
    FrameworkRef,
    Indicator,
    LinearPay,
    NumberValue,
    Part,
    PercentValue,
    Pounds,
    Quantity,
    Ratio,
    Reported,
    Row,
    Scheme,
    ShareOfContract,
    Target,
    ValueIs,
)
from cquin_rules.syntax.parser import parse

SPEC = Path(__file__).parent.parent / "docs" / "LANGUAGE.md"
SPEC_TEXT = Path("/work/shared/spec/LANGUAGE.md")
CONFORMANCE_EXAMPLE = Path(__file__).parent / "conformance" / "01-spec-example" / "rulebook.cquin"


def _spec_example() -> str:
    """The whole rulebook of section 1 of the language reference."""
    for path in (SPEC, SPEC_TEXT):
        if path.is_file():
            match = re.search(
                r"## 1\. A whole rulebook\s+```\n(.*?)```", path.read_text("utf-8"), re.S
            )
            if match:
                return match.group(1)
    return CONFORMANCE_EXAMPLE.read_text("utf-8")


EXAMPLE = _spec_example()
HEADER = 'scheme "S" {\n  cquin value £500,000\n}\n'


def model(text: str) -> Scheme:
    scheme, diagnostics = parse(text)
    assert diagnostics == [], [d.render(text) for d in diagnostics]
    assert scheme is not None
    return scheme


def problems(text: str) -> list[Diagnostic]:
    scheme, diagnostics = parse(text)
    assert scheme is not None, "the transform stage always gives a model"
    return diagnostics


def only(diagnostics: list[Diagnostic], code: str = "E001") -> Diagnostic:
    assert [d.code for d in diagnostics] == [code], [d.render() for d in diagnostics]
    return diagnostics[0]


def goal(body: str, domain: str = "domain safety") -> str:
    return HEADER + f'goal A "A" {{\n  {domain}\n  {body}\n}}\n'


def indicator(body: str) -> Indicator:
    scheme = model(goal(f"weight 100%\n  indicator x {{\n    {body}\n  }}"))
    item = scheme.goals[0].items[0]
    assert isinstance(item, Indicator)
    return item


def header(body: str) -> str:
    return f'scheme "S" {{\n  {body}\n}}\n'


# ---- the section 1 example -----------------------------------------------------------


def test_the_spec_example_header() -> None:
    """The header of section 1: parties, year, contract value and the two shares."""
    head = model(EXAMPLE).header
    assert head.title == "Northshire Health and Care CQUIN 2018/19"
    assert (
        head.provider is not None and head.provider.value == "Northshire Health and Care NHS Trust"
    )
    assert [c.value for c in head.commissioners] == ["NHS Northshire CCG"]
    assert head.year is not None and str(head.year.value) == "2018/19"
    assert head.contract_value is not None and head.contract_value.value == 120_000_000
    assert head.cquin_value is not None
    assert head.cquin_value.value == ShareOfContract(Fraction(25, 1000))
    assert head.national_value is not None
    assert head.national_value.value == ShareOfContract(Fraction(5, 1000))


def test_the_spec_example_goals() -> None:
    """FLU weight 1/5 with a linear rule, AED's baseline 250 and bands, REC's periods."""
    flu, cma, aed, rec = model(EXAMPLE).goals
    assert flu.code == "FLU" and flu.scope_kind == "national"
    assert flu.domains is not None and flu.domains.value == ("safety",)
    assert flu.weight is not None and flu.weight.value == Fraction(1, 5)
    uptake = flu.items[0]
    assert isinstance(uptake, Indicator) and uptake.source == "Staff flu vaccination return"
    linear = LinearPay(
        Fixed(Quantity(Fraction(3, 5), "percent")), Fixed(Quantity(Fraction(3, 4), "percent"))
    )
    assert uptake.pay is not None and uptake.pay.form == "linear"
    assert uptake.pay.rows == (Row(linear, None),)

    assert cma.scope_kind == "local" and [i.name for i in cma.items] == [
        "inpatient",
        "community",
        "early",
    ]
    assert [i.weight.value for i in cma.items if i.weight] == [
        Fraction(2, 5),
        Fraction(3, 10),
        Fraction(3, 10),
    ]

    attendances = aed.items[0]
    assert isinstance(attendances, Indicator)
    assert attendances.baseline is not None
    assert attendances.baseline.value == Quantity(Fraction(250), "number")
    assert attendances.direction is not None and attendances.direction.value == "lower"
    assert attendances.measure_kind == "number"
    assert attendances.pay is not None and attendances.pay.form == "table"
    assert attendances.pay.rows == (
        Row(
            FixedPay(Fraction(1)), ValueIs("<=", Baseline("*", Quantity(Fraction(4, 5), "percent")))
        ),
        Row(
            FixedPay(Fraction(1, 2)),
            ValueIs("<=", Baseline("*", Quantity(Fraction(9, 10), "percent"))),
        ),
        Row(FixedPay(Fraction(0)), None),
    )

    assert rec.items == ()
    assert [(p.name, p.share.value) for p in rec.periods] == [
        ("Q2", Fraction(1, 2)),
        ("Q4", Fraction(1, 2)),
    ]
    plan = rec.periods[0].items[0]
    assert isinstance(plan, Indicator) and plan.measure_kind == "evidence"
    assert plan.pay is not None and plan.pay.rows[0].condition == Achieved(False)


def test_the_spec_example_examples() -> None:
    """The example's inputs and expectations, with measured values of the right kind."""
    (example,) = model(EXAMPLE).examples
    assert example.name == "a typical year"
    assert example.inputs[0] == ExampleInput(
        Target("FLU", ("uptake",)), PercentValue(Fraction(17, 25))
    )
    assert example.inputs[2].measured == Ratio(140, 200)
    assert example.inputs[4].measured == NumberValue(Fraction(212))
    assert example.inputs[5] == ExampleInput(Target("REC", ("plan",), "Q2"), Evidence(True))
    assert example.inputs[6].measured == Evidence(False)
    assert example.expectations == (
        ExpectMoney(Target("FLU"), Fraction(320_000)),
        ExpectStatus(Target("CMA"), "partially met"),
        ExpectMoney("total", Fraction(1_700_000)),
        ExpectMoney("national", Fraction(320_000)),
    )


def test_layout_and_comments_do_not_change_the_model() -> None:
    """The spec example squeezed onto fewer lines, without comments, gives an equal model."""
    without_comments = re.sub(r"#[^\n]*", "", EXAMPLE)
    reformatted = re.sub(r"\s+", " ", without_comments).replace("{ ", "{\n\n\t")
    assert reformatted != EXAMPLE
    assert model(reformatted) == model(EXAMPLE)
    assert model(reformatted).goals[1].span != model(EXAMPLE).goals[1].span


# ---- spans -----------------------------------------------------------------------------


def test_spans_cover_the_statement() -> None:
    """Located statements span the whole statement; blocks start at their keyword."""
    scheme = model(EXAMPLE)
    lines = EXAMPLE.splitlines()
    cquin = scheme.header.cquin_value
    assert cquin is not None
    line = lines[cquin.span.line - 1]
    assert line[cquin.span.column - 1 : cquin.span.end_column - 1] == "cquin value 2.5% of contract"
    flu = scheme.goals[0]
    assert flu.weight is not None
    weight_line = lines[flu.weight.span.line - 1]
    assert weight_line[flu.weight.span.column - 1 : flu.weight.span.end_column - 1] == "weight 20%"
    assert lines[flu.span.line - 1][flu.span.column - 1 :].startswith("goal FLU")
    uptake = flu.items[0]
    assert isinstance(uptake, Indicator) and uptake.pay is not None
    pay_line = lines[uptake.pay.span.line - 1]
    assert pay_line[uptake.pay.span.column - 1 : uptake.pay.span.end_column - 1] == (
        "pay linear from 60% to 75%"
    )
    period = scheme.goals[3].periods[0]
    assert lines[period.span.line - 1][period.span.column - 1 :].startswith("period Q2")


def test_threshold_and_row_spans() -> None:
    """A threshold spans its expression; a row spans the row."""
    text = goal(
        "indicator x {\n    baseline 50%\n    pay {\n      100% when value >= baseline + 5pp\n"
        "      0% otherwise\n    }\n  }"
    )
    item = model(text).goals[0].items[0]
    assert isinstance(item, Indicator) and item.pay is not None
    lines = text.splitlines()
    first, last = item.pay.rows
    assert isinstance(first.condition, ValueIs)
    span = first.condition.threshold.span
    assert lines[span.line - 1][span.column - 1 : span.end_column - 1] == "baseline + 5pp"
    assert (
        lines[last.span.line - 1][last.span.column - 1 : last.span.end_column - 1] == "0% otherwise"
    )


# ---- literals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "pounds"),
    [
        ("£440347", Fraction(440347)),
        ("£3,000,000", Fraction(3_000_000)),
        ("£1,234.56", Fraction(123456, 100)),
        ("£250k", Fraction(250_000)),
        ("£1.5m", Fraction(1_500_000)),
        ("£1.23456m", Fraction(1_234_560)),
        ("£1_000", Fraction(1000)),
        ("£0.01", Fraction(1, 100)),
    ],
)
def test_money_is_read_exactly(written: str, pounds: Fraction) -> None:
    """Every way the language writes money gives the exact number of pounds."""
    cquin = model(header(f"cquin value {written}")).header.cquin_value
    assert cquin is not None and cquin.value == Pounds(pounds)


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("£1,2345", "group digits in threes"),
        ("£12,34", "group digits in threes"),
        ("£1,000.5", "exactly two digits"),
        ("£1.234", "exactly two digits"),
        ("£1.234567k", "not a whole number of pence"),
        ("£1,000k", "without commas"),
        ("£1__0", "underscore"),
        ("£1_", "underscore"),
    ],
)
def test_malformed_money_is_e001(written: str, hint: str) -> None:
    """Money written any other way is E001 at the amount, with a hint saying why."""
    text = header(f"contract value {written}")
    error = only(problems(text))
    assert error.message == f"`{written}` is not an amount of money"
    assert error.hint is not None and hint in error.hint
    assert (error.line, error.column) == (2, 18)


def test_literal_kinds_are_exact_fractions() -> None:
    """62.5% is 5/8 (percent), 1_000 is 1000 (number), 5pp is 1/20 (points); never floats."""
    item = indicator("baseline 62.5%\n    pay linear from baseline + 5pp to 1_000.25")
    assert item.baseline is not None
    assert item.baseline.value == Quantity(Fraction(5, 8), "percent")
    assert item.pay is not None
    payout = item.pay.rows[0].payout
    assert isinstance(payout, LinearPay)
    assert payout.start == Baseline("+", Quantity(Fraction(1, 20), "points"))
    assert payout.end == Fixed(Quantity(Fraction(4001, 4), "number"))
    assert type(payout.end.quantity.value) is Fraction


@pytest.mark.parametrize("written", ["1__000", "1_", "1_.5"])
def test_an_underscore_only_between_digits(written: str) -> None:
    """A misplaced underscore in a number is E001 at that number."""
    error = only(
        problems(
            goal(f"weight 100%\n  indicator x {{ baseline {written} pay 100% when reported }}")
        )
    )
    assert "underscore" in (error.hint or "")
    assert error.message == f"`{written}` is not a well-formed number"


@pytest.mark.parametrize(
    ("year", "ok"),
    [("2018/19", True), ("1999/00", True), ("2018/20", False), ("2018/18", False)],
)
def test_a_financial_year_must_follow_on(year: str, ok: bool) -> None:
    """`2018/19` and `1999/00` are years; `2018/20` is E001 suggesting the right one."""
    scheme, diagnostics = parse(header(f"year {year}"))
    assert scheme is not None
    if ok:
        assert diagnostics == []
        assert scheme.header.year is not None and str(scheme.header.year.value) == year
    else:
        error = only(diagnostics)
        assert error.hint == f"did you mean `{year[:5]}{(int(year[:4]) + 1) % 100:02d}`?"
    assert scheme.header.year is not None
    assert scheme.header.year.value == FinancialYear(int(year[:4]), int(year[:4]) + 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (header("reconcile at months 6, 9, 13"), "a reconciliation month must be from 1 to 12"),
        (header("reconcile at months 0"), "a reconciliation month must be from 1 to 12"),
        (header("reconcile at months 6.5"), "a reconciliation month must be a whole number"),
        (goal("combine at least 1.5"), "must be a whole number"),
    ],
)
def test_counts_must_be_whole(text: str, message: str) -> None:
    """Counts (months, `combine at least`) must be whole and in range."""
    assert message in only(problems(text)).message


def test_denominators_must_be_whole() -> None:
    """`minimum denominator` and `denominator < N` take whole numbers."""
    text = goal(
        "weight 100%\n  indicator x { minimum denominator 2.5 pay { 50% when denominator < 10.5 "
        "0% otherwise } }"
    )
    assert [d.message.split(",")[0] for d in problems(text)] == [
        "a minimum denominator must be a whole number",
        "the number in `denominator <` must be a whole number",
    ]
    item = indicator("minimum denominator 20\n    pay { 50% when denominator < 10  0% otherwise }")
    assert item.minimum_denominator is not None and item.minimum_denominator.value == 20
    assert item.pay is not None and item.pay.rows[0].condition == DenominatorBelow(10)


def test_the_header_reads_every_statement() -> None:
    """Every header statement lands in its field, commissioners in order."""
    text = header(
        'framework nhs_england_2018_19\n  commissioner "A"\n  commissioner "B \\"b\\""\n'
        "  outturn value £2m\n  payment on account 100%\n  reconcile at months 6, 12"
    )
    head = model(text).header
    assert head.framework == FrameworkRef("nhs_england_2018_19", False)
    assert [c.value for c in head.commissioners] == ["A", 'B "b"']
    assert head.outturn_value is not None and head.outturn_value.value == 2_000_000
    assert head.payment_on_account is not None and head.payment_on_account.value == 1
    assert head.reconcile_months is not None and head.reconcile_months.value == (6, 12)
    path = model(header('framework "../rules/ours.cquin"')).header.framework
    assert path == FrameworkRef("../rules/ours.cquin", True)


# ---- words the grammar leaves open ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "word", "suggestion"),
    [
        ("domain safty", "safty", "safety"),
        ("domain safety, efectiveness", "efectiveness", "effectiveness"),
        ("status gren", "gren", "green"),
        ("period q2 100% { indicator x { pay 100% when reported } }", "q2", "Q2"),
        ("period yaer 100% { indicator x { pay 100% when reported } }", "yaer", "year"),
        ("indicator x { reported montly pay 100% when reported }", "montly", "monthly"),
    ],
)
def test_unknown_words_are_e001_with_did_you_mean(body: str, word: str, suggestion: str) -> None:
    """Unknown domain, period, negotiation status or frequency: E001 with a did-you-mean."""
    text = goal(body, domain="" if body.startswith("domain") else "domain safety")
    error = only(problems(text))
    assert error.message.startswith(f"`{word}` is not a")
    assert error.hint == f"did you mean `{suggestion}`?"
    assert text.splitlines()[error.line - 1][error.column - 1 :].startswith(word)


def test_an_unknown_period_in_an_example_is_e001() -> None:
    """`A.x Q9 = 50%` names no period: E001, and the target keeps no period."""
    scheme, diagnostics = parse(HEADER + 'example "e" {\n  A.x Q9 = 50%\n}\n')
    assert only(diagnostics).message.startswith("`Q9` is not a period")
    assert scheme is not None and scheme.examples[0].inputs[0].target == Target("A", ("x",))


def test_keywords_are_fine_as_names() -> None:
    """`indicator total`, `indicator value` and a period named `year` are names."""
    body = (
        "weight 100%\n  period year 100% {\n"
        "    indicator total { pay 100% when value >= 90% }\n"
        "    indicator value { pay linear from 1 to 2 }\n  }"
    )
    example = (
        'example "e" {\n  A.total year = 95%\n  A.value = 2\n  expect A.total year status met\n}\n'
    )
    text = goal(body) + example
    scheme = model(text)
    period = scheme.goals[0].periods[0]
    assert period.name == "year"
    assert [i.name for i in period.items] == ["total", "value"]
    (checked,) = scheme.examples
    assert checked.inputs[0].target == Target("A", ("total",), "year")
    assert checked.expectations == (ExpectStatus(Target("A", ("total",), "year"), "met"),)


# ---- E104: a statement given twice -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "second"),
    [
        (header("year 2018/19\n  year 2019/20"), "year 2019/20"),
        (header("cquin value £1\n  cquin value 2% of contract"), "cquin value 2% of contract"),
        (header('provider "P"\n  provider "Q"'), 'provider "Q"'),
        (goal("weight 10%\n  weight 20%"), "weight 20%"),
        (goal("national\n  local"), "local"),
        (goal("domain experience"), "domain experience"),
        (goal("combine all\n  combine minimum"), "combine minimum"),
        (goal('lead "a"\n  lead "b"'), 'lead "b"'),
    ],
)
def test_a_statement_given_twice_is_e104_at_the_second(text: str, second: str) -> None:
    """Two of a statement where one is expected: E104 at the second; the first is kept."""
    error = only(problems(text), "E104")
    line = text.splitlines()[error.line - 1]
    assert line[error.column - 1 : error.span.end_column - 1] == second
    assert error.hint is not None and "the first" in error.hint


@pytest.mark.parametrize(
    ("body", "second"),
    [
        ("measure number\n    measure percent", "measure percent"),
        ("higher is better\n    lower is better", "lower is better"),
        ("weight 50%\n    weight 50%", "weight 50%"),
        ("pay 100% when reported\n    pay linear from 1% to 2%", "pay linear from 1% to 2%"),
        ("baseline 5\n    baseline 6", "baseline 6"),
        ('source "a"\n    source "b"', 'source "b"'),
    ],
)
def test_indicator_statements_given_twice_are_e104(body: str, second: str) -> None:
    """Inside an indicator too: two `measure`, `pay`, directions, ... are E104."""
    text = goal(f"weight 100%\n  indicator x {{\n    {body}\n  }}")
    scheme, diagnostics = parse(text)
    error = only(diagnostics, "E104")
    assert text.splitlines()[error.line - 1].strip() == second
    assert scheme is not None


def test_the_first_statement_is_kept() -> None:
    """After E104 the model holds the first value given."""
    scheme, _ = parse(goal("weight 10%\n  weight 20%\n  national\n  local"))
    assert scheme is not None
    assert scheme.goals[0].weight is not None and scheme.goals[0].weight.value == Fraction(1, 10)
    assert scheme.goals[0].scope_kind == "national"


def test_several_commissioners_are_fine() -> None:
    """`commissioner` may be given more than once."""
    assert len(model(header('commissioner "A"\n  commissioner "B"')).header.commissioners) == 2


# ---- pay rules and examples -------------------------------------------------------------


def test_one_line_pay_forms_become_tables() -> None:
    """`pay P when C` is the table `P when C`, `0% otherwise`."""
    item = indicator("measure evidence\n    pay 50% when not achieved")
    assert item.pay is not None and item.pay.form == "when"
    assert item.pay.rows == (
        Row(FixedPay(Fraction(1, 2)), Achieved(True)),
        Row(FixedPay(Fraction(0)), None),
    )


def test_table_rows_and_conditions() -> None:
    """Every row and condition form of a pay table becomes its model node."""
    item = indicator(
        "pay {\n      100% when denominator < 5\n      100% when reported\n"
        "      linear from baseline - 2 to baseline when value > 1\n"
        "      linear from 10% to 20% otherwise\n    }"
    )
    assert item.pay is not None
    assert [row.condition for row in item.pay.rows] == [
        DenominatorBelow(5),
        Reported(),
        ValueIs(">", Fixed(Quantity(Fraction(1), "number"))),
        None,
    ]
    payout = item.pay.rows[2].payout
    assert payout == LinearPay(Baseline("-", Quantity(Fraction(2), "number")), Baseline("", None))


def test_example_lines() -> None:
    """Example inputs of every kind and every `expect` form."""
    text = HEADER + (
        'example "e" {\n  A.p.x H1 = 140/200\n  A.y = yes\n  A.z = no\n  A.w = 12.5\n'
        "  expect A = £1.00\n  expect A.p.x H1 status not met\n  expect A.y status not reported\n"
        "  expect local = £0\n}\n"
    )
    (example,) = model(text).examples
    assert [i.measured for i in example.inputs] == [
        Ratio(140, 200),
        Evidence(True),
        Evidence(False),
        NumberValue(Fraction(25, 2)),
    ]
    assert example.inputs[0].target == Target("A", ("p", "x"), "H1")
    assert example.expectations == (
        ExpectMoney(Target("A"), Fraction(1)),
        ExpectStatus(Target("A", ("p", "x"), "H1"), "not met"),
        ExpectStatus(Target("A", ("y",)), "not reported"),
        ExpectMoney("local", Fraction(0)),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3/0", "`3/0` has a zero denominator"),
        ("5/4", "`5/4` has a numerator above its denominator"),
    ],
)
def test_impossible_fractions_are_e001(value: str, message: str) -> None:
    """A measured fraction with a zero denominator, or above one, is E001 at the value."""
    text = HEADER + f'example "e" {{\n  A.x = {value}\n}}\n'
    error = only(problems(text))
    assert error.message == message
    assert (error.line, error.column) == (5, 9)


def test_parts_nest() -> None:
    """Parts hold parts and indicators, with their own weight and combine."""
    text = goal(
        'weight 100%\n  part p "P" {\n    weight 100%\n    combine all\n'
        "    part q { indicator x { pay 100% when reported } }\n  }"
    )
    part = model(text).goals[0].items[0]
    assert isinstance(part, Part) and part.title == "P"
    assert part.combine is not None and part.combine.mode == "all"
    inner = part.items[0]
    assert isinstance(inner, Part) and inner.title is None and inner.items[0].name == "x"
