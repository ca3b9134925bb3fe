"""The fast paths of the checker give exactly what the plain definitions give."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cquin_rules.check.rule_analysis import analyse, reference_analysis
from cquin_rules.check.scheme import check
from cquin_rules.semantics.rules import CompiledRow, CompiledRule, Linear
from cquin_rules.syntax.model import Comparison, Direction, Measure
from cquin_rules.syntax.parser import parse

#: Thresholds and line ends with awkward denominators, some outside every range.
VALUES = st.sampled_from([
    Fraction(-1, 3), Fraction(0), Fraction(1, 7), Fraction(1, 3), Fraction(5, 8),
    Fraction(2, 3), Fraction(1), Fraction(4, 3), Fraction(9), Fraction(250), Fraction(1001, 4),
])
SHARES = st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1), Fraction(3, 2)])


@st.composite
def pays(draw: st.DrawFn) -> Fraction | Linear:
    if draw(st.booleans()):
        return draw(SHARES)
    start, end = draw(st.lists(VALUES, min_size=2, max_size=2, unique=True))
    return Linear(start, end)


@st.composite
def rows(draw: st.DrawFn) -> CompiledRow:
    """Any row a compiled rule can hold, including ones the checker never analyses."""
    kind = draw(st.sampled_from(["value", "value", "denominator", "achieved", "reported"]))
    pay = draw(pays())
    if kind == "value":
        comparison: Comparison = draw(st.sampled_from([">=", ">", "<=", "<"]))
        return CompiledRow(pay, comparison=comparison, threshold=draw(VALUES))
    if kind == "denominator":
        return CompiledRow(pay, denominator_below=draw(st.sampled_from([1, 2, 5, 20])))
    if kind == "achieved":
        return CompiledRow(pay, achieved=draw(st.booleans()))
    return CompiledRow(pay, reported=True)


@st.composite
def rules(draw: st.DrawFn) -> CompiledRule:
    found = draw(st.lists(rows(), min_size=0, max_size=4))
    if not found or draw(st.booleans()):
        found.append(CompiledRow(draw(pays())))
    return CompiledRule(tuple(found))


@settings(max_examples=max(300, settings().max_examples), deadline=None)
@given(rules(), st.sampled_from(["percent", "number"]), st.sampled_from(["higher", "lower"]))
def test_scaled_analysis_equals_the_fraction_analysis(
    rule: CompiledRule, measure: Measure, direction: Direction
) -> None:
    """The integer analysis gives the same rows, best pay and perverse samples as Fractions."""
    assert analyse(rule, measure, direction) == reference_analysis(rule, measure, direction)


def test_rules_of_one_shape_are_each_reported_at_their_own_rows() -> None:
    """Indicators sharing a rule's shape (one analysis) still get their own E403/E404 lines."""
    indicator = """  indicator {name} {{
    pay {{
      100% when value >= 70%
      50% when value >= 60%
      80% when value >= 50%
      20% when value >= 90%
      0% otherwise
    }}
  }}
"""
    text = ('scheme "S" {\n  provider "P"\n  year 2018/19\n  cquin value £200\n}\n'
            'goal A "A" {\n  domain safety\n  value £100\n'
            + indicator.format(name="one") + indicator.format(name="two") + "}\n"
            'goal B "B" {\n  domain safety\n  value £100\n' + indicator.format(name="one")
            + "}\n")
    scheme, problems = parse(text)
    assert scheme is not None and problems == []
    found = [(d.code, d.span.line, d.message) for d in check(scheme)]
    assert [(code, line) for code, line, _ in found] == [
        ("E403", 12), ("E404", 14), ("E403", 21), ("E404", 23), ("E403", 34), ("E404", 36),
    ]
    labels = ["A.one", "A.one", "A.two", "A.two", "B.one", "B.one"]
    assert all(f"of {label} " in message or f"under {label}:" in message
               for (_, _, message), label in zip(found, labels, strict=True))
    assert found[0][2] == found[4][2].replace("B.one", "A.one")
