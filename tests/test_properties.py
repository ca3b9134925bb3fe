"""The laws, over generated valid rulebooks: format-independent parse, payment monotone in
every measurement, never above the money at stake, money conserved, evaluation
deterministic."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from strategies import (
    Key,
    improved,
    indicator_keys,
    measurements_for,
    schemes,
)

from cquin_rules.semantics.money import cquin_value_exact, round_half_up
from cquin_rules.syntax.model import MeasuredValue, Scheme
from cquin_rules.syntax.printer import print_scheme

parser = pytest.importorskip("cquin_rules.syntax.parser")
checker = pytest.importorskip("cquin_rules.check.scheme")
evaluator = pytest.importorskip("cquin_rules.engine.evaluate")
measurements_module = pytest.importorskip("cquin_rules.engine.measurements")

PENNY = Fraction(1, 100)


def parse_clean(text: str) -> Scheme:
    scheme, diagnostics = parser.parse(text, "<generated>")
    errors = [d for d in diagnostics if d.severity == "error"]
    assert scheme is not None and not errors, [(d.code, d.line, d.message) for d in errors]
    return scheme


def evaluate(scheme: Scheme, values: dict[Key, MeasuredValue]):  # type: ignore[no-untyped-def]
    Measurements = measurements_module.Measurements
    Measurement = measurements_module.Measurement
    given_values = Measurements(tuple((key, Measurement(v)) for key, v in values.items()))
    return evaluator.evaluate(scheme, given_values)


def assert_checks_clean(scheme: Scheme) -> None:
    errors = [d for d in checker.check(scheme) if d.severity == "error"]
    if errors:
        note(print_scheme(scheme))
    assert not errors, [(d.code, d.message) for d in errors]


# ---- format-independent parse -------------------------------------------------------


@given(schemes(framework=True, examples=True))
def test_printed_scheme_parses_back_to_the_same_model(scheme: Scheme) -> None:
    """parse(print(m)) == m, and printing is a fixed point."""
    text = print_scheme(scheme)
    note(text)
    parsed = parse_clean(text)
    assert parsed == scheme
    assert print_scheme(parsed) == text


#: Any text but a line end, NUL and the bidirectional and zero-width format characters
#: (E002 even in a comment, LANGUAGE.md §2).
_NOT_IN_COMMENTS = "\n\r\x00" + "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010), 0x2060,
              0xFEFF]))
comment_texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=_NOT_IN_COMMENTS),
    max_size=20,
)
separators = st.lists(
    st.one_of(
        st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\n\n"]),
        comment_texts.map(lambda c: f" #{c}\n"),
    ),
    min_size=1,
    max_size=3,
).map("".join)


def _chunks(text: str) -> list[str]:
    """The printed text split at whitespace, never inside a string literal."""
    chunks: list[str] = []
    current = ""
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            current += char
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            current += char
            in_string = True
        elif char.isspace() and char in " \n":
            if current:
                chunks.append(current)
            current = ""
        else:
            current += char
    if current:
        chunks.append(current)
    return chunks


@given(schemes(framework=True, examples=True), st.data())
def test_whitespace_and_comments_do_not_change_the_model(
    scheme: Scheme, data: st.DataObject
) -> None:
    """Extra spaces, tabs, line breaks (LF or CRLF) and comments between tokens give the
    same model."""
    chunks = _chunks(print_scheme(scheme))
    text = data.draw(separators | st.just("")).lstrip(" \t")
    for chunk in chunks:
        text += chunk + data.draw(separators)
    note(text)
    assert parse_clean(text) == scheme


# ---- generated schemes are valid ----------------------------------------------------


@given(schemes(examples=True))
def test_generated_schemes_check_clean(scheme: Scheme) -> None:
    """Every scheme the strategies draw passes check() with no errors."""
    assert_checks_clean(scheme)


# ---- money: bounded and conserved ---------------------------------------------------


@given(st.data())
def test_money_is_bounded_and_conserved(data: st.DataObject) -> None:
    """Goals' available money totals the cquin value; earned never exceeds available for a
    goal, for national or in total; goal lines add up to the totals in the JSON too."""
    scheme = data.draw(schemes())
    assert_checks_clean(scheme)
    values = data.draw(measurements_for(scheme))
    result = evaluate(scheme, values)
    exact = cquin_value_exact(scheme.header)
    assert exact is not None
    cquin = round_half_up(exact)
    assert result.cquin_value == cquin
    assert sum((g.available for g in result.goals), Fraction(0)) == cquin
    for goal in result.goals:
        assert 0 <= goal.earned <= goal.available, goal.code
        assert 0 <= goal.attainment <= 1, goal.code
        assert (goal.earned * 100).denominator == 1 and (goal.available * 100).denominator == 1
    assert result.earned <= cquin
    assert result.earned_in("national") <= result.available_in("national")
    assert result.earned_in("local") <= result.available_in("local")

    document = json.loads(result.to_json())
    goal_earned = sum(Fraction(g["earned"]) for g in document["goals"])
    goal_available = sum(Fraction(g["available"]) for g in document["goals"])
    national, local = document["national"], document["local"]
    assert Fraction(document["earned"]) == goal_earned
    assert Fraction(document["cquin_value"]) == goal_available == cquin
    assert Fraction(national["earned"]) + Fraction(local["earned"]) == goal_earned
    assert Fraction(national["available"]) + Fraction(local["available"]) == goal_available
    for scope in ("national", "local"):
        assert Fraction(document[scope]["available"]) == sum(
            (Fraction(g["available"]) for g in document["goals"] if g["scope"] == scope),
            Fraction(0),
        )


@given(schemes())
def test_goal_money_is_its_exact_share_to_within_a_penny(scheme: Scheme) -> None:
    """The largest-remainder split moves no goal more than a penny from its exact share."""
    assert_checks_clean(scheme)
    result = evaluate(scheme, {})
    exact = cquin_value_exact(scheme.header)
    assert exact is not None
    for goal, line in zip(scheme.goals, result.goals, strict=True):
        if goal.is_gate:
            assert line.available == 0, goal.code
            continue
        share = goal.value.value if goal.value else goal.weight.value * exact  # type: ignore[union-attr]
        assert abs(line.available - share) < PENNY, goal.code


# ---- monotone ------------------------------------------------------------------------


@given(st.data())
def test_payment_is_monotone_in_every_measurement(data: st.DataObject) -> None:
    """Improving one indicator's measurement (or supplying a missing one) never lowers any
    goal's earned money, nor the national, local or total earned."""
    scheme = data.draw(schemes())
    assert_checks_clean(scheme)
    keys = indicator_keys(scheme)
    values = data.draw(measurements_for(scheme))
    key, indicator = data.draw(st.sampled_from(keys))
    better = data.draw(improved(indicator, values.get(key)))
    note(f"{key}: {values.get(key)} -> {better}")
    before = evaluate(scheme, values)
    after = evaluate(scheme, {**values, key: better})
    for old, new in zip(before.goals, after.goals, strict=True):
        assert new.earned >= old.earned, old.code
        assert new.attainment >= old.attainment, old.code
    assert after.earned >= before.earned
    assert after.earned_in("national") >= before.earned_in("national")
    assert after.earned_in("local") >= before.earned_in("local")


# ---- deterministic -------------------------------------------------------------------


@given(st.data())
def test_evaluation_is_deterministic(data: st.DataObject) -> None:
    """Evaluating twice gives equal results and identical JSON; the order measurements are
    given in changes no money."""
    scheme = data.draw(schemes())
    values = data.draw(measurements_for(scheme))
    first = evaluate(scheme, values)
    second = evaluate(scheme, values)
    assert first == second
    assert first.to_json() == second.to_json()
    shuffled = dict(reversed(list(values.items())))
    third = evaluate(scheme, shuffled)
    assert [g.earned for g in third.goals] == [g.earned for g in first.goals]
    assert [g.attainment for g in third.goals] == [g.attainment for g in first.goals]
