"""Frameworks (section 8): loading, the built-in ones, and every compliance check."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from fractions import Fraction
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from cquin_rules.base.diagnostics import Diagnostic
from cquin_rules.check.scheme import check
from cquin_rules.frameworks.compliance import ALL_OR_NOTHING_HINT, check_framework
from cquin_rules.frameworks.framework import (
    Framework,
    effective_payment_on_account,
    effective_reconcile_months,
    percent,
)
from cquin_rules.frameworks.listing import frameworks_table
from cquin_rules.frameworks.loading import builtin_frameworks, load_framework
from cquin_rules.frameworks.parse import parse_framework
from cquin_rules.frameworks.step import check_against_framework
from cquin_rules.semantics.money import pounds
from cquin_rules.syntax.model import Scheme
from cquin_rules.syntax.parser import parse

HERE = Path(__file__).parent
CASES = HERE / "framework_cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "expect.json").exists())
BUILTIN_NAMES = [
    "dh_2009_10",
    "dh_2010_11",
    "dh_2011_12",
    "nhs_england_2012_13",
    "nhs_england_2013_14",
    "nhs_england_2014_15",
    "nhs_england_2015_16",
    "nhs_england_2016_17",
    "nhs_england_2017_18",
    "nhs_england_2018_19",
    "nhs_england_2019_20",
    "nhs_england_2020_21",
    "nhs_england_2021_22",
    "nhs_england_2022_23",
    "nhs_england_2023_24",
    "nhs_england_2024_25",
]
SUSPENDED = ["nhs_england_2020_21", "nhs_england_2021_22", "nhs_england_2024_25"]


def scheme_of(text: str) -> Scheme:
    scheme, diagnostics = parse(text, "rulebook.cquin")
    assert scheme is not None and diagnostics == [], diagnostics
    return scheme


def framework_of(text: str) -> Framework:
    framework, diagnostics = parse_framework(text, "framework.cquin")
    assert framework is not None and diagnostics == [], diagnostics
    return framework


def builtin(name: str) -> Framework:
    framework, diagnostics = load_framework(name, None)
    assert framework is not None, diagnostics
    return framework


def pairs(diagnostics: list[Diagnostic]) -> list[tuple[str, int]]:
    return sorted((d.code, d.line) for d in diagnostics)


# ---- the shared conformance case ----------------------------------------------------


def test_conformance_case_15_through_the_api() -> None:
    """Case 15: E301 at the scheme line, E302 at cquin value, W501 at the indicator, no more."""
    case = HERE / "conformance" / "15-framework"
    scheme = scheme_of((case / "rulebook.cquin").read_text(encoding="utf-8"))
    framework, diagnostics = load_framework("framework.cquin", case)
    assert framework is not None and diagnostics == []
    found = check_framework(scheme, framework, from_command_line=True)
    assert pairs(found) == [("E301", 1), ("E302", 6), ("W501", 20)]
    assert check(scheme) == []


# ---- the project's own framework cases ------------------------------------------------


def _case_expectations(case: Path) -> dict[str, Any]:
    return dict(json.loads((case / "expect.json").read_text(encoding="utf-8")))


def _command_line_framework(case: Path) -> str | None:
    args = _case_expectations(case).get("args", [])
    return str(args[args.index("--framework") + 1]) if "--framework" in args else None


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda path: path.name)
def test_framework_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case's rulebook, checked with its framework, reports exactly its [code, line]s."""
    expected = _case_expectations(case)["check"]
    monkeypatch.chdir(case)
    scheme, found = parse(Path("rulebook.cquin").read_text(encoding="utf-8"), "rulebook.cquin")
    assert scheme is not None
    found += [d.at("rulebook.cquin") for d in check(scheme)]
    _, more = check_against_framework(
        scheme, command_line=_command_line_framework(case), base_dir=Path("."),
        path="rulebook.cquin",
    )
    found += more
    assert sorted([d.code, d.line] for d in found) == sorted(expected["diagnostics"])
    has_errors = any(d.severity == "error" for d in found)
    assert (1 if has_errors else 0) == expected["exit"]
    for diagnostic in found:
        assert diagnostic.path in ("rulebook.cquin", "framework.cquin")


