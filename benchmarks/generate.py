"""Inputs for the benchmarks, generated here so anyone can run them from a clean checkout.

- `reference_text()`: the spec's Northshire example (rulebooks/northshire-2018-19).
- `realistic_text()`: a 10-goal scheme using most of the language (national and local
  goals, linear pay, bands over a baseline, small denominators, parts, periods, gates,
  `combine minimum` and `at least`).
- `stress_text(goals)`: a rulebook of `goals` goals with five indicators each (2,000
  goals is 10,000 indicators), every rule form in turn; it checks clean.
- `columns(compiled, size, rng)`: random measurement columns for the batch evaluator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin"
DOMAINS = ("safety", "effectiveness", "experience", "innovation")


def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def reference_data() -> str:
    """The reference example's measurements (section 10 CSV)."""
    return (REFERENCE.parent / "data.csv").read_text(encoding="utf-8")


REALISTIC = '''# A realistic acute trust scheme: ten goals, most of the language.
scheme "Westmoor Hospitals CQUIN 2019/20" {
  provider "Westmoor Hospitals NHS Foundation Trust"
  commissioner "NHS Westmoor CCG"
  commissioner "NHS Eastdale CCG"
  year 2019/20
  contract value £250,000,000
  cquin value 1.25% of contract
  national value 1.25% of contract
}

goal FLU "Staff flu vaccinations" {
  national
  domain safety
  weight 10%
  indicator uptake { pay linear from 70% to 80% }
}

goal AMR "Antimicrobial resistance" {
  national
  domain safety, effectiveness
  weight 10%
  indicator uti "Lower urinary tract infections in older people" {
    weight 50%
    minimum denominator 20
    pay linear from 60% to 90%
  }
  indicator prophylaxis "Antibiotic prophylaxis in colorectal surgery" {
    weight 50%
    pay linear from 60% to 90%
  }
}

goal SEP "Sepsis: timely treatment" {
  national
  domain safety
  weight 10%
  indicator screening {
    weight 60%
    pay {
      100% when denominator < 30
      100% when value >= 90%
      50% when value >= 80%
      linear from 70% to 90% otherwise
    }
  }
  indicator antibiotics { weight 40%  pay 100% when value >= 90% }
}

goal ALC "Alcohol and tobacco screening" {
  national
  domain effectiveness
  weight 10%
  combine minimum
  indicator tobacco { pay linear from 40% to 80% }
  indicator alcohol { pay linear from 40% to 80% }
}

goal SDEC "Same day emergency care" {
  national
  domain experience
  weight 10%
  part pulmonary "Pulmonary embolism" {
    weight 34%
    combine all
    indicator seen { pay 100% when value >= 75% }
    indicator treated { pay 100% when value >= 75% }
  }
  part tachycardia { weight 33%  indicator managed { pay linear from 50% to 75% } }
  part pneumonia { weight 33%  indicator managed { pay linear from 50% to 75% } }
}

goal FALLS "Three high-impact actions to prevent falls" {
  national
  domain safety
  weight 10%
  indicator assessed { pay linear from 65% to 80% }
}

goal READM "Fewer emergency readmissions" {
  national
  domain effectiveness
  weight 10%
  indicator readmissions {
    measure number
    lower is better
    baseline 1200
    pay {
      100% when value <= baseline * 90%
      50% when value <= baseline * 95%
      0% otherwise
    }
  }
}

goal DIS "Discharge planning" {
  national
  domain experience
  weight 10%
  period Q1 25% { indicator plan { measure evidence  pay 100% when achieved } }
  period Q2 25% { indicator audit { pay linear from 50% to 70% } }
  period Q3 25% { indicator audit { pay linear from 60% to 80% } }
  period Q4 25% { indicator audit { pay linear from 70% to 90% } }
}

goal SURV "Staff survey" {
  national
  domain experience, innovation
  weight 10%
  combine at least 2
  indicator health { pay 100% when value >= baseline + 5pp  baseline 40% }
  indicator stress { lower is better  baseline 45%  pay 100% when value <= baseline - 5pp }
  indicator support { pay 100% when value >= baseline + 5pp  baseline 55% }
}

goal DIG "Digital outpatient letters" {
  national
  domain innovation
  weight 10%
  indicator ready { gate  measure evidence  pay 100% when achieved }
  indicator sent { pay linear from 50% to 95% }
}
'''


def realistic_text() -> str:
    return REALISTIC


def _indicator(goal: int, index: int) -> str:
    """Five rule forms in turn, with thresholds varying by goal."""
    shift = goal % 20
    form = (goal + index) % 5
    name = f"i{index}"
    if form == 0:
        return (f"  indicator {name} {{ weight 20%  "
                f"pay linear from {50 + shift}% to {70 + shift}% }}")
    if form == 1:
        return f"  indicator {name} {{ weight 20%  pay 100% when value >= {60 + shift}% }}"
    if form == 2:
        return (f"  indicator {name} {{\n    weight 20%\n    measure number\n    lower is better\n"
                f"    baseline {200 + goal}\n    pay {{\n      100% when value <= baseline * 80%\n"
                f"      50% when value <= baseline * 90%\n      0% otherwise\n    }}\n  }}")
    if form == 3:
        return (f"  indicator {name} {{ weight 20%  minimum denominator 20  "
                f"pay linear from {40 + shift}% to {75 + shift}% }}")
    return f"  indicator {name} {{ weight 20%  measure evidence  pay 100% when achieved }}"


def stress_text(goals: int) -> str:
    """A clean rulebook of `goals` goals of five indicators each, £1,000 a goal."""
    parts = [
        f'scheme "Stress test: {goals} goals" {{',
        '  provider "A very large provider"',
        "  year 2019/20",
        f"  cquin value £{goals * 1000:,}",
        "}",
        "",
    ]
    for goal in range(goals):
        parts.append(f'goal G{goal} "Goal number {goal}" {{')
        parts.append(f"  domain {DOMAINS[goal % 4]}")
        parts.append("  value £1,000")
        parts.extend(_indicator(goal, index) for index in range(5))
        parts.append("}")
        parts.append("")
    return "\n".join(parts)


def columns(compiled: Any, size: int, rng: np.random.Generator) -> dict[Any, Any]:
    """Random measurements for every indicator: basis points for percentages, whole
    numbers around the baseline for numbers, coin flips for evidence."""
    from cquin_rules.engine.batch import Scaled

    found: dict[Any, Any] = {}
    for indicator in compiled.indicators():
        if indicator.measure == "percent":
            found[indicator.key] = Scaled(rng.integers(0, 10_001, size), 10_000)
        elif indicator.measure == "number":
            found[indicator.key] = rng.integers(0, 2_000, size)
        else:
            found[indicator.key] = rng.random(size) < 0.5
    return found


REFERENCE_ESTIMATES = ("goal,indicator,period,expected,low,high,numerator,denominator,"
                       "expected_denominator,probability\n") + """FLU,uptake,,68%,62%,74%,,,,
CMA,inpatient,,,,,170,190,400,
CMA,community,,,,,140,200,420,
CMA,early,,88%,80%,95%,,,,
AED,attendances,,212,190,240,,,,
REC,plan,Q2,achieved,,,,,,
REC,courses,Q4,,,,,,,70%
"""


def reference_estimates() -> str:
    """An estimates file for the reference example: ranges, counts so far, a probability."""
    return REFERENCE_ESTIMATES
