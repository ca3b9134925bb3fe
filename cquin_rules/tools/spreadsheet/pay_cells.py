"""A pay rule read from the threshold and partial-achievement cells."""

from __future__ import annotations

import re

from ...syntax import printer
from .cells import (
    Origin,
    _bad,
    _origin,
    _quantity,
    _Row,
)

RULE_CHARACTERS = re.compile(r"[A-Za-z0-9_.%<>=*+\- ]*\Z")
CONDITION_PREFIX = re.compile(r"(>=|<=|>|<|≥|≤)\s*(.+)\Z")


def _pay_text(row: _Row) -> tuple[list[str] | None, Origin]:
    """The `pay` statement's lines: from the rules cell in the language's words, else an
    all-or-nothing rule at the payment threshold. Lines after the first are the table's."""
    rules = row.get("rules")
    threshold = row.get("threshold")
    if rules is not None:
        text = str(rules.value).strip()
        text = re.sub(r"\Apay\b", "", text).strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        lines = [" ".join(part.split()) for part in re.split(r"[;\n]", text) if part.strip()]
        for line in lines:
            if not RULE_CHARACTERS.match(line):
                raise _bad(rules, f"`{line}` is not a pay rule",
                           "write it in the language's words: `linear from 60% to 75%`, "
                           "`100% when value >= 90%`, or rows such as `50% when value >= 80%` "
                           "one a line, ending `0% otherwise`")
        if not lines:
            return None, rules.origin
        if len(lines) == 1 and not lines[0].endswith("otherwise"):
            return [f"pay {lines[0]}"], rules.origin
        return ["pay {", *lines, "}"], rules.origin
    if threshold is None:
        return None, _origin(row, "rules")
    text = threshold.text
    if text.lower() in ("achieved", "reported", "not achieved"):
        return [f"pay 100% when {text.lower()}"], threshold.origin
    match = CONDITION_PREFIX.match(text) if isinstance(threshold.value, str) else None
    if match is not None:
        comparison = {"≥": ">=", "≤": "<="}.get(match.group(1), match.group(1))
        operand = match.group(2)
        if not RULE_CHARACTERS.match(operand):
            raise _bad(threshold, f"`{text}` is not a threshold")
        return [f"pay 100% when value {comparison} {operand}"], threshold.origin
    direction = row.get("direction")
    lower = direction is not None and direction.text.lower().startswith("lower")
    if isinstance(threshold.value, str) and not re.fullmatch(r"[\d.,]+%?", text):
        if not RULE_CHARACTERS.match(text):
            raise _bad(threshold, f"`{text}` is not a threshold")
        literal = text
    else:
        quantity = _quantity(threshold)
        if quantity.kind == "number" and direction is None:
            raise _bad(threshold, f"the payment threshold {text} is a plain number, but nothing "
                       "says whether higher or lower is better",
                       "fill in \"Better when\" (higher or lower), or write the rule in "
                       "\"Rules for partial achievement\" (`100% when value <= 200`)")
        literal = printer.quantity(quantity)
    return [f"pay 100% when value {'<=' if lower else '>='} {literal}"], threshold.origin


def _inferred_measure(rule: list[str] | None) -> str | None:
    """What the rule itself shows: `achieved` is evidence; thresholds all plain numbers is
    a number measure. A percent measure is the language's default and is left unsaid."""
    if rule is None:
        return None
    text = " ".join(rule)
    if re.search(r"\bachieved\b", text):
        return "evidence"
    literals = re.findall(r"(?<![A-Za-z_])(\d[\d_]*(?:\.\d+)?)(%|pp)?", text)
    payouts = re.findall(r"(?:^|[{\s])(\d[\d_]*(?:\.\d+)?%)\s+(?:when|otherwise)", text)
    thresholds = [(n, unit) for n, unit in literals]
    plain = [n for n, unit in thresholds if not unit]
    percents = [n for n, unit in thresholds if unit == "%"]
    if plain and len(percents) <= len(payouts) and not re.search(r"\bdenominator\b", text):
        return "number"
    return None