def _cli_takes_framework() -> bool:
    from click.testing import CliRunner

    from cquin_rules.cli import main

    return "--framework" in CliRunner().invoke(main, ["check", "--help"]).output


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda path: path.name)
def test_framework_case_through_the_command(case: Path) -> None:
    """`cquin check --format json` on each case gives the expected [code, line]s and exit."""
    if not _cli_takes_framework():
        pytest.skip("`cquin check --framework` is not wired yet")
    expected = _case_expectations(case)
    process = subprocess.run(
        [sys.executable, "-m", "cquin_rules", "check", "rulebook.cquin",
         *expected.get("args", []), "--format", "json"],
        cwd=case, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in process.stderr
    assert process.returncode == expected["check"]["exit"], process.stdout + process.stderr
    document = json.loads(process.stdout)
    found = sorted([d["code"], d["line"]] for d in document["diagnostics"])
    assert found == sorted(expected["check"]["diagnostics"])
    for diagnostic in document["diagnostics"]:
        assert set(diagnostic) >= {"path", "line", "column", "code", "severity", "message", "hint"}


# ---- built-in frameworks ----------------------------------------------------------------


def test_builtins_are_package_data_one_per_year() -> None:
    """Each built-in is a .cquin file in the package, named as its file, citing its source."""
    folder = files("cquin_rules").joinpath("frameworks").joinpath("builtin")
    shipped = sorted(r.name for r in folder.iterdir() if r.name.endswith(".cquin"))
    assert shipped == [f"{name}.cquin" for name in BUILTIN_NAMES]
    assert [f.name for f in builtin_frameworks()] == BUILTIN_NAMES
    for framework in builtin_frameworks():
        assert framework.source, framework.name
        assert framework.year is not None
        expected_year = framework.name.rsplit("_", 2)[-2:]
        assert str(framework.year.value) == f"{expected_year[0]}/{expected_year[1]}"


def test_builtin_facts_match_section_8() -> None:
    """The built-ins hold section 8's facts: shares, caps, limits, payment on account."""
    facts = {f.name: f for f in builtin_frameworks()}
    dh = facts["dh_2009_10"]
    assert dh.cquin_value is not None and dh.cquin_value.value.share == Fraction(1, 200)
    assert not dh.cquin_value.value.at_most
    assert dh.required_domains is not None
    assert set(dh.required_domains.value) == {"safety", "effectiveness", "experience", "innovation"}
    assert dh.payment_on_account is not None and dh.payment_on_account.value == Fraction(9, 10)
    assert dh.reconcile_months is not None and dh.reconcile_months.value == (6, 9, 12)
    cap = facts["nhs_england_2014_15"].cquin_value
    assert cap is not None and cap.value.at_most and cap.value.share == Fraction(1, 40)
    national = facts["nhs_england_2014_15"].national_value
    assert national is not None and national.value == Fraction(1, 200)
    assert facts["nhs_england_2016_17"].national_value is None
    limit = facts["nhs_england_2019_20"].national_indicators_at_most
    assert limit is not None and limit.value == 5
    fy22 = facts["nhs_england_2022_23"]
    assert fy22.indicators_at_most is not None and fy22.indicators_at_most.value == 5
    assert fy22.equal_weights is not None
    assert fy22.contract_minimum is not None
    assert not fy22.contract_minimum.value.inclusive
    assert fy22.contract_minimum.value.amount == 30_000_000
    fy23 = facts["nhs_england_2023_24"]
    assert fy23.payment_on_account is not None and fy23.payment_on_account.value == 1
    assert fy23.contract_minimum is not None and fy23.contract_minimum.value.inclusive
    assert fy23.contract_minimum.value.amount == 10_000_000


def test_frameworks_table_lists_key_figures() -> None:
    """`cquin frameworks` shows every built-in with its year, share, national share and limits."""
    table = frameworks_table()
    lines = table.splitlines()
    for framework in builtin_frameworks():
        row = next(line for line in lines if line.startswith(framework.name + " "))
        assert framework.year is not None and str(framework.year.value) in row
        if framework.cquin_value is not None:
            assert percent(framework.cquin_value.value.share) in row
    fy14 = next(line for line in lines if line.startswith("nhs_england_2014_15"))
    assert "at most 2.5% of contract" in fy14
    assert "national indicators <= 5" in table
    assert "contract above £30,000,000" in table
    assert "Sources:" in table and "gateway reference 10852" in table


# A scheme generated from a template, compliant with a framework unless a variant says
# otherwise. Money is given as goal values worked out exactly from the contract, so one
# requirement can be broken without breaking any other rule.

LOCAL_DOMAINS = ("safety", "effectiveness", "experience", "innovation")


def template(
    framework: Framework,
    *,
    year: str | None = None,
    contract: Fraction = Fraction(50_000_000),
    cquin: Fraction | None = None,
    national: Fraction | None = None,
    national_goal: bool | None = None,
    missing_domain: str | None = None,
    unequal: bool = False,
    extra_indicators: int = 0,
    extra_national_indicators: int = 0,
    all_or_nothing: bool = False,
) -> str:
    assert framework.year is not None
    if cquin is not None:
        share = cquin
    elif framework.cquin_value is not None:
        share = framework.cquin_value.value.share
    else:
        share = Fraction(25, 1000)  # a year that sets no cquin value takes any
    if national is None and framework.national_value is not None:
        national = framework.national_value.value
    if national == 0:
        national = None  # no national goals: their money is £0, as the framework says
    if national_goal or extra_national_indicators:
        national = national if national is not None else share / 5
    total = share * contract
    national_money = national * contract if national is not None else None
    if national_money is not None:
        money = [national_money] + [(total - national_money) / 4] * 4
    else:
        money = [total / 5] * 5
    if unequal:
        money[1], money[2] = money[1] * Fraction(9, 10), money[2] + money[1] / 10
    assert all((m * 100).denominator == 1 for m in money), "the template needs whole pence"
    header = [
        'scheme "Template scheme" {',
        '  provider "Template NHS Trust"',
        '  commissioner "Template ICB"',
        f"  year {year or framework.year.value}",
        f"  framework {framework.name}",
        f"  contract value {pounds(contract)}",
        f"  cquin value {percent(share)} of contract",
    ]
    if national is not None:
        header.append(f"  national value {percent(national)} of contract")
    lines = [*header, "}"]
    domains = ["safety", *LOCAL_DOMAINS]
    if missing_domain is not None:
        domains = ["effectiveness" if d == missing_domain and missing_domain == "safety"
                   else "safety" if d == missing_domain else d for d in domains]
    for number, (amount, domain) in enumerate(zip(money, domains, strict=True), start=1):
        indicators = 1
        if number == 1 and national is not None:
            indicators += extra_national_indicators
        if number == 2:
            indicators += extra_indicators
        lines += [f'goal G{number} "Goal {number}" {{']
        lines += ["  national"] if number == 1 and national is not None else []
        lines += [f"  domain {domain}", f"  value {pounds(amount)}"]
        for k in range(indicators):
            rule = "pay linear from 60% to 80%"
            if all_or_nothing and number == 2:
                rule = "pay 100% when value >= 90%"
            lines.append(f"  indicator i{k} {{ {rule} }}")
        lines.append("}")
    return "\n".join(lines) + "\n"


def findings(text: str, framework: Framework) -> list[str]:
    scheme = scheme_of(text)
    found = check(scheme) + check_framework(scheme, framework, from_command_line=False)
    return sorted(d.code for d in found)


Variant = tuple[str, Callable[[Framework], str], str]


def variants(framework: Framework) -> list[Variant]:
    """One non-compliant scheme for each requirement the framework sets, with its code."""
    found: list[Variant] = []
    if framework.year is not None:
        start = framework.year.value.start + 1
        found.append(("year", lambda f: template(f, year=f"{start}/{(start + 1) % 100:02d}"),
                      "E304"))
    if framework.cquin_value is not None:
        limit = framework.cquin_value.value
        found.append(("cquin above", lambda f: template(f, cquin=limit.share + Fraction(1, 200)),
                      "E302"))
        if not limit.at_most:
            found.append(("cquin below",
                          lambda f: template(f, cquin=limit.share - Fraction(1, 400)), "E302"))
    if framework.national_value is not None:
        wrong = framework.national_value.value / 2 or Fraction(1, 1000)
        found.append(("national", lambda f: template(f, national=wrong), "E303"))
    if framework.contract_minimum is not None:
        minimum = framework.contract_minimum.value
        small = minimum.amount - (8000 if minimum.inclusive else 0)
        found.append(("contract", lambda f: template(f, contract=small), "E306"))
    if framework.required_domains is not None:
        for domain in framework.required_domains.value:
            found.append((f"domain {domain}",
                          lambda f, d=domain: template(f, missing_domain=d), "E301"))  # type: ignore[misc]
    if framework.equal_weights is not None:
        found.append(("equal weights", lambda f: template(f, unequal=True), "E308"))
    if framework.indicators_at_most is not None:
        extra = framework.indicators_at_most.value - 5 + 1
        found.append(("indicators", lambda f: template(f, extra_indicators=extra), "E307"))
    if framework.national_indicators_at_most is not None:
        extra = framework.national_indicators_at_most.value
        found.append(("national indicators",
                      lambda f: template(f, extra_national_indicators=extra), "E307"))
    if framework.warn_all_or_nothing is not None:
        found.append(("all or nothing", lambda f: template(f, all_or_nothing=True), "W501"))
    return found


HANDLED = {
    "year", "cquin_value", "national_value", "contract_minimum", "required_domains",
    "equal_weights", "indicators_at_most", "national_indicators_at_most", "warn_all_or_nothing",
    # defaults for schemes, not requirements: pinned by test_payment_defaults
    "payment_on_account", "reconcile_months",
}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_accepts_a_compliant_scheme(name: str) -> None:
    """Each built-in framework accepts the template scheme built to its rules: no findings."""
    framework = builtin(name)
    assert findings(template(framework), framework) == []


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_rejects_each_broken_requirement(name: str) -> None:
    """For each requirement a built-in sets, breaking only it gives exactly its code."""
    framework = builtin(name)
    requirements = {
        field for field in ("year", "cquin_value", "national_value", "contract_minimum",
                            "required_domains", "equal_weights", "goals_at_most",
                            "indicators_at_most", "national_indicators_at_most",
                            "payment_on_account", "reconcile_months", "warn_all_or_nothing",
                            "warn_goals_more_than", "warn_indicators_more_than")
        if getattr(framework, field) is not None
    }
    assert requirements <= HANDLED, "a requirement this test cannot yet break"
    cases = variants(framework)
    assert cases
    for label, make, code in cases:
        assert findings(make(framework), framework) == [code], label


def test_cap_accepts_less_and_exactly_the_cap() -> None:
    """Under a cap, a cquin value below it or exactly at it passes; a penny over fails."""
    framework = builtin("nhs_england_2014_15")
    assert findings(template(framework, cquin=Fraction(2, 100)), framework) == []
    text = template(framework).replace("cquin value 2.5% of contract", "cquin value £1,250,000")
    assert findings(text, framework) == []
    over = text.replace("cquin value £1,250,000", "cquin value £1,250,000.01")
    assert "E302" in findings(over, framework)


# ---- checks in detail -------------------------------------------------------------------

BASE = (CASES / "00-compliant" / "rulebook.cquin").read_text(encoding="utf-8")
RULES = (CASES / "00-compliant" / "framework.cquin").read_text(encoding="utf-8")


def framework_findings(
    text: str, rules: str = RULES, *, from_command_line: bool = False
) -> list[Diagnostic]:
    return check_framework(scheme_of(text), framework_of(rules),
                           from_command_line=from_command_line)


def test_positions_follow_where_the_framework_came_from() -> None:
    """E301 points at the header's `framework` line, or the scheme line from the command line."""
    text = BASE.replace("domain innovation", "domain safety")
    assert pairs(framework_findings(text)) == [("E301", 5)]
    assert pairs(framework_findings(text, from_command_line=True)) == [("E301", 1)]


def test_outturn_is_the_base_of_the_share() -> None:
    """A framework's `% of contract` is taken on the outturn when the scheme gives one."""
    text = BASE.replace("  contract value £20,000,000\n",
                        "  contract value £20,000,000\n  outturn value £16,000,000\n")
    assert framework_findings(text) == []
    found = framework_findings(text.replace("cquin value 2.5% of contract", "cquin value £500,000")
                               .replace("national value 0.5% of contract",
                                        "national value £100,000"))
    assert [d.code for d in found] == ["E302", "E303"]
    assert "£400,000.00 on the outturn value £16,000,000.00" in found[0].message


def test_shares_compare_without_a_contract_value() -> None:
    """`cquin value 3% of contract` is above a 2.5% cap even when no contract value is given."""
    text = BASE.replace("  contract value £20,000,000\n", "").replace("2.5% of contract",
                                                                     "3% of contract")
    found = framework_findings(text.replace("weight 20%", "weight 16.6666%"))
    assert "E302" in [d.code for d in found]
    assert "cannot tell" not in found[0].message


def test_undecidable_cquin_value_says_how_to_decide() -> None:
    """`cquin value £X` and no contract value: E302 says it cannot tell, hints `contract value`."""
    text = (BASE.replace("  contract value £20,000,000\n", "")
            .replace("cquin value 2.5% of contract", "cquin value £500,000")
            .replace("national value 0.5% of contract", "national value £100,000"))
    found = [d for d in framework_findings(text) if d.code == "E302"]
    assert len(found) == 1
    assert "cannot tell" in found[0].message
    assert found[0].hint is not None and "contract value" in found[0].hint


def test_indicators_repeated_across_periods_count_once() -> None:
    """An indicator measured in two periods is one indicator for `indicators at most`."""
    text = BASE.replace(
        "  indicator i { measure evidence  pay 100% when achieved }\n",
        "  period Q2 50% { indicator i { measure evidence  pay 100% when achieved } }\n"
        "  period Q4 50% { indicator i { measure evidence  pay 100% when achieved } }\n",
    )
    rules = RULES.replace("  year 2018/19\n", "  year 2018/19\n  indicators at most 3\n")
    assert framework_findings(text, rules) == []
    assert [d.code for d in framework_findings(text, rules.replace("most 3", "most 2"))] == ["E307"]


def test_all_or_nothing_warning_is_explained() -> None:
    """W501 is a warning at the indicator whose hint cites DH §69 and "all or nothing"."""
    text = BASE.replace("indicator e { pay linear from 60% to 80% }",
                        "indicator e { pay 100% when value >= 95% }")
    rules = RULES.replace("  year", "  warn all or nothing\n  year")
    (warning,) = framework_findings(text, rules)
    document = warning.at("rulebook.cquin").to_dict()
    assert document["code"] == "W501" and document["severity"] == "warning"
    assert document["line"] == 21 and document["column"] == 3
    assert document["hint"] == ALL_OR_NOTHING_HINT
    assert "DH §69" in ALL_OR_NOTHING_HINT and '"all or nothing"' in ALL_OR_NOTHING_HINT


def test_unknown_name_suggests_the_near_miss() -> None:
    """E305 names the known frameworks and suggests the nearest."""
    framework, (diagnostic,) = load_framework("nhs_england_2019_2", None, origin="r.cquin")
    assert framework is None
    assert diagnostic.code == "E305" and diagnostic.path == "r.cquin"
    assert diagnostic.hint is not None
    assert "did you mean nhs_england_2019_20?" in diagnostic.hint
    assert all(name in diagnostic.hint for name in BUILTIN_NAMES)
    _, (far,) = load_framework("zzz", None)
    assert far.hint is not None and "did you mean" not in far.hint


def test_a_reference_is_a_path_by_its_shape(tmp_path: Path) -> None:
    """A ref with "/" or ".cquin", or naming an existing file, is a path; otherwise a name."""
    (tmp_path / "rules").write_text(RULES, encoding="utf-8")
    assert load_framework("rules", tmp_path)[0] == framework_of(RULES)
    _, (missing,) = load_framework("sub/none", tmp_path)
    assert missing.code == "E305" and "cannot read the framework file" in missing.message
    assert str(tmp_path / "sub" / "none") in missing.message
    _, (unknown,) = load_framework("none", tmp_path)
    assert unknown.message == "unknown framework `none`"


def test_errors_in_a_framework_file_are_its_own(tmp_path: Path) -> None:
    """Syntax errors in a framework file carry that file's path and position."""
    (tmp_path / "bad.cquin").write_text(RULES.replace("  year", "  yeer"), encoding="utf-8")
    framework, (error,) = load_framework("bad.cquin", tmp_path, origin="rulebook.cquin")
    assert framework is None
    assert error.code == "E001" and error.line == 2
    assert error.path == str(tmp_path / "bad.cquin")


def test_a_header_name_is_never_a_file(tmp_path: Path) -> None:
    """`framework NAME` is a built-in; a file of that name beside the rulebook is suggested."""
    (tmp_path / "rules.cquin").write_text(RULES, encoding="utf-8")
    text = BASE.replace('framework "framework.cquin"', "framework rules")
    framework, (diagnostic,) = check_against_framework(scheme_of(text), base_dir=tmp_path)
    assert framework is None and diagnostic.code == "E305" and diagnostic.line == 5
    assert diagnostic.hint is not None and 'framework "rules.cquin"' in diagnostic.hint


def test_command_line_wins_over_the_header(tmp_path: Path) -> None:
    """A framework given on the command line replaces the header's, and positions follow it."""
    scheme = scheme_of(BASE.replace('framework "framework.cquin"', "framework nhs_england_2019_20"))
    from_header, found = check_against_framework(scheme)
    assert from_header is not None and from_header.name == "nhs_england_2019_20"
    assert {d.code for d in found} >= {"E304", "E302"}
    (tmp_path / "mine.cquin").write_text(RULES, encoding="utf-8")
    chosen, found = check_against_framework(scheme, command_line=str(tmp_path / "mine.cquin"))
    assert chosen is not None and chosen.name == "case_rules" and found == []
    _, (unknown,) = check_against_framework(scheme, command_line="nope", path="r.cquin")
    assert unknown.code == "E305" and unknown.line == 1 and unknown.path == "r.cquin"


def test_no_framework_means_no_framework_checks() -> None:
    """A scheme with no `framework` statement and none on the command line is not checked."""
    text = BASE.replace('  framework "framework.cquin"\n', "")
    assert check_against_framework(scheme_of(text)) == (None, [])


def test_payment_defaults() -> None:
    """Payment on account and reconciliation: the scheme's own, else the framework's, else DH's."""
    # 2023/24's "clawed back at year end" is unconfirmed (fact sheet, section 4), so the
    # built-in no longer sets `reconcile at months 12`; a framework of its own does here.
    fy23 = framework_of(RULES.replace("  year 2018/19\n", "  year 2018/19\n"
                                      "  payment on account 100%\n  reconcile at months 12\n"))
    assert builtin("nhs_england_2023_24").reconcile_months is None
    plain = scheme_of(BASE)
    assert effective_payment_on_account(plain, None) == Fraction(9, 10)
    assert effective_reconcile_months(plain, None) == (6, 9, 12)
    assert effective_payment_on_account(plain, fy23) == 1
    assert effective_reconcile_months(plain, fy23) == (12,)
    own = scheme_of(BASE.replace("  year", "  payment on account 80%\n"
                                 "  reconcile at months 3, 12\n  year"))
    assert effective_payment_on_account(own, fy23) == Fraction(4, 5)
    assert effective_reconcile_months(own, fy23) == (3, 12)


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("payment on account 120%", "from 0% to 100%"),
        ("reconcile at months 9, 6", "in order"),
        ("reconcile at months 13", "from 1 to 12"),
        ("goals at most 2.5", "whole number"),
        ("contract value at least £1,0000", "not an amount of money"),
        ("year 2018/20", "financial year"),
    ],
)
def test_framework_file_literals_are_checked(statement: str, words: str) -> None:
    """A framework file's numbers, money and years are checked as a rulebook's are (E001)."""
    text = RULES.replace("  year 2018/19\n", "").replace("  require", f"  {statement}\n  require")
    framework, diagnostics = parse_framework(text, "f.cquin")
    assert framework is None
    assert [d.code for d in diagnostics] == ["E001"]
    assert words in diagnostics[0].message and diagnostics[0].line == 4


