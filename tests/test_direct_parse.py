"""The model built during the parse (syntax/direct.py) is the tree path's, message for message.

`parse` builds the model as the LALR parser reduces each rule and only falls back to the
parse tree after a syntax error or near a limit. Both paths must give the same model,
spans included, and the same diagnostics in the same order, for every rulebook: the
shipped ones, the conformance and hostile corpora, rulebooks drawn by Hypothesis, and
mutations of them that break words, repeat statements or break the syntax.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import schemes

from cquin_rules.base.limits import Limits
from cquin_rules.syntax.direct import parse_directly
from cquin_rules.syntax.parser import parse, parse_by_tree
from cquin_rules.syntax.printer import print_scheme

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(
    path for folder in ("rulebooks", "docs", "tests", "cquin_rules/frameworks/builtin", "fuzz")
    for path in (ROOT / folder).rglob("*.cquin")
)


def same_either_way(text: str, limits: Limits | None = None, *, models: bool = True) -> None:
    direct = parse(text, "r.cquin", limits)
    by_tree = parse_by_tree(text, "r.cquin", limits)
    assert direct[1] == by_tree[1]
    assert (direct[0] is None) == (by_tree[0] is None)
    if models:  # comparing models nested hundreds deep would overflow Python's stack
        assert direct[0] == by_tree[0]


def test_there_are_rulebooks_to_compare() -> None:
    assert len(SHIPPED) > 50


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rulebook_parses_the_same_either_way(path: Path) -> None:
    same_either_way(path.read_text("utf-8", errors="replace"))


def test_a_clean_rulebook_takes_the_direct_path() -> None:
    text = next((ROOT / "tests" / "conformance" / "01-spec-example").glob("*.cquin"))
    assert parse_directly(text.read_text("utf-8"), Limits()) is not None


WORD_ERRORS = """scheme "Words" {
  provider "P"
  year 2025/27
  cquin value £1,00
  cquin value £5k
  reconcile at months 0, 13
}
goal G1 "Goal" {
  national
  local
  domain safty, prevention
  status agred
  weight 100%
  combine at least 0
  indicator a {
    measure percent
    measure number
    reported weakly
    baseline 1__0%
    pay 100% when value >= 5%
  }
  period Q5 50% {
    indicator b { measure evidence pay 100% when achieved }
  }
}
example "e" {
  G1.a Q7 = 5/0
  G1.a = 7/3
  expect G1.a H3 = £1
}
"""


def test_word_errors_are_reported_the_same_either_way() -> None:
    assert parse_directly(WORD_ERRORS, Limits()) is not None
    direct = parse(WORD_ERRORS, "w.cquin")
    assert direct == parse_by_tree(WORD_ERRORS, "w.cquin")
    assert len([d for d in direct[1] if d.code == "E104"]) >= 3
    assert len([d for d in direct[1] if d.code == "E001"]) >= 8


def nested(depth: int) -> str:
    opening = "".join(f"part p{i} {{\n" for i in range(depth))
    closing = "}\n" * depth
    return ('scheme "Deep" {\n  cquin value £100\n}\ngoal G "G" {\n  weight 100%\n'
            f"{opening}indicator i {{ measure evidence pay 100% when achieved }}\n"
            f"{closing}}}\n")


@pytest.mark.parametrize("depth", [1, 3, 4, 60, 400])
def test_nesting_near_and_past_the_limit_is_the_same_either_way(depth: int) -> None:
    same_either_way(nested(depth), Limits(max_nesting=3))
    same_either_way(nested(depth), models=depth < 100)
    same_either_way(nested(depth), Limits(max_nesting=1000), models=depth < 100)


def test_parts_nested_past_the_limit_are_left_to_the_tree_path() -> None:
    assert parse_directly(nested(4), Limits(max_nesting=3)) is None
    assert parse_directly(nested(3), Limits(max_nesting=3)) is not None


@pytest.mark.parametrize("long", ["n" * 101, "9" * 101, "£" + "9" * 101])
def test_long_names_and_numbers_are_left_to_the_tree_path(long: str) -> None:
    text = nested(1).replace("indicator i", f"indicator {long}" if long[0] == "n" else
                             "indicator i").replace("£100", long if long[0] == "£" else
                                                    "£100")
    text = text.replace("weight 100%", f"weight {long}%" if long[0] == "9" else "weight 100%")
    assert parse_directly(text, Limits()) is None
    same_either_way(text)


def test_a_long_string_is_not_a_long_token() -> None:
    text = nested(1).replace('"Deep"', '"' + "x" * 500 + '"')
    assert parse_directly(text, Limits()) is not None
    same_either_way(text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A rendered rulebook with a few of its lines deleted, repeated, swapped or with a
    word changed: mostly still parsable, with word errors, repeats and syntax errors."""
    lines = print_scheme(draw(schemes(examples=True))).splitlines()
    for _ in range(draw(st.integers(0, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "repeat", "swap", "word"]))
        if how == "delete":
            del lines[at]
        elif how == "repeat":
            lines.insert(at, lines[at])
        elif how == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif how == "word":
            words = lines[at].split(" ")
            spot = draw(st.integers(0, len(words) - 1))
            words[spot] = draw(st.sampled_from(
                ["Q9", "yearly", "safty", "1_", "£1.5", "12/10", "agreed", "{", "2024/26"]))
            lines[at] = " ".join(words)
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_rulebooks_parse_the_same_either_way(text: str) -> None:
    same_either_way(text)


def test_parsing_leaves_a_programs_own_frozen_objects_frozen() -> None:
    """A pre-forking server freezes its objects so workers share their pages: parsing a
    rulebook in it must not unfreeze them."""
    import gc

    from cquin_rules.api import loads

    kept = [object() for _ in range(100)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        loads('scheme "Frozen" {\n  cquin value £1\n}\n').check()
        assert gc.get_freeze_count() > frozen // 2  # unfreezing would leave none
    finally:
        gc.unfreeze()
    del kept
