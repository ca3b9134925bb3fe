"""Examples inside rulebooks (section 11): inputs evaluated, every expect compared."""

from __future__ import annotations

from pathlib import Path

from cquin_rules.syntax.parser import parse
from cquin_rules.tools.examples import ExampleOutcome, run_examples

CASES = Path(__file__).parent / "conformance"

HEADER = """\
scheme "Examples" {
  provider "P"
  commissioner "C"
  year 2018/19
  cquin value £100,000
  national value £40,000
}
goal N "National" {
  national
  domain safety
  weight 40%
  indicator x { pay linear from 50% to 90% }
}
goal R "Quarterly" {
  domain innovation
  weight 60%
  period Q2 50% { indicator plan { measure evidence  pay 100% when achieved } }
  period Q4 50% { indicator plan { measure evidence  pay 100% when achieved } }
}
"""


def outcomes(examples: str) -> list[ExampleOutcome]:
    scheme, diagnostics = parse(HEADER + examples)
    assert scheme is not None, diagnostics
    return run_examples(scheme)


def test_conformance_case_21_failure() -> None:
    """Case 21: the first example passes; the second fails at line 22, 70000.00 against 75000.00."""
    text = (CASES / "21-failing-example" / "rulebook.cquin").read_text(encoding="utf-8")
    scheme, _ = parse(text)
    assert scheme is not None
    found = run_examples(scheme)
    assert [(o.name, o.passed) for o in found] == [("passes", True), ("fails", False)]
    rows = [f.as_row() for o in found for f in o.failures]
    assert rows == [["fails", 22, "70000.00", "75000.00"]]
    assert found[1].failures[0].expectation == "expect A = £70,000.00"


def test_conformance_case_01_example_passes() -> None:
    """The spec's own example 'a typical year' passes every expectation."""
    text = (CASES / "01-spec-example" / "rulebook.cquin").read_text(encoding="utf-8")
    scheme, _ = parse(text)
    assert scheme is not None
    [outcome] = run_examples(scheme)
    assert outcome.passed and outcome.failures == () and outcome.diagnostics == ()
    assert outcome.result is not None and outcome.result.to_dict()["earned"] == "1700000.00"


def test_totals_and_statuses_compared() -> None:
    """total, national, local, goal status, period status and indicator status all compare."""
    [outcome] = outcomes("""
example "everything right" {
  N.x = 70%
  R.plan Q2 = yes
  R.plan Q4 = no
  expect total = £50,000.00
  expect national = £20,000.00
  expect local = £30,000.00
  expect N status partially met
  expect R Q2 status met
  expect R.plan Q4 status not met
  expect R status partially met
}
""")
    assert outcome.passed, (outcome.failures, outcome.diagnostics)


def test_wrong_statuses_show_words() -> None:
    """A failed status expectation shows both statuses in words, at the expect's line."""
    [outcome] = outcomes("""example "wrong" {
  N.x = 90%
  expect N status partially met
  expect R.plan Q2 status met
  expect local = £1.00
}
""")
    rows = [f.as_row() for f in outcome.failures]
    first = HEADER.count("\n") + 1
    assert rows == [
        ["wrong", first + 2, "partially met", "met"],
        ["wrong", first + 3, "met", "not reported"],
        ["wrong", first + 4, "1.00", "0.00"],
    ]


def test_unknown_input_is_e103_and_example_fails() -> None:
    """An example naming an unknown indicator fails with E103 at that input."""
    [outcome] = outcomes("""example "typo" {
  N.y = 70%
  expect total = £0.00
}
""")
    assert not outcome.passed
    assert [(d.code, d.line) for d in outcome.diagnostics] == [("E103", HEADER.count("\n") + 2)]
    assert outcome.diagnostics[0].hint == "N's indicators: x"


def test_wrong_kind_of_input_is_reported() -> None:
    """An example giving a percentage to an evidence indicator fails with E604."""
    [outcome] = outcomes("""example "kind" {
  R.plan Q2 = 50%
}
""")
    assert [d.code for d in outcome.diagnostics] == ["E604"]


def test_indicator_status_without_period_in_a_single_period() -> None:
    """An indicator in only one period may be named without its period in an expect."""
    text = HEADER.replace("period Q4 50% { indicator plan", "period Q4 50% { indicator deliver")
    scheme, _ = parse(text + """example "only" {
  R.plan Q2 = achieved
  expect R.plan status met
  expect R.deliver status not reported
}
""")
    assert scheme is not None
    [outcome] = run_examples(scheme)
    assert outcome.passed, (outcome.failures, outcome.diagnostics)