# ---- every year, its facts and how sure they are ----------------------------------------

#: The figures each built-in checks, from the fact sheet's H and M facts (section 1 and 2
#: of shared/background/cquin-years.md): cquin share and whether it is a cap, national
#: share, payment on account, contract minimum (amount, inclusive), and other limits.
FACTS: dict[str, dict[str, Any]] = {
    "dh_2009_10": {"cquin": ("0.5%", False), "national": "0%", "on_account": "90%",
                   "reconcile": (6, 9, 12)},
    "dh_2010_11": {"cquin": ("1.5%", False)},
    "dh_2011_12": {"cquin": ("1.5%", False)},
    "nhs_england_2012_13": {"cquin": ("2.5%", False), "national": "0.5%"},
    "nhs_england_2013_14": {},
    "nhs_england_2014_15": {"cquin": ("2.5%", True), "national": "0.5%"},
    "nhs_england_2015_16": {"cquin": ("2.5%", False)},
    "nhs_england_2016_17": {"cquin": ("2.5%", False)},
    "nhs_england_2017_18": {"cquin": ("2.5%", False)},
    "nhs_england_2018_19": {"cquin": ("2.5%", False)},
    "nhs_england_2019_20": {"cquin": ("1.25%", False), "national_indicators": 5},
    "nhs_england_2020_21": {},
    "nhs_england_2021_22": {},
    "nhs_england_2022_23": {"cquin": ("1.25%", False), "indicators": 5, "equal": True,
                            "contract": (30_000_000, False), "on_account": "100%"},
    "nhs_england_2023_24": {"cquin": ("1.25%", False), "contract": (10_000_000, True),
                            "on_account": "100%"},
    "nhs_england_2024_25": {},
}


