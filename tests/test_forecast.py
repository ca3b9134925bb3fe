"""Forecasts: estimates files read strictly, scenarios reproducible, percentiles exact."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import cquin_rules
from cquin_rules.cli import main
from cquin_rules.semantics.compile import CompiledScheme, compile_scheme
from cquin_rules.tools.forecast import (
    Estimate,
    _sample,
    _Tally,
    forecast,
    parse_estimates,
    scenario_chunks,
)

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"

HEADER = ("goal,indicator,period,expected,low,high,numerator,denominator,"
          "expected_denominator,probability\n")
ESTIMATES = HEADER + """FLU,uptake,,68%,62%,74%,,,,
CMA,inpatient,,,,,170,190,400,
CMA,community,,,,,140,200,420,
CMA,early,,88%,80%,95%,,,,
AED,attendances,,212,190,240,,,,
REC,plan,Q2,achieved,,,,,,
REC,courses,Q4,,,,,,,70%
"""

#: The spec's typical year, as certain estimates: every scenario is that year.
CERTAIN = """goal,indicator,period,expected,numerator,denominator
FLU,uptake,,68%,,
CMA,inpatient,,92%,,
CMA,community,,,140,200
CMA,early,,90%,,
AED,attendances,,212,,
REC,plan,Q2,achieved,,
REC,courses,Q4,not achieved,,
"""


@pytest.fixture(scope="module")
def compiled() -> CompiledScheme:
    return compile_scheme(cquin_rules.load(REFERENCE).scheme)


def estimates(compiled: CompiledScheme, text: str = ESTIMATES) -> list[Estimate]:
    found, diagnostics = parse_estimates(text, "estimates.csv", compiled)
    assert found is not None, [d.render() for d in diagnostics]
    return found


def problems(compiled: CompiledScheme, text: str) -> list[tuple[str, int]]:
    found, diagnostics = parse_estimates(text, "estimates.csv", compiled)
    assert found is None
    return [(d.code, d.line) for d in diagnostics]


# ---- reading ---------------------------------------------------------------------------


def test_every_kind_of_estimate_is_read(compiled: CompiledScheme) -> None:
    """Ranges, counts so far, probabilities and certain evidence are each read exactly."""
    by_name = {".".join((e.key[0], *e.key[1])): e for e in estimates(compiled)}
    flu = by_name["FLU.uptake"]
    assert (flu.kind, flu.expected, flu.low, flu.high, flu.scale) == (
        "value", Fraction(68, 100), Fraction(62, 100), Fraction(74, 100), 10_000)
    inpatient = by_name["CMA.inpatient"]
    assert (inpatient.kind, inpatient.numerator, inpatient.denominator,
            inpatient.expected_denominator) == ("counts", 170, 190, 400)
    assert by_name["AED.attendances"].scale == 1
    assert by_name["REC.plan"].probability == 1
    assert by_name["REC.courses"].probability == Fraction(7, 10)


BAD_ROWS = {
    "FLU,uptake,,68%,70%,74%,,,,": "E605",          # low above expected
    "FLU,uptake,,0.68,,,,,,": "E603",                # a bare number for a percent
    "FLU,uptake,,,,,5,4,10,": "E606",                # numerator above denominator
    "FLU,uptake,,,,,1,4,3,": "E606",                 # year's denominator below the count
    "FLU,uptak,,68%,,,,,,": "E103",                  # unknown indicator
    "FLU,uptake,,68%,60%,,,,,": "E607",              # low without high
    "AED,attendances,,,,,,,,50%": "E604",            # a probability for a number
    "REC,plan,Q3,achieved,,,,,,": "E608",            # a period the goal has no block for
    "FLU,uptake,,,,," + "9" * 25 + "," + "9" * 25 + ",,": "E605",  # counts too large
    "AED,attendances,,2" + "0" * 24 + ",1" + "0" * 24 + ",3" + "0" * 24 + ",,,,": "E605",
    'FLU,uptake,,"' + "7" * 140_000 + '",,,,,,': "E601",  # a cell past the csv module's limit
}


@pytest.mark.parametrize(("row", "code"), BAD_ROWS.items())
def test_a_bad_row_is_reported_at_its_line(compiled: CompiledScheme, row: str,
                                           code: str) -> None:
    """Each kind of bad row is reported with its code at its line, and nothing is read."""
    lines = ESTIMATES.splitlines()
    lines[1] = row
    found = problems(compiled, "\n".join(lines) + "\n")
    assert (code, 2) in found


def test_a_missing_indicator_and_a_duplicate_are_errors(compiled: CompiledScheme) -> None:
    """An indicator with no row is E611; a second row for one is E609 at the second row."""
    lines = ESTIMATES.splitlines()
    text = "\n".join([lines[0], lines[1], lines[1], *lines[3:]]) + "\n"
    found = problems(compiled, text)
    assert ("E609", 3) in found
    assert [code for code, _ in found].count("E611") == 1


def test_unknown_columns_are_reported(compiled: CompiledScheme) -> None:
    """A column the format does not have is E602 on the header line."""
    assert problems(compiled, "goal,indicator,expectd\nFLU,uptake,68%\n") == [("E602", 1)]


# ---- sampling ---------------------------------------------------------------------------


@given(st.integers(0, 2**32 - 1))
def test_samples_are_exact_values_in_range(seed: int) -> None:
    """Sampled percentages are whole basis points within 0%-100%; counts never pass the
    year's denominator nor fall below the count so far."""
    rng = np.random.default_rng(seed)
    value = _sample(Estimate(("G", ("x",), "year"), 2, "value", "percent", Fraction(1, 2),
                             Fraction(0), Fraction(1), 10_000), 500, rng)
    assert value.scale == 10_000 and value.values.dtype == np.int64
    assert value.values.min() >= 0 and value.values.max() <= 10_000
    counts = _sample(Estimate(("G", ("x",), "year"), 2, "counts", "percent", numerator=3,
                              denominator=5, expected_denominator=40), 500, rng)
    assert counts.numerator.min() >= 3 and counts.numerator.max() <= 3 + 35
    assert set(counts.denominator.tolist()) == {40}


