"""The declared public API: what the docs tell users to import, and nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

import cquin_rules

NORTHSHIRE = Path(__file__).resolve().parents[1] / "rulebooks" / "northshire-2018-19"


def test_every_public_name_is_there() -> None:
    """Each name in `__all__` resolves, lazily imported ones included."""
    for name in cquin_rules.__all__:
        assert getattr(cquin_rules, name) is not None, name
    with pytest.raises(AttributeError):
        _ = cquin_rules.no_such_name  # type: ignore[attr-defined]


def test_result_and_measurements_are_the_engines_types() -> None:
    """The lazily exported names are the very classes evaluate() returns and takes."""
    rulebook = cquin_rules.load(NORTHSHIRE / "rulebook.cquin")
    result = rulebook.evaluate(NORTHSHIRE / "data.csv")
    assert isinstance(result, cquin_rules.Result)
    measurements = cquin_rules.read_measurements(NORTHSHIRE / "data.csv", rulebook)
    assert isinstance(measurements, cquin_rules.Measurements)


def test_load_takes_a_path_and_loads_takes_text() -> None:
    """`load` never guesses that a string is rulebook text; `loads` is for text."""
    text = (NORTHSHIRE / "rulebook.cquin").read_text("utf-8")
    with pytest.raises(OSError):
        cquin_rules.load(text)
    assert cquin_rules.loads(text).scheme == cquin_rules.load(NORTHSHIRE / "rulebook.cquin").scheme


def test_diagnose_reports_without_raising() -> None:
    """`diagnose` gives the problems of a broken text as data."""
    found = cquin_rules.diagnose('scheme "s" { year 2018/19 year 2019/20 }\n')
    assert sorted(d.code for d in found) == ["E104", "E105"]