def test_every_year_from_2009_10_to_2024_25_has_one_builtin() -> None:
    """Sixteen built-ins, one for each financial year 2009/10 to 2024/25, in order."""
    years = [str(f.year.value) for f in builtin_frameworks() if f.year is not None]
    assert years == [f"{start}/{(start + 1) % 100:02d}" for start in range(2009, 2025)]
    assert sorted(FACTS) == BUILTIN_NAMES


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_checks_exactly_its_graded_facts(name: str) -> None:
    """Each built-in sets exactly the fact sheet's H and M figures for its year, no more."""
    framework, facts = builtin(name), FACTS[name]
    cquin = framework.cquin_value
    assert ((percent(cquin.value.share), cquin.value.at_most) if cquin else None) == \
        facts.get("cquin")
    national = framework.national_value
    assert (percent(national.value) if national else None) == facts.get("national")
    on_account = framework.payment_on_account
    assert (percent(on_account.value) if on_account else None) == facts.get("on_account")
    months = framework.reconcile_months
    assert (months.value if months else None) == facts.get("reconcile")
    minimum = framework.contract_minimum
    assert ((minimum.value.amount, minimum.value.inclusive) if minimum else None) == \
        facts.get("contract")
    indicators = framework.indicators_at_most
    assert (indicators.value if indicators else None) == facts.get("indicators")
    national_indicators = framework.national_indicators_at_most
    assert (national_indicators.value if national_indicators else None) == \
        facts.get("national_indicators")
    assert (framework.equal_weights is not None) == facts.get("equal", False)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_requirement_is_graded_h_or_m_with_its_source(name: str) -> None:
    """Every requirement a built-in checks (its year aside) carries an H or M grade and a
    source from the comment above it; the file cites its sources."""
    framework = builtin(name)
    assert framework.source and "fact sheet of CQUIN years" in framework.source
    for key in framework.requirements():
        if key == "year":
            continue
        grade = framework.confidence_of(key)
        assert grade is not None, f"{name}: {key} has no `# confidence H|M:` comment"
        assert grade.level in ("H", "M") and len(grade.source) > 10


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_suspended_years_are_marked_deemed_achieved(name: str) -> None:
    """2020/21, 2021/22 and 2024/25 (and only they) say `deemed achieved "reason"`, graded,
    and check nothing else but the year."""
    framework = builtin(name)
    if name in SUSPENDED:
        assert framework.deemed_achieved is not None and framework.deemed_achieved.value
        grade = framework.confidence_of("deemed_achieved")
        assert grade is not None and grade.level in ("H", "M")
        assert framework.requirements() == ["deemed_achieved", "year"]
    else:
        assert framework.deemed_achieved is None