def test_the_same_seed_gives_the_same_forecast(compiled: CompiledScheme) -> None:
    """A seed reproduces a forecast exactly; another seed draws other scenarios."""
    found = estimates(compiled)
    first = forecast(compiled, found, 20_000, 11, chunk=4096)
    assert first == forecast(compiled, found, 20_000, 11, chunk=4096)
    assert first != forecast(compiled, found, 20_000, 12, chunk=4096)
    assert first.goals[0].p10 <= first.goals[0].p50 <= first.goals[0].p90


def test_scenarios_are_the_same_however_many_are_drawn(compiled: CompiledScheme) -> None:
    """Scenario i is the same whether 10,000 or 20,000 are drawn (streams per chunk)."""
    found = estimates(compiled)
    short = next(scenario_chunks(found, 10_000, 5, chunk=4096))
    long = next(scenario_chunks(found, 20_000, 5, chunk=4096))
    key = found[0].key
    assert (short[key].values == long[key].values).all()


def test_certain_estimates_forecast_the_scalar_result(compiled: CompiledScheme) -> None:
    """With every estimate certain, each goal's expected, P10, P50 and P90 are the money
    exact evaluation gives, and the probability of earning everything is 0 or 1."""
    outcome = forecast(compiled, estimates(compiled, CERTAIN), 3_000, 1)
    expected = {"FLU": 320_000, "CMA": 630_000, "AED": 375_000, "REC": 375_000}
    for goal in outcome.goals:
        assert goal.expected == goal.p10 == goal.p50 == goal.p90 == expected[goal.code]
        assert goal.probability_all == 0
        assert goal.at_risk == goal.available - expected[goal.code]
    assert outcome.total.p50 == 1_700_000
    assert outcome.total.at_risk == 1_300_000


def test_expected_total_is_the_sum_of_goals(compiled: CompiledScheme) -> None:
    """The expected total is exactly the sum of the goals' expected earnings."""
    outcome = forecast(compiled, estimates(compiled), 10_000, 3)
    assert outcome.total.expected == sum(g.expected for g in outcome.goals)


@given(st.lists(st.lists(st.integers(0, 50), min_size=1, max_size=40), min_size=1,
                max_size=5))
def test_percentiles_are_exact_over_chunks(chunks: list[list[int]]) -> None:
    """P10/P50/P90 counted chunk by chunk equal numpy's inverted-CDF percentiles of all
    the amounts at once; the tally holds one entry per distinct amount."""
    tally = _Tally(50)
    for part in chunks:
        tally.add(np.array(part, dtype=np.int64))
    everything = np.concatenate([np.array(p) for p in chunks])
    outlook = tally.summary("G", everything.size)
    for share, found in ((10, outlook.p10), (50, outlook.p50), (90, outlook.p90)):
        assert found * 100 == int(np.percentile(everything, share, method="inverted_cdf"))
    assert tally.amounts.size == np.unique(everything).size
    assert outlook.probability_all == Fraction(int((everything >= 50).sum()), everything.size)


# ---- the command ------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_forecast_command_json(tmp_path: Path) -> None:
    """`cquin forecast --format json` prints every goal and the total, reproducibly."""
    path = tmp_path / "estimates.csv"
    path.write_text(ESTIMATES, "utf-8")
    args = ("forecast", str(REFERENCE), str(path), "--scenarios", "5000", "--seed", "9",
            "--format", "json")
    code, out, err = run(*args)
    assert code == 0, err
    document = json.loads(out)
    assert [g["code"] for g in document["goals"]] == ["FLU", "CMA", "AED", "REC"]
    assert document["seed"] == 9 and document["scenarios"] == 5000
    assert document["cquin_value"] == document["total"]["available"] == "3000000.00"
    assert Fraction(document["total"]["at_risk"]) == (
        Fraction(document["total"]["available"]) - Fraction(document["total"]["p10"]))
    assert run(*args)[1] == out
    assert "scenarios" not in err  # no progress bar off a terminal


def test_forecast_command_table(tmp_path: Path) -> None:
    """The table names the seed so a run can be repeated, and has a total line."""
    path = tmp_path / "estimates.csv"
    path.write_text(ESTIMATES, "utf-8")
    code, out, _ = run("forecast", str(REFERENCE), str(path), "--scenarios", "1000")
    assert code == 0
    assert "1,000 scenarios, seed " in out
    assert any(line.startswith("total") for line in out.splitlines())


def test_forecast_command_reports_bad_estimates(tmp_path: Path) -> None:
    """A bad estimates file exits 1 with `path:line: CODE message` and prints no figures."""
    path = tmp_path / "estimates.csv"
    path.write_text(ESTIMATES.replace("68%,62%,74%", "68%,70%,74%"), "utf-8")
    code, out, err = run("forecast", str(REFERENCE), str(path))
    assert code == 1
    assert f"{path}:2: E605" in err
    assert out == ""


def test_forecast_command_unreadable_file(tmp_path: Path) -> None:
    """A missing estimates file exits 2."""
    code, _, err = run("forecast", str(REFERENCE), str(tmp_path / "none.csv"))
    assert code == 2
    assert "cannot read" in err
