"""The reference example (Northshire 2018/19) encoded in other rule engines, for the peer
table of `run.py`. Optional: `pip install -e '.[bench]'` installs them (CEL, zen-engine,
rule-engine and openfisca-core); a peer that is not installed is reported as such and
skipped.

Every peer is given integer counts (basis points for percentages, the community
assessment as numerator and denominator, whole attendances, booleans for evidence) and
computes each goal's earned pennies with integer arithmetic and a floor division, which is
the exact answer for these inputs. Each is checked, penny for penny, against cquin's
`evaluate` on generated inputs before it is timed. The peers give four numbers; cquin's
`evaluate` gives the whole result (every indicator's attainment and status, every goal's
attainment, status and money), which is what a report needs.

OpenFisca is a tax-benefit microsimulation framework, not an expression engine: the scheme
is a small tax-benefit system of its own (`openfisca_peer.py`), and one decision is one
simulation of one provider. It appears twice: with money as its `int` value type (int32
pennies, integer arithmetic as above: exact for this scheme, whose £3,000,000 is far below
int32's £21.47 million) and as an OpenFisca model is usually written, with its `float`
value type (float32 fractions and pounds), which is pennies off on about half of the
generated inputs, so the table does not time it. openfisca-core 46 pins numpy <= 3 and
pulls in pytest, numexpr and pendulum; it downgrades none of cquin's dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Earned pennies per goal: FLU £600,000 linear from 60% to 75%; CMA £900,000 as
#: 40/30/30 of three thresholds; AED £750,000 by attendances; REC £750,000 by two halves.
FLU = "(flu <= 6000 ? 0 : (flu >= 7500 ? 1500 : flu - 6000)) * 120000000 / 3000"
CMA = ("(inpatient >= 9000 ? 36000000 : 0) + (community_num * 4 >= community_den * 3 ? "
       "27000000 : 0) + (early >= 9000 ? 27000000 : 0)")
AED = "aed <= 200 ? 75000000 : (aed <= 225 ? 37500000 : 0)"
REC = "(plan ? 37500000 : 0) + (courses ? 37500000 : 0)"
GOALS = {"FLU": FLU, "CMA": CMA, "AED": AED, "REC": REC}

Inputs = dict[str, Any]


def _cel() -> Callable[[Inputs], list[int]]:
    import cel  # common-expression-language: Rust CEL, Python bindings

    program = cel.compile("[" + ", ".join(f"({e})" for e in GOALS.values()) + "]")
    return lambda inputs: list(program.execute(inputs))


def cel_prepared(inputs: Inputs) -> Callable[[], list[int]]:
    """CEL with its variables converted once into a `cel.Context` (which keeps the CEL-side
    values until it changes): CEL's fastest path, the counterpart of inputs prepared once
    for cquin. ImportError when CEL is not installed."""
    import cel

    program = cel.compile("[" + ", ".join(f"({e})" for e in GOALS.values()) + "]")
    context = cel.Context()
    context.update(inputs)
    return lambda: list(program.execute(context))


def _zen() -> Callable[[Inputs], list[int]]:
    import zen  # zen-engine: GoRules' expression language (numbers are floats)

    expressions = [zen.compile_expression(f"floor({e})") for e in GOALS.values()]
    return lambda inputs: [int(e.evaluate(inputs)) for e in expressions]


def _rule_engine() -> Callable[[Inputs], list[int]]:
    import rule_engine  # rule-engine: Python, numbers are Decimals

    # rule-engine spells floor division `//` and has no `x ? a : b` precedence surprises.
    rules = [rule_engine.Rule(e.replace(" / 3000", " // 3000")) for e in GOALS.values()]
    return lambda inputs: [int(r.evaluate(inputs)) for r in rules]


def _openfisca_pennies() -> Callable[[Inputs], list[int]]:
    import openfisca_peer  # openfisca-core: a simulation of one provider per decision

    return openfisca_peer.one_decision("pennies")


def _openfisca_float() -> Callable[[Inputs], list[int]]:
    import openfisca_peer

    return openfisca_peer.one_decision("float")


PEERS: dict[str, tuple[str, Callable[[], Callable[[Inputs], list[int]]]]] = {
    "CEL (common-expression-language)": ("cel", _cel),
    "zen-engine expressions": ("zen", _zen),
    "rule-engine": ("rule_engine", _rule_engine),
    "openfisca-core, int32 pennies": ("openfisca_core", _openfisca_pennies),
    "openfisca-core, float32 (default)": ("openfisca_core", _openfisca_float),
}


def load(name: str) -> tuple[Callable[[Inputs], list[int]] | None, str]:
    """The peer's evaluator, or None and why not (not installed, failed to build)."""
    _, make = PEERS[name]
    try:
        return make(), ""
    except ImportError:
        return None, "not installed (pip install -e '.[bench]')"
    except Exception as error:  # a peer's own failure is reported, not raised
        return None, f"failed: {error}"


def as_measurements(inputs: Inputs) -> dict[str, str]:
    """The same inputs as cquin's API takes them."""
    return {
        "FLU.uptake": _percent(inputs["flu"]),
        "CMA.inpatient": _percent(inputs["inpatient"]),
        "CMA.community": f"{inputs['community_num']}/{inputs['community_den']}",
        "CMA.early": _percent(inputs["early"]),
        "AED.attendances": str(inputs["aed"]),
        "REC.plan Q2": "achieved" if inputs["plan"] else "not achieved",
        "REC.courses Q4": "achieved" if inputs["courses"] else "not achieved",
    }


def as_exact(inputs: Inputs) -> dict[str, Any]:
    """The same inputs as cquin's earned-pennies function takes them: exact numbers
    (basis points as a Fraction of one), counts as a (numerator, denominator) tuple,
    booleans for evidence."""
    from fractions import Fraction

    return {
        "FLU.uptake": Fraction(inputs["flu"], 10_000),
        "CMA.inpatient": Fraction(inputs["inpatient"], 10_000),
        "CMA.community": (inputs["community_num"], inputs["community_den"]),
        "CMA.early": Fraction(inputs["early"], 10_000),
        "AED.attendances": inputs["aed"],
        "REC.plan Q2": inputs["plan"],
        "REC.courses Q4": inputs["courses"],
    }


def _percent(basis_points: int) -> str:
    return f"{basis_points // 100}.{basis_points % 100:02d}%"


REFERENCE: Inputs = {"flu": 6800, "inpatient": 9200, "community_num": 140,
                     "community_den": 200, "early": 9000, "aed": 212, "plan": True,
                     "courses": False}


def generated(count: int, seed: int = 16) -> list[Inputs]:
    """Inputs on and around every threshold, and random ones."""
    import random

    rng = random.Random(seed)
    found = [dict(REFERENCE)]
    for _ in range(count):
        den = rng.choice([4, 200, 333, 1000])
        found.append({
            "flu": rng.choice([5999, 6000, 6001, 7499, 7500, 7501, rng.randint(0, 10_000)]),
            "inpatient": rng.choice([8999, 9000, rng.randint(0, 10_000)]),
            "community_num": rng.choice([den * 3 // 4, den * 3 // 4 + 1, rng.randint(0, den)]),
            "community_den": den,
            "early": rng.choice([8999, 9000, rng.randint(0, 10_000)]),
            "aed": rng.choice([200, 201, 225, 226, rng.randint(150, 260)]),
            "plan": rng.random() < 0.5,
            "courses": rng.random() < 0.5,
        })
    return found