def test_weaker_facts_are_notes_not_checks() -> None:
    """L, [memory] and [inference] facts appear as `not asserted` notes, never as checks:
    2013/14's 2.5% and 2023/24's year-end clawback are unchecked."""
    notes = {f.name: " ".join(n.text for n in f.notes if n.kind == "not asserted")
             for f in builtin_frameworks()}
    assert "[memory]" in notes["nhs_england_2013_14"] and "2.5%" in notes["nhs_england_2013_14"]
    assert builtin("nhs_england_2013_14").cquin_value is None
    assert "year end" in notes["nhs_england_2023_24"]
    assert "pre-qualification" in notes["nhs_england_2013_14"]
    assert "risk reserve" in notes["nhs_england_2017_18"]
    for framework in builtin_frameworks():
        for key in framework.requirements():
            grade = framework.confidence_of(key)
            assert grade is None or grade.level in ("H", "M")


def test_the_2012_13_name_says_whose_rules_they_were() -> None:
    """nhs_england_2012_13 keeps its name, and its file says the rules were DH's."""
    text = files("cquin_rules").joinpath("frameworks", "builtin",
                                         "nhs_england_2012_13.cquin").read_text("utf-8")
    assert "the 2012/13 rules were the Department of Health's" in text
    assert builtin("nhs_england_2012_13").title == "CQUIN 2012/13 (Department of Health)"


