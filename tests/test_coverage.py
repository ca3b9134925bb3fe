"""`cquin test --coverage`: which branches the examples reach, and which they never reach.

Checked on a small scheme with every kind of branch (rows, a straight line's bands, a
period, a gate, `combine all`, `at least`, `minimum`), on the reference rulebook whose
examples reach everything, and by a law on every shipped rulebook: with the boundary
examples pasted in, every row, band and period is reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.api import load, loads
from cquin_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*/rulebook.cquin"))
IDS = [path.parent.name for path in RULEBOOKS]
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"

SMALL = """\
scheme "Small" {
  provider "P"
  commissioner "C"
  year 2019/20
  cquin value £1,000
}

goal A "All or nothing" {
  weight 50%
  domain safety
  combine all
  indicator x { pay 100% when value >= 90% }
  indicator y { pay linear from 10% to 20% }
  indicator g {
    measure evidence
    gate
    pay 100% when achieved
  }
}

goal B "The weakest decides" {
  weight 50%
  domain safety
  combine minimum
  indicator p { pay linear from 50% to 60% }
  indicator q { pay linear from 50% to 60% }
}

example "one" {
  A.x = 95%
  A.y = 15%
  A.g = achieved
  B.p = 55%
  B.q = 60%
  expect A = £0
  expect B = £250
}
"""


def test_each_kind_of_branch_is_said_with_its_line() -> None:
    coverage = loads(SMALL, "small.cquin").coverage()
    found = {(b.line, b.subject, b.words): b.reached_by for b in coverage.branches}
    assert found == {
        (11, "A", "every item met: paid"): (),
        (11, "A", "an item not met: nothing paid"): ("one",),
        (12, "A.x", "in full when the value is 90% or more"): ("one",),
        (12, "A.x", "nothing"): (),
        (13, "A.y", "nothing, at 10% or worse"): (),
        (13, "A.y", "a share, between 10% and 20%"): ("one",),
        (13, "A.y", "in full, at 20% or better"): (),
        (16, "A.g", "the gate is met (the money goes through)"): ("one",),
        (16, "A.g", "the gate is not met (nothing is paid)"): (),
        (17, "A.g", "in full when achieved"): ("one",),
        (17, "A.g", "nothing"): (),
        (24, "B", "p is the weakest, so it decides the pay"): ("one",),
        (24, "B", "q is the weakest, so it decides the pay"): (),
        (25, "B.p", "nothing, at 50% or worse"): (),
        (25, "B.p", "a share, between 50% and 60%"): ("one",),
        (25, "B.p", "in full, at 60% or better"): (),
        (26, "B.q", "nothing, at 50% or worse"): (),
        (26, "B.q", "a share, between 50% and 60%"): (),
        (26, "B.q", "in full, at 60% or better"): ("one",),
    }
    assert [b.line for b in coverage.branches] == sorted(b.line for b in coverage.branches)
    assert len(coverage.missed) == 11


def test_an_example_about_another_goal_reaches_nothing_here() -> None:
    text = SMALL.replace("  A.x = 95%\n  A.y = 15%\n  A.g = achieved\n", "").replace(
        "  expect A = £0\n", "")
    coverage = loads(text).coverage()
    assert not any(b.reached for b in coverage.branches if b.subject.startswith("A"))


def test_the_command_prints_coverage_then_the_test_summary() -> None:
    run = CliRunner().invoke(main, ["test", "--coverage", str(NORTHSHIRE)])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0] == f"{NORTHSHIRE}: the 4 examples reach 18 of 18 branches"
    assert '  reached  line 18   FLU.uptake: nothing, at 60% or worse  ("a bad year")' in lines
    assert ('  reached  line 49   REC period Q2: measured in an example  ("a typical year", '
            '"a bad year", "thresholds hit exactly", "a third of a penny")') in lines
    assert lines[-1] == "4 passed, 0 failed"


def test_a_branch_never_reached_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "small.cquin"
    path.write_text(SMALL, "utf-8")
    run = CliRunner().invoke(main, ["test", "--coverage", str(path)])
    assert run.exit_code == 0, run.output
    assert "  never    line 11   A: every item met: paid" in run.output.splitlines()
    assert run.output.splitlines()[0].endswith("the 1 example reaches 8 of 19 branches")


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_boundary_examples_reach_every_row_band_and_period(path: Path) -> None:
    book = load(path)
    pasted = loads(path.read_text("utf-8") + "\n" + book.boundary_examples(), str(path))
    for branch in pasted.coverage().missed:
        assert branch.words.startswith(("fewer than", "an item not met")), branch


@pytest.mark.parametrize("path", RULEBOOKS, ids=IDS)
def test_coverage_works_on_every_shipped_rulebook(path: Path) -> None:
    run = CliRunner().invoke(main, ["test", "--coverage", str(path)])
    assert run.exit_code == 0, run.output
    coverage = load(path).coverage()
    assert coverage.branches
    assert len(coverage.to_text().splitlines()) == len(coverage.branches) + 1


def test_the_document_for_tools_holds_the_same_branches() -> None:
    coverage = loads(SMALL, "small.cquin").coverage()
    document = coverage.to_dict()
    assert document["path"] == "small.cquin" and document["examples"] == 1
    assert [b["line"] for b in document["branches"]] == [b.line for b in coverage.branches]
    assert sum(1 for b in document["branches"] if not b["reached_by"]) == len(coverage.missed)
