"""The earned-pennies code written per scheme (engine/earned_code.py) runs nothing a
rulebook wrote: rulebook text reaches it only as string constants quoted by repr."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import cquin_rules
from cquin_rules.engine.earned_code import earned_function

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = r'''scheme "x'])  __import__('os').system('touch /tmp/cquin-pwned')#" {
  cquin value £1,000
}

goal A "\"); import os #" {
  domain safety
  weight 100%
  indicator b_ "'; __import__('os') #" {
    measure percent
    pay linear from 10% to 20%
  }
}
'''

#: All the generated code may call: the value checks it is given, and builtins on values.
CALLS = {"_refuse", "_missing", "_unknown", "type", "len"}


def sources() -> list[str]:
    found = []
    for text in [*(p.read_text(encoding="utf-8")
                   for p in sorted((ROOT / "rulebooks").rglob("rulebook.cquin"))), HOSTILE]:
        rulebook = cquin_rules.loads(text)
        if any(d.severity == "error" for d in rulebook.check()):
            continue
        source = earned_function(rulebook.compiled()).source
        if source is not None:
            found.append(source)
    return found


def test_generated_code_calls_only_the_value_checks() -> None:
    """No call but the value checks and two builtins, no attribute but a Fraction's
    parts, no import, lambda or global: whatever a title says, it cannot become code."""
    written = sources()
    assert len(written) >= 3
    for source in written:
        for node in ast.walk(ast.parse(source)):
            assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda,
                                         ast.Global, ast.Nonlocal)), ast.dump(node)
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name), ast.dump(node)
                assert node.func.id in CALLS, node.func.id
            if isinstance(node, ast.Attribute):
                assert node.attr in ("numerator", "denominator"), node.attr


def test_a_hostile_title_is_only_a_title() -> None:
    rulebook = cquin_rules.loads(HOSTILE)
    assert not [d for d in rulebook.check() if d.severity == "error"]
    assert rulebook.earned_pennies({"A.b_": Fraction(15, 100)}) == {"A": 50_000}
    assert not Path("/tmp/cquin-pwned").exists()