@pytest.mark.parametrize(
    ("ref", "meant"),
    [
        ("nhs_england_2010_11", "dh_2010_11"),
        ("dh_2012_13", "nhs_england_2012_13"),
        ("nhs_england_2017_19", "nhs_england_2017_18"),
    ],
)
def test_a_name_for_a_year_finds_that_year(ref: str, meant: str) -> None:
    """An unknown name ending in a year suggests the built-in for that year (or the
    nearest spelling)."""
    _, (diagnostic,) = load_framework(ref, None)
    assert diagnostic.code == "E305" and diagnostic.hint is not None
    assert f"did you mean {meant}?" in diagnostic.hint


def test_nhs_england_2017_18_is_found() -> None:
    """The name a new user looked for (issue 18) is a built-in, year 1 of the 2017–19 scheme."""
    framework, diagnostics = load_framework("nhs_england_2017_18", None)
    assert diagnostics == [] and framework is not None
    assert "2017–19 scheme, year 1" in framework.title
    assert "2017–19 scheme, year 2" in builtin("nhs_england_2018_19").title


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_files_are_canonical(name: str) -> None:
    """Each built-in file is already in `cquin fmt`'s layout."""
    from cquin_rules.syntax.formatter import format_text

    text = files("cquin_rules").joinpath("frameworks", "builtin", f"{name}.cquin") \
        .read_text("utf-8")
    assert format_text(text, start="framework_file")[0] == text


