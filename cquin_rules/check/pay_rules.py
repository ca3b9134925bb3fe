"""Pay rules: does each indicator's rule fit its measure, and does it pay sensibly?

Two stages. First the rule's *shape* (rule_shape: E401, E402, E405–E408). Only a rule
whose shape is sound is then *analysed* over every possible measurement (rule_analysis:
E403, E404, E409): a rule with a shape error would draw knock-on findings that vanish
once the shape is fixed. This module puts the two together for one indicator.
"""

from __future__ import annotations

from fractions import Fraction

from ..base.diagnostics import Diagnostic
from ..semantics.money import percent_text
from ..semantics.rules import compile_rule
from ..syntax.model import (
    Indicator,
    Measure,
)
from .rule_analysis import Analyses, Analysis, analyse, pays_text, shape_key, where
from .rule_shape import check_shape, direction_of

ONE = Fraction(1)


def check_indicator(
    indicator: Indicator, label: str, analyses: Analyses | None = None
) -> list[Diagnostic]:
    """Every problem with one indicator's pay rule (E105, E401–E409). `analyses` keeps
    rule analyses for other indicators of the same rulebook (`check` passes one)."""
    return assess_indicator(indicator, label, analyses)[0]


def assess_indicator(
    indicator: Indicator, label: str, analyses: Analyses | None = None
) -> tuple[list[Diagnostic], Analysis | None]:
    """`check_indicator`'s findings, and the rule's analysis over every measurement (None
    when the rule has an error in its own terms or its direction, so was not analysed)."""
    found = check_shape(indicator, label)
    if any(d.severity == "error" for d in found) or indicator.pay is None:
        return found, None
    rule = compile_rule(indicator)
    if rule is None:
        return found, None
    direction, contradiction = direction_of(indicator, rule, label)
    if contradiction is not None:
        return [*found, contradiction], None
    measure = indicator.measure_kind
    if analyses is None:
        analysis = analyse(rule, measure, direction)
    else:
        key = shape_key(rule, measure, direction)
        known = analyses.get(key)
        if known is None:
            known = analyses[key] = analyse(rule, measure, direction)
        analysis = known
    for index, problem in sorted(analysis.perverse.items()):
        row = rule.rows[index]
        found.append(Diagnostic(
            "E403", f"a better result earns less under {label}: {where(problem.better, measure)}"
            f" it pays {pays_text(problem.better)}, but {where(problem.worse, measure)}, a worse "
            f"result, it pays {pays_text(problem.worse)}{problem.denominator}",
            row.span or indicator.pay.span,
            "rows are tried in order: put the strictest condition first, "
            "so paying more always needs a better result",
        ))
    for index, row in enumerate(rule.rows):
        if index in analysis.reached or row.is_otherwise or row.source is None:
            continue
        found.append(Diagnostic(
            "E404", f"this row of {label} can never apply: every measurement it covers is "
            "taken by an earlier row", row.span or indicator.pay.span,
            "rows are tried in order: put the stricter condition first",
        ))
    if analysis.best < ONE:
        found.append(Diagnostic(
            "E409", f"no measurement earns full payment under {label}: "
            f"{_most(analysis, measure)}", indicator.pay.span,
            "give some row 100% (and check that an earlier row does not shadow it)",
        ))
    return found, analysis


def share_text(share: Fraction) -> str:
    """A pay as an exact percent (`75%`, `62.5%`), or `about 66.6667%` when its decimal
    never ends: a number in a message is exact unless it says it is not."""
    for places in range(7):
        if (share * 100 * 10**places).denominator == 1:
            return percent_text(share, places)
    return f"about {percent_text(share, 4)}"


def _most(analysis: Analysis, measure: Measure) -> str:
    """The supremum of a rule's pay in words: the most it pays, or, when that is only
    approached (a line cut off by a row above it), what it comes close to and where."""
    ceiling = analysis.ceiling
    if ceiling is None or ceiling.pays <= analysis.best:
        return f"the most it pays is {share_text(analysis.best)}"
    return (f"it pays close to {share_text(ceiling.pays)} {where(ceiling, measure)}, but never "
            f"that much: the most any measurement earns is {share_text(analysis.best)}")
