"""A pay rule read from the threshold and partial-achievement cells, by the real parser.

The rules cell holds the rule in the language's words (`linear from 60% to 75%`, or a
table's rows one a line or separated by `;`; a leading `pay` and braces optional). Its
text is parsed alone, inside a goal of one indicator, and must be exactly a pay rule:
nothing else can reach the rulebook from a cell. The rule is then written back by the
printer, so the built text holds only what the parser understood. A threshold without
rules is all or nothing, made into a rule and parsed the same way.
"""

from __future__ import annotations

from ...base.diagnostics import has_errors
from ...syntax import printer
from ...syntax.model import (
    Achieved,
    DenominatorBelow,
    Fixed,
    Indicator,
    LinearPay,
    PayRule,
    Threshold,
    ValueIs,
)
from ...syntax.parser import parse
from .cells import (
    ImportError_,
    Origin,
    _at,
    _bad,
    _decimal_text,
    _origin,
    _quantity,
    _Read,
    _Row,
)

RULE_HINT = ("write it in the language's words: `linear from 60% to 75%`, "
             "`100% when value >= 90%`, or rows such as `50% when value >= 80%` "
             "one a line, ending `0% otherwise`")
#: Comparisons a threshold cell may start with, as people type them and as the language does.
COMPARISONS = (("≥", ">="), ("≤", "<="), (">=", ">="), ("<=", "<="), (">", ">"), ("<", "<"))
#: The lines of the wrapper before the rule: a scheme, a goal and an indicator.
_WRAPPER = 'scheme "-" {}\ngoal G "-" {\n  indicator i {\n'


def _pay_text(row: _Row) -> tuple[list[str] | None, PayRule | None, Origin]:
    """The `pay` statement's lines (after the first, the table's rows) and the rule they
    say: from the rules cell, else an all-or-nothing rule at the payment threshold."""
    rules = row.get("rules")
    threshold = row.get("threshold")
    if rules is not None:
        rows = _rule_rows(str(rules.value))
        if not rows:
            return None, None, rules.origin
        if len(rows) == 1 and not rows[0].endswith("otherwise"):
            lines = [f"pay {rows[0]}"]
        else:
            lines = ["pay {", *rows, "}"]
        rule = _parsed(lines, rules, f"`{' '.join(rows)}` is not a pay rule", RULE_HINT)
        return _printed(rule), rule, rules.origin
    if threshold is None:
        return None, None, _origin(row, "rules")
    text = threshold.text
    lines = [_threshold_rule(row, threshold)]
    rule = _parsed(lines, threshold, f"`{text}` is not a threshold", None, relocate=False)
    return _printed(rule), rule, threshold.origin


def _rule_rows(text: str) -> list[str]:
    """The rules cell's rows: a leading `pay` and enclosing braces dropped, split at line
    breaks and `;` (the template's way of putting a table in a cell)."""
    text = text.strip()
    if text.startswith("pay") and text[3:4] in ("", " ", "\t", "\n", "{"):
        text = text[3:].strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return [" ".join(part.split()) for line in text.split("\n") for part in line.split(";")
            if part.strip()]


def _threshold_rule(row: _Row, threshold: _Read) -> str:
    """All or nothing at the threshold: `achieved`, `≥ 80%` as typed, or the number with
    the comparison that Better when gives (higher unless it says lower)."""
    text = threshold.text
    if text.lower() in ("achieved", "reported", "not achieved"):
        return f"pay 100% when {text.lower()}"
    if isinstance(threshold.value, str):
        for typed, comparison in COMPARISONS:
            if text.startswith(typed):
                return f"pay 100% when value {comparison} {text[len(typed):].strip()}"
    direction = row.get("direction")
    lower = direction is not None and direction.text.lower().startswith("lower")
    if isinstance(threshold.value, str) and _decimal_text(text.removesuffix("%")) is None:
        literal = text
    else:
        quantity = _quantity(threshold)
        if quantity.kind == "number" and direction is None:
            raise _bad(threshold, f"the payment threshold {text} is a plain number, but nothing "
                       "says whether higher or lower is better",
                       "fill in \"Better when\" (higher or lower), or write the rule in "
                       "\"Rules for partial achievement\" (`100% when value <= 200`)")
        literal = printer.quantity(quantity)
    return f"pay 100% when value {'<=' if lower else '>='} {literal}"


def _parsed(lines: list[str], cell: _Read, message: str, hint: str | None, *,
            relocate: bool = True) -> PayRule:
    """The rule `lines` say, parsed alone; a cell that says anything else (a syntax error,
    or more than a pay rule) raises ImportError_ at the cell, with the parser's words when
    `relocate` and the error is within the rule."""
    text = _WRAPPER + "".join(f"    {line}\n" for line in lines) + "  }\n}\n"
    scheme, found = parse(text)
    if scheme is None or has_errors(found):
        first = next(d for d in found if d.severity == "error")
        rule_line = first.span.line - _WRAPPER.count("\n")
        if relocate and 1 <= rule_line <= len(lines):
            in_cell = None if len(lines) == 1 else max(1, min(rule_line - 1, len(lines) - 2))
            origin = Origin(cell.origin.sheet, cell.origin.row, cell.origin.column,
                            cell.origin.title, in_cell)
            raise ImportError_(_at(first.code, origin, first.message, first.hint, ""))
        raise _bad(cell, message, hint)
    only = scheme.goals[0].items if len(scheme.goals) == 1 else ()
    indicator = only[0] if len(only) == 1 else None
    if not isinstance(indicator, Indicator) or indicator.pay is None or scheme.examples or \
            indicator != Indicator("i", None, pay=indicator.pay, span=indicator.span):
        raise _bad(cell, message, hint)
    return indicator.pay


def _printed(rule: PayRule) -> list[str]:
    return [line.strip() for line in printer.pay_rule(rule)]


def _inferred_measure(rule: PayRule | None) -> str | None:
    """What the rule itself shows: `achieved` is evidence; thresholds all plain numbers is
    a number measure. A percent measure is the language's default and is left unsaid."""
    if rule is None:
        return None
    thresholds: list[Threshold] = []
    for row in rule.rows:
        if isinstance(row.condition, Achieved):
            return "evidence"
        if isinstance(row.condition, DenominatorBelow):
            return None
        if isinstance(row.condition, ValueIs):
            thresholds.append(row.condition.threshold)
        if isinstance(row.payout, LinearPay):
            thresholds += [row.payout.start, row.payout.end]
    plain = [t for t in thresholds if isinstance(t, Fixed) and t.quantity.kind == "number"]
    return "number" if plain and len(plain) == len(thresholds) else None