# ---- the comment conventions --------------------------------------------------------------


def test_a_grade_belongs_to_the_statement_just_below() -> None:
    """`# confidence H:` grades the next statement; a blank line between, or a grade other
    than H or M, grades nothing; a `#` inside a title is not a comment."""
    framework = framework_of(
        "# Source: a report\n"
        "#   continued\n"
        'framework f "The #1 rules" {\n'
        "  year 2018/19\n"
        "  # confidence M: a trust page\n"
        "  #   and another line\n"
        "  # an ordinary comment\n"
        "  cquin value 2.5% of contract\n"
        "  # confidence H: detached\n"
        "\n"
        "  national value 0.5% of contract\n"
        "  # confidence L: too weak to be a grade\n"
        "  goals at most 5\n"
        "}\n"
        "# not asserted (L, [memory]): something\n"
        "#   remembered\n"
    )
    assert framework.title == "The #1 rules"
    assert framework.source == "a report continued"
    grade = framework.confidence_of("cquin_value")
    assert grade is not None
    assert (grade.level, grade.source) == ("M", "a trust page and another line")
    assert framework.confidence_of("national_value") is None
    assert framework.confidence_of("goals_at_most") is None
    assert [(n.kind, n.text) for n in framework.notes] == [
        ("not asserted", "(L, [memory]): something remembered"),
    ]


