"""`cquin targets` for people: what it would take, and what is at risk, in text or markdown.

The figures come from `targets.Targets` (its `to_dict()` is the JSON); this module only
words them: a target in the measure's own units (`150/200 (75%)`, `75% or more`,
`200 or less`, `achieved`), the change from now (`10 more of the 200`, `+3.8 percentage
points`, `12 fewer`) and the money the step adds.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..semantics.as_of import month_words
from ..semantics.money import as_written, decimal_places, money, pounds, round_half_up
from ..semantics.wording import COMPARISON_WORDS
from ..syntax.model import Evidence, Ratio
from .targets import IndicatorTarget, Risk, Step, Targets, measured_text

PLACES = 2
"""Decimal places of a target that has no finite decimal (rounded towards better, so the
value shown still reaches the step)."""


def shown(value: Fraction, measure: str, up: bool) -> str:
    """A target value as written: exact when it has a finite decimal, else rounded to
    two places in the better direction (`66.67%` for a target of 2/3 when higher)."""
    scale = 100 if measure == "percent" else 1
    scaled = value * scale
    if (scaled * 10**6).denominator != 1:
        unit = Fraction(1, 10**PLACES)
        bound = (scaled / unit).__ceil__() if up else (scaled / unit).__floor__()
        scaled = bound * unit
    text = as_written(scaled)
    return f"{text}%" if measure == "percent" else text


def target_words(step: Step, measure: str) -> str:
    """`150/200 (75%)`, `75% or more`, `above 90%`, `200 or less`, `achieved`."""
    if step.kind == "report":
        return "any value reported"
    if step.kind == "achieved":
        return "achieved"
    higher = step.direction == "higher"
    if step.kind == "count":
        return f"{step.numerator}/{step.denominator} ({attainment_words(step.value)})"
    comparison = (">" if higher else "<") if step.strict else (">=" if higher else "<=")
    return COMPARISON_WORDS[comparison].format(shown(step.value, measure, higher))


def change_words(target: IndicatorTarget, step: Step) -> str:
    """How far from now: `10 more of the 200`, `+3.8 percentage points`, `12 fewer`."""
    current = target.current
    if current is None:
        return "not reported yet"
    if step.kind in ("achieved", "report"):
        return ""
    higher = step.direction == "higher"
    if isinstance(current, Evidence):
        return ""
    if step.kind == "count" and isinstance(current, Ratio) and step.numerator is not None:
        more = abs(step.numerator - current.numerator)
        return f"{more} {'more' if higher else 'fewer'} of the {current.denominator}"
    gap = abs(step.value - current.value)
    beyond = "more than " if step.strict else ""
    if target.measure == "percent":
        points = shown(gap * 100, "number", higher)
        return f"{beyond}{'+' if higher else '-'}{points} percentage points"
    return f"{beyond}{shown(gap, 'number', higher)} {'more' if higher else 'fewer'}"


def attainment_words(share: Fraction) -> str:
    """An attainment as a percent, to at most two places (`62%`, `66.67%`)."""
    text = decimal_places(share * 100, PLACES).rstrip("0").rstrip(".")
    return f"{text}%"


def adds_words(step: Step) -> str:
    if step.adds == 0:
        return "adds nothing on its own"
    return f"adds {pounds(step.adds)}"


def step_line(target: IndicatorTarget, step: Step) -> str:
    """`100% at 75% or more (+3.8 percentage points): adds £48,200.34`."""
    change = change_words(target, step)
    words = target_words(step, target.measure)
    if step.kind == "report":
        words = "when any value is reported"
    elif step.kind == "achieved":
        words = "when achieved"
    elif not step.strict:
        words = f"at {words}"
    where = words + (f" ({change})" if change else "")
    return f"{attainment_words(step.attainment)} {where}: {adds_words(step)}"


def rate_words(target: IndicatorTarget) -> str | None:
    if target.rate is None:
        return None
    per: str = target.rate.per
    if per == "unit":
        per = "one more" if target.direction == "higher" else "one fewer"
    higher = target.direction == "higher"
    span = (f"from {shown(target.rate.start, target.measure, higher)} to "
            f"{shown(target.rate.end, target.measure, higher)}")
    return f"{pounds(round_half_up(target.rate.amount))} per {per} along the line {span}"


def now_words(target: IndicatorTarget) -> str:
    if target.current is None:
        return f"not reported ({target.status})"
    return (f"now {measured_text(target.current)} ({target.status}, attainment "
            f"{attainment_words(target.attainment)})")


def heading(target: IndicatorTarget) -> str:
    title = f' "{target.title}"' if target.title else ""
    lead = f" — lead: {target.lead}" if target.lead else ""
    return f"{target.goal}.{target.name}{title}{lead}"


def indicator_lines(target: IndicatorTarget, indent: str = "  ") -> list[str]:
    """An indicator's target in a few lines: where it stands, each step, the line's rate."""
    lines = [f"{indent}{heading(target)}", f"{indent}  {now_words(target)}"]
    if not target.steps:
        lines.append(f"{indent}  no measurement pays more")
    lines += [f"{indent}  {step_line(target, step)}" for step in target.steps]
    rate = rate_words(target)
    if rate:
        lines.append(f"{indent}  {rate}")
    return lines


def _intro(targets: Targets) -> list[str]:
    lines = [f"What it would take: {targets.scheme}"]
    if targets.as_of is not None:
        sources = f", from {', '.join(targets.data_files)}" if targets.data_files else ""
        lines.append(f"As of {month_words(targets.as_of)}{sources}: earned to date "
                     f"{pounds(targets.earned_to_date)} of {pounds(targets.available_to_date)} "
                     f"due; year end on this data {pounds(targets.earned)} of "
                     f"{pounds(targets.available)}.")
    else:
        lines.append(f"Earned {pounds(targets.earned)} of {pounds(targets.available)}.")
    lines.append("Each step: the attainment, the value that reaches it, and the money it adds "
                 "to the year end (the rest unchanged).")
    return lines


def to_text(targets: Targets) -> str:
    """Every indicator not fully met, due ones first, with its steps."""
    lines = _intro(targets)
    if targets.deemed is not None:
        lines += ["", f'Deemed achieved ("{targets.deemed}"): every goal pays in full.']
        return "\n".join(lines) + "\n"
    if not targets.indicators:
        lines += ["", "Every indicator is fully met."]
    if targets.as_of is None:
        lines.append("")
        for target in targets.indicators:
            lines += indicator_lines(target)
        return "\n".join(lines) + "\n"
    groups = ((f"Due by {month_words(targets.as_of)}", [t for t in targets.indicators if t.due]),
              ("Not yet due", [t for t in targets.indicators if not t.due]))
    for title, group in groups:
        if group:
            lines += ["", title]
            for target in group:
                lines += indicator_lines(target)
    return "\n".join(lines) + "\n"


def risk_lines(risk: Risk, as_of: int | None) -> list[str]:
    lead = f" — lead: {risk.lead}" if risk.lead else " — no lead named"
    lines = [f'{risk.goal} "{risk.title}"{lead}']
    if "below full payment" in risk.reasons:
        so_far = " due so far" if as_of is not None else ""
        lines.append(f"  at risk {pounds(risk.at_risk)}: earned {pounds(risk.earned)} of "
                     f"{pounds(risk.available)}{so_far} ({risk.status})")
    if risk.forecast_p50 is not None and risk.forecast_available is not None:
        lines.append(f"  forecast P50 {pounds(risk.forecast_p50)} of "
                     f"{pounds(risk.forecast_available)} for the year")
    for target in risk.indicators:
        step = target.full or target.next
        where = "" if step is None else ": " + step_line(target, step)
        lines.append(f"  {target.name} {now_words(target)}{where}")
    return lines


def _when(targets: Targets) -> str:
    return f"as of {month_words(targets.as_of)}" if targets.as_of is not None else "at the year end"


def _not_earned(targets: Targets) -> str:
    """`£152,211.60 of £361,502.55 due so far is not earned.` (for the year without a month)."""
    if targets.as_of is not None:
        return (f"{pounds(targets.available_to_date - targets.earned_to_date)} of "
                f"{pounds(targets.available_to_date)} due so far is not earned.")
    return (f"{pounds(targets.available - targets.earned)} of {pounds(targets.available)} "
            "is not earned.")


def risk_section(targets: Targets) -> dict[str, Any]:
    """The goals at risk in words, for a results report's "At risk" section (the board
    paper): each goal with its lead, the money at risk and what it would take. Plain
    strings, so the report draws them as they are and computes nothing."""
    goals = []
    for risk in targets.risks:
        lines = risk_lines(risk, targets.as_of)
        goals.append({
            "goal": risk.goal, "title": risk.title, "lead": risk.lead,
            "at_risk": money(risk.at_risk), "earned": money(risk.earned),
            "available": money(risk.available), "status": risk.status,
            "lines": [line.strip() for line in lines[1:]],
        })
    return {"when": _when(targets), "summary": _not_earned(targets),
            "forecast": targets.forecast or None, "goals": goals}


def risks_text(targets: Targets) -> str:
    """The goals at risk, each with its lead, the money at risk and its targets."""
    lines = [f"At risk {_when(targets)}: {targets.scheme}", _not_earned(targets)]
    if targets.forecast:
        lines.append(f"Forecast: {targets.forecast}.")
    if not targets.risks:
        lines += ["", "Nothing is at risk."]
    for risk in targets.risks:
        lines += ["", *risk_lines(risk, targets.as_of)]
    return "\n".join(lines) + "\n"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _table(heads: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def to_markdown(targets: Targets) -> str:
    """The targets as a markdown table, one row per step."""
    lines = [f"## {_cell(_intro(targets)[0])}", "", *(_intro(targets)[1:]), ""]
    if targets.deemed is not None:
        return "\n".join([*lines, f'Deemed achieved ("{targets.deemed}"): every goal pays '
                          "in full.", ""])
    rows = []
    for target in targets.indicators:
        for step in target.steps:
            rows.append((target.goal, target.name, target.lead or "",
                         "yes" if target.due else "not yet",
                         measured_text(target.current) if target.current else "—",
                         attainment_words(step.attainment),
                         target_words(step, target.measure), change_words(target, step),
                         pounds(step.adds),
                         (rate_words(target) or "").replace(" along the line", "")))
    lines += _table(("Goal", "Indicator", "Lead", "Due", "Now", "Step", "Target", "Change",
                     "Adds", "Along the line"), rows)
    return "\n".join(lines) + "\n"


def risks_markdown(targets: Targets) -> str:
    """The goals at risk as a markdown table, one row per indicator (or goal)."""
    text = risks_text(targets).split("\n")
    lines = [f"## {_cell(text[0])}", "", text[1], ""]
    rows = []
    for risk in targets.risks:
        forecast = ("" if risk.forecast_p50 is None else pounds(risk.forecast_p50))
        first = (risk.goal, risk.lead or "", pounds(risk.at_risk), forecast)
        if not risk.indicators:
            rows.append((*first, "", "", ""))
        for target in risk.indicators:
            step = target.full or target.next
            rows.append((*first, target.name,
                         "" if step is None else target_words(step, target.measure),
                         "" if step is None else pounds(step.adds)))
    lines += _table(("Goal", "Lead", "At risk", "Forecast P50", "Indicator", "Target",
                     "Adds"), rows)
    return "\n".join(lines) + "\n"


def explain_lines(targets: Targets) -> list[str]:
    """The section `cquin explain` ends with: what it would take, indicator by indicator."""
    if not targets.indicators:
        return []
    lines = ["", "what it would take (each step: the attainment, the value that reaches it, "
             "the money it adds to the year end):"]
    for target in targets.indicators:
        lines += indicator_lines(target)
    return lines


def render(targets: Targets, output_format: str, at_risk: bool = False) -> str:
    """`text`, `markdown` or `json`; `at_risk` renders the risks rather than the targets
    (the JSON always holds both)."""
    if output_format == "json":
        return targets.to_json() + "\n"
    if output_format == "markdown":
        return risks_markdown(targets) if at_risk else to_markdown(targets)
    return risks_text(targets) if at_risk else to_text(targets)
