"""The reference example (Northshire 2018/19) as a minimal OpenFisca tax-benefit system of
its own, for the peer table and the batch peer of `run.py`. Optional: it needs
openfisca-core (`pip install -e '.[bench]'`); importing this module without it raises
ImportError, which `peers.load` reports as "not installed".

One entity, the provider; input variables for the same integer counts the other peers get
(`peers.Inputs`); one variable with a vectorised formula per goal, and national, local and
total, all for the year 2018. Two encodings:

- `system("pennies")`: money as OpenFisca's `int` value type, which is numpy int32 pennies.
  Exact here (the scheme's total is £3,000,000 = 300,000,000p), but int32 holds at most
  £21,474,836.47: a larger scheme would wrap around, because OpenFisca casts a formula's
  result to the variable's dtype without a check. The formulas compute in int64 and floor,
  as the other peers do; OpenFisca offers no int64 value type.
- `system("float")`: what an OpenFisca model usually is (its own country template keeps
  money and rates as `float`): percentages as fractions and money in pounds, both in
  OpenFisca's `float` value type, which is numpy float32. Pennies are the pounds rounded
  to the nearest penny. float32 has 24 bits of precision, so amounts of hundreds of
  thousands of pounds are only good to a few pennies: on the reference example FLU comes
  out as £319,999.91 instead of £320,000.00.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import YEAR
from openfisca_core.simulations import Simulation, SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PERIOD = "2018"
COUNTS = ("flu", "inpatient", "community_num", "community_den", "early", "aed")
EVIDENCE = ("plan", "courses")
GOALS = ("flu_earned", "cma_earned", "aed_earned", "rec_earned")
SUMS = ("national", "local", "total")

Provider = build_entity("provider", "providers", "An NHS provider paid under the scheme",
                        is_person=True)


def _variable(name: str, value_type: type, formula: Any = None) -> type[Variable]:
    """A yearly variable of the provider; with a formula, a computed one."""
    attributes: dict[str, Any] = {"value_type": value_type, "entity": Provider,
                                  "definition_period": YEAR, "label": name}
    if formula is not None:
        attributes["formula"] = formula  # OpenFisca reads it from the class
    return type(name, (Variable,), attributes)


def _pennies_formulas() -> dict[str, Any]:
    """Integer counts in, int64 arithmetic with a floor division, as the other peers."""
    def flu_earned(p: Any, period: Any) -> Any:
        line = np.clip(p("flu", period).astype(np.int64) - 6_000, 0, 1_500)
        return line * 120_000_000 // 3_000

    def cma_earned(p: Any, period: Any) -> Any:
        num = p("community_num", period).astype(np.int64)
        den = p("community_den", period).astype(np.int64)
        return ((p("inpatient", period) >= 9_000) * 36_000_000
                + (num * 4 >= den * 3) * 27_000_000
                + (p("early", period) >= 9_000) * 27_000_000)

    def aed_earned(p: Any, period: Any) -> Any:
        aed = p("aed", period)
        return (aed <= 200) * 37_500_000 + (aed <= 225) * 37_500_000

    def rec_earned(p: Any, period: Any) -> Any:
        return (p("plan", period) * 37_500_000 + p("courses", period) * 37_500_000)

    return {"flu_earned": flu_earned, "cma_earned": cma_earned, "aed_earned": aed_earned,
            "rec_earned": rec_earned}


def _float_formulas() -> dict[str, Any]:
    """Rates as fractions and money in pounds, OpenFisca's usual float model."""
    def flu_earned(p: Any, period: Any) -> Any:
        return 600_000 * np.clip((p("flu", period) - 0.60) / 0.15, 0, 1)

    def cma_earned(p: Any, period: Any) -> Any:
        community = p("community_num", period) / p("community_den", period)
        return 900_000 * (0.4 * (p("inpatient", period) >= 0.90) + 0.3 * (community >= 0.75)
                          + 0.3 * (p("early", period) >= 0.90))

    def aed_earned(p: Any, period: Any) -> Any:
        aed = p("aed", period)
        return 750_000 * np.where(aed <= 200, 1.0, np.where(aed <= 225, 0.5, 0.0))

    def rec_earned(p: Any, period: Any) -> Any:
        return 750_000 * (0.5 * p("plan", period) + 0.5 * p("courses", period))

    return {"flu_earned": flu_earned, "cma_earned": cma_earned, "aed_earned": aed_earned,
            "rec_earned": rec_earned}


def system(kind: str = "pennies") -> TaxBenefitSystem:
    """The scheme as a tax-benefit system: `kind` is "pennies" (int) or "float"."""
    money: type = int if kind == "pennies" else float
    formulas = _pennies_formulas() if kind == "pennies" else _float_formulas()
    found = TaxBenefitSystem([Provider])
    rates = {"flu", "inpatient", "early"}
    for name in COUNTS:
        found.add_variable(_variable(name, float if money is float and name in rates else int))
    for name in EVIDENCE:
        found.add_variable(_variable(name, bool))
    for name, formula in formulas.items():
        found.add_variable(_variable(name, money, formula))
    found.add_variable(_variable("national", money, lambda p, period: p("flu_earned", period)))
    found.add_variable(_variable("local", money, lambda p, period: (
        p("cma_earned", period) + p("aed_earned", period) + p("rec_earned", period))))
    found.add_variable(_variable("total", money, lambda p, period: (
        p("national", period) + p("local", period))))
    return found


def simulate(tax_benefit_system: TaxBenefitSystem, columns: dict[str, Any],
             kind: str = "pennies") -> Simulation:
    """A fresh simulation of as many providers as the columns are long. `columns` holds
    the integer counts (`COUNTS`, basis points for percentages) and booleans (`EVIDENCE`);
    the float model is given percentages as fractions."""
    size = len(columns["flu"])
    simulation = SimulationBuilder().build_default_simulation(tax_benefit_system, size)
    for name in (*COUNTS, *EVIDENCE):
        value = columns[name]
        if kind == "float" and name in ("flu", "inpatient", "early"):
            value = np.asarray(value) / 10_000
        simulation.set_input(name, PERIOD, value)
    return simulation


def pennies(simulation: Simulation, name: str, kind: str = "pennies") -> Any:
    """A money variable as int64 pennies (the float model's pounds rounded to a penny)."""
    value = simulation.calculate(name, PERIOD)
    if kind == "pennies":
        return value.astype(np.int64)
    return np.rint(value.astype(np.float64) * 100).astype(np.int64)


def one_decision(kind: str = "pennies") -> Any:
    """An evaluator for the peer table: one simulation of one provider per decision."""
    tax_benefit_system = system(kind)

    def evaluate(inputs: dict[str, Any]) -> list[int]:
        simulation = simulate(tax_benefit_system,
                              {name: [inputs[name]] for name in (*COUNTS, *EVIDENCE)}, kind)
        return [int(pennies(simulation, goal, kind)[0]) for goal in GOALS]

    return evaluate


def many(tax_benefit_system: TaxBenefitSystem, columns: dict[str, Any],
         kind: str = "pennies") -> tuple[Any, Any, Any, Any]:
    """What a batch caller asks for: each goal's pennies (rows: sets), national, local and
    total, from a fresh simulation (OpenFisca caches what it has calculated)."""
    simulation = simulate(tax_benefit_system, columns, kind)
    earned = np.stack([pennies(simulation, goal, kind) for goal in GOALS], axis=1)
    return earned, *(pennies(simulation, name, kind) for name in SUMS)