# ---- one check per code ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda path: path.name)
def test_each_check_reports_only_its_own_code(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each compliance function reports only the code it is registered under, and together
    they report what `check_framework` does."""
    from cquin_rules.frameworks.compliance import CHECKS, Compliance

    monkeypatch.chdir(case)
    scheme, _ = parse(Path("rulebook.cquin").read_text(encoding="utf-8"), "rulebook.cquin")
    assert scheme is not None
    reference = _command_line_framework(case) or (
        scheme.header.framework.name if scheme.header.framework else None)
    if reference is None:
        return
    framework, _ = load_framework(reference, Path("."))
    if framework is None:
        return
    compliance = Compliance(scheme, framework, False)
    every = []
    for code, check_one in CHECKS.items():
        found = check_one(compliance)
        assert {d.code for d in found} <= {code}
        every += found
    assert every == check_framework(scheme, framework, from_command_line=False)
    assert set(CHECKS) == {"E301", "E302", "E303", "E304", "E306", "E307", "E308", "W501",
                           "W502"}


# ---- `cquin frameworks` ------------------------------------------------------------------


def test_frameworks_table_shows_each_grade_and_suspension() -> None:
    """The table grades each figure (H) or (M), marks suspended years, and lists what is
    not checked."""
    lines = frameworks_table().splitlines()
    row = {name: next(line for line in lines if line.startswith(name + " "))
           for name in BUILTIN_NAMES}
    assert "0.5% of contract (H)" in row["dh_2009_10"]
    assert "at most 2.5% of contract (M)" in row["nhs_england_2014_15"]
    assert "contract of at least £10,000,000 (M)" in row["nhs_england_2023_24"]
    for name in SUSPENDED:
        assert "deemed met" in row[name]
    assert "deemed met" not in row["nhs_england_2019_20"]
    table = "\n".join(lines)
    assert "Not checked" in table and "nhs_england_2013_14: (H, a scheme gate" in table
    assert max(len(line) for line in lines[: len(BUILTIN_NAMES) + 1]) < 200


def test_frameworks_json_through_the_command() -> None:
    """`cquin frameworks --format json` lists sixteen years, each requirement graded."""
    process = subprocess.run(
        [sys.executable, "-m", "cquin_rules", "frameworks", "--format", "json"],
        capture_output=True, text=True, timeout=120, encoding="utf-8",
    )
    assert process.returncode == 0, process.stderr
    document = json.loads(process.stdout)["frameworks"]
    assert [f["name"] for f in document] == BUILTIN_NAMES
    fy22 = next(f for f in document if f["name"] == "nhs_england_2022_23")
    assert {"statement": "contract value above £30,000,000", "confidence": "H"}.items() <= \
        next(r for r in fy22["requirements"] if r["statement"].startswith("contract")).items()
    assert all(r["confidence"] in ("H", "M") for f in document for r in f["requirements"])
    assert [f["name"] for f in document if f["deemed_achieved"]] == SUSPENDED
