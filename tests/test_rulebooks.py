"""The shipped example rulebooks (rulebooks/*/) stay sound and their sums stay right.

Each folder holds `rulebook.cquin`, a year's `data.csv`, `expect.json` (what evaluating
that data must give) and a README whose hand-worked totals must match.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from helpers import CONFORMANCE

from cquin_rules.check import scheme as check
from cquin_rules.engine import reading
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.frameworks.compliance import check_framework
from cquin_rules.frameworks.loading import load_framework
from cquin_rules.semantics.money import PENNY, money, pounds
from cquin_rules.syntax import parser
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.model import Indicator, Scheme
from cquin_rules.tools import examples

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = ROOT / "rulebooks"
FOLDERS = sorted(path.parent for path in RULEBOOKS.glob("*/rulebook.cquin"))
IDS = [folder.name for folder in FOLDERS]


def amount(text: str) -> Fraction:
    """`1,234.56` as exact pounds."""
    return Fraction(text.replace(",", ""))


def load(folder: Path, text: str | None = None) -> Scheme:
    path = folder / "rulebook.cquin"
    source = path.read_text(encoding="utf-8") if text is None else text
    scheme, diagnostics = parser.parse(source, str(path))
    assert scheme is not None, [d.message for d in diagnostics]
    assert diagnostics == [], [(d.code, d.span.line, d.message) for d in diagnostics]
    return scheme


def test_at_least_three_rulebooks_are_shipped() -> None:
    """The project ships the three example schemes the docs point to."""
    assert {"northshire-2018-19", "mental-health-trust-2018-19", "acute-trust-2019-20"} <= set(IDS)


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_folder_is_complete(folder: Path) -> None:
    """Every rulebook folder has its data, its expected totals and a README."""
    for name in ("rulebook.cquin", "data.csv", "expect.json", "README.md"):
        assert (folder / name).is_file(), name


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_rulebook_checks_clean(folder: Path) -> None:
    """Each rulebook parses and checks with no errors and no warnings."""
    found = check.check(load(folder))
    assert found == [], [(d.code, d.span.line, d.message) for d in found]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_rulebook_complies_with_its_framework(folder: Path) -> None:
    """A rulebook that names a framework in its header breaks none of its rules."""
    scheme = load(folder)
    ref = scheme.header.framework
    if ref is None:
        pytest.skip("the rulebook names no framework")
    framework, problems = load_framework(
        ref.name, folder, span=ref.span, origin=str(folder / "rulebook.cquin"),
        is_path=ref.is_path,
    )
    assert framework is not None, [d.message for d in problems]
    found = check_framework(scheme, framework, from_command_line=False)
    assert found == [], [(d.code, d.span.line, d.message) for d in found]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_examples_pass(folder: Path) -> None:
    """Every hand-worked example passes, and each rulebook carries at least three."""
    outcomes = examples.run_examples(load(folder))
    assert len(outcomes) >= 3
    for outcome in outcomes:
        assert outcome.passed, (
            outcome.name,
            [(f.line, f.expectation, f.expected, f.actual) for f in outcome.failures],
            [(d.code, d.span.line, d.message) for d in outcome.diagnostics],
        )


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_examples_can_fail(folder: Path) -> None:
    """The examples are not vacuous: a total off by a penny makes its example fail."""
    path = folder / "rulebook.cquin"
    text = path.read_text(encoding="utf-8")
    match = re.search(r"expect total = £([0-9,]+\.[0-9]{2})", text)
    assert match is not None
    right = amount(match.group(1))
    changed = text[: match.start(1) - 1] + pounds(right + PENNY) + text[match.end(1):]
    outcomes = examples.run_examples(load(folder, changed))
    failures = [f for outcome in outcomes for f in outcome.failures]
    assert [(f.expected, f.actual) for f in failures] == [(money(right + PENNY), money(right))]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_data_gives_the_expected_totals(folder: Path) -> None:
    """Evaluating data.csv gives the total, national and local money in expect.json."""
    scheme = load(folder)
    read, problems = reading.read_measurements(folder / "data.csv", scheme)
    assert read is not None, [(d.span.line, d.message) for d in problems]
    assert problems == []
    result = evaluate(scheme, read)
    expected = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    assert {
        "earned": money(result.earned),
        "national": money(result.earned_in("national")),
        "local": money(result.earned_in("local")),
    } == {key: expected[key] for key in ("earned", "national", "local")}
    assert result.not_reported() == []
    if "by_commissioner" in expected:
        assert result.to_dict()["by_commissioner"] == expected["by_commissioner"]


@pytest.mark.parametrize("folder", FOLDERS, ids=IDS)
def test_readme_states_the_expected_totals(folder: Path) -> None:
    """The README's hand-worked totals are the ones expect.json holds."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    expected = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    for key in ("earned", "national", "local"):
        assert pounds(amount(expected[key])) in readme, key


def test_a_rulebook_for_each_new_shape_is_shipped() -> None:
    """Issue 18's rulebooks: a 2013/14 scheme gate, a 2017/18 gated reserve, a 2020/21
    suspension and a contract with two commissioners, each using its shape."""
    shapes = {
        "acute-trust-2013-14": lambda s: any(g.is_gate for g in s.goals),
        "acute-trust-2017-18": lambda s: any(
            i.is_gate for g in s.goals if g.code == "RES" for i in g.items
            if isinstance(i, Indicator)),
        "community-trust-2020-21": lambda s: s.header.deemed_achieved is not None,
        "ccg-and-specialised-2018-19": lambda s: len(
            {g.commissioner.value for g in s.goals if g.commissioner}) == 2,
    }
    for name, uses_shape in shapes.items():
        assert uses_shape(load(RULEBOOKS / name)), name


def test_northshire_is_the_reference_example_in_canonical_layout() -> None:
    """The Northshire rulebook is LANGUAGE.md section 1's example, word for word and comment
    for comment, in the layout `cquin fmt` writes (only the spaces differ)."""
    reference = CONFORMANCE / "01-spec-example" / "rulebook.cquin"
    spec = reference.read_text(encoding="utf-8")
    text = (RULEBOOKS / "northshire-2018-19" / "rulebook.cquin").read_text(encoding="utf-8")
    start = text[: len(spec) + 200]
    assert format_text(spec)[0] == text[: len(format_text(spec)[0] or "")]
    assert " ".join(spec.split()) == " ".join(start.split())[: len(" ".join(spec.split()))]


def test_northshire_framework_warns_on_all_or_nothing_cma() -> None:
    """Under section 8's framework, only the three CMA indicators draw W501 (section 1)."""
    folder = RULEBOOKS / "northshire-2018-19"
    framework, problems = load_framework("framework.cquin", folder, is_path=True)
    assert framework is not None, [d.message for d in problems]
    found = check_framework(load(folder), framework, from_command_line=True)
    assert sorted((d.code, d.span.line) for d in found) == [
        ("W501", 26), ("W501", 27), ("W501", 28)
    ]
