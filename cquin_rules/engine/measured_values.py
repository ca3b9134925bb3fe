"""One measured value read and checked for an indicator's measure (section 10): a
percentage, a fraction, a number or evidence, exactly, or BadInput saying why not. Shared
by every reader of indicator data (files, mappings, batch columns, forecast estimates)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from ..semantics.money import as_written, percent_as_written
from ..syntax.model import (
    Evidence,
    Measure,
    MeasuredValue,
    NumberValue,
    PercentValue,
    Ratio,
)
from ..syntax.parser import character_name
from .csv_dialect import comma_problem

EVIDENCE_WORDS = {"achieved": True, "yes": True, "not achieved": False, "no": False}
PERCENT_HINT = (
    "write 68% or 136/200: ambiguity about percentages is how contract disputes start"
)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
#: The plain spellings `fast_value` reads: `68%`, `68.25%`, `140/200`, `212`, `2.5`.
_PLAIN = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,18}))?(%?)|([0-9]{1,18})/([0-9]{1,18})")
_EVIDENCE = {"achieved": Evidence(True), "yes": Evidence(True),
             "not achieved": Evidence(False), "no": Evidence(False)}


class BadInput(Exception):
    """A bad row or value: raised while reading one (here, and by the batch columns and
    forecast estimates readers, which share the checks) and turned into one diagnostic."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint



# ---- values ---------------------------------------------------------------------------


def measured_value(raw: object, measure: Measure, name: str) -> MeasuredValue:
    """Read one value for an indicator with `measure`, or raise BadInput saying
    why not."""
    if isinstance(raw, (PercentValue, Ratio, NumberValue, Evidence)):
        return _checked(raw, measure, name)
    if isinstance(raw, bool):
        return _checked(Evidence(raw), measure, name)
    if isinstance(raw, (int, Decimal, Fraction)):
        return _number(Fraction(raw), str(raw), measure, name)
    if not isinstance(raw, str):
        raise BadInput("E603", f"{raw!r} is not a measurement for {name}")
    text = raw.strip()
    if text.startswith(("=", "@")):
        raise BadInput("E603", f"{text!r} is a spreadsheet formula, not a value",
                       "export the computed values (paste as values), not the formulas")
    _ascii_digits_only(text, name)
    words = " ".join(text.lower().split())
    if words in EVIDENCE_WORDS:
        return _checked(Evidence(EVIDENCE_WORDS[words]), measure, name)
    if (comma := comma_problem(text)) is not None:
        raise BadInput("E603", f"{comma[0]} ({name})", comma[1])
    if text.endswith("%"):
        number = _decimal(text[:-1].strip())
        if number is None:
            raise BadInput("E603", f"cannot read {text!r} as a percentage", PERCENT_HINT)
        percent = Fraction(number) / 100
        if percent < 0 or percent > 1:
            raise BadInput("E605", f"{text} for {name} is outside 0%-100%")
        return _checked(PercentValue(percent), measure, name)
    if "/" in text:
        top, _, bottom = text.partition("/")
        return ratio_value(whole_count(top, "numerator", name),
                           whole_count(bottom, "denominator", name), measure, name)
    number = _decimal(text)
    if number is None:
        raise BadInput("E603", f"cannot read {text!r} as a measurement for {name}",
                       _kind_hint(measure))
    return _number(Fraction(number), text, measure, name)


def fast_value(raw: str, measure: Measure, most_digits: int) -> MeasuredValue | None:
    """`raw` read as `measured_value` reads it, for the plain spellings that need no
    check beyond one comparison (`68%`, `140/200`, `212`, `achieved`); None for anything
    else, which `measured_value` then reads, and explains if it is wrong. Nothing longer
    than `most_digits` characters is read here, so the digit limit is always weighed."""
    if len(raw) > most_digits:
        return None
    if measure == "evidence":
        return _EVIDENCE.get(raw)
    match = _PLAIN.fullmatch(raw)
    if match is None:
        return None
    whole, decimals, percent, top, bottom = match.groups()
    if top is not None:
        numerator, denominator = int(top), int(bottom)
        if measure != "percent" or denominator <= 0 or numerator > denominator:
            return None
        return Ratio(numerator, denominator)
    value = Fraction(int(whole + (decimals or "")), 10 ** len(decimals or ""))
    if percent:
        value /= 100
        return PercentValue(value) if measure == "percent" and value <= 1 else None
    return NumberValue(value) if measure == "number" else None


def _number(number: Fraction, text: str, measure: Measure, name: str) -> MeasuredValue:
    if measure == "percent":
        raise BadInput("E603", f"a bare number {text} for the percentage {name}: is it "
                       f"{text}% or {percent_as_written(number)}?", PERCENT_HINT)
    if measure == "evidence":
        raise BadInput("E604", f"{name} is evidence, not a number", _kind_hint(measure))
    if number < 0:
        raise BadInput("E605", f"a negative number {text} for {name}",
                       "counts and other numbers are never below 0")
    return NumberValue(number)


def _checked(measured: MeasuredValue, measure: Measure, name: str) -> MeasuredValue:
    """A value already read: check it fits the measure and is in range."""
    if isinstance(measured, Evidence):
        if measure != "evidence":
            word = "achieved" if measured.achieved else "not achieved"
            raise BadInput("E604", f"{name} is measured as a {measure}, not {word!r}",
                           _kind_hint(measure))
        return measured
    if isinstance(measured, Ratio):
        return ratio_value(measured.numerator, measured.denominator, measure, name)
    if isinstance(measured, PercentValue):
        if measure != "percent":
            raise BadInput("E604", f"{name} is measured as {_kind(measure)}, not a "
                           f"percentage", _kind_hint(measure))
        if measured.value < 0 or measured.value > 1:
            raise BadInput("E605", f"{percent_as_written(measured.value)} for {name} is outside "
                           f"0%-100%")
        return measured
    return _number(measured.value, as_written(measured.value), measure, name)


def ratio_value(numerator: int, denominator: int, measure: Measure, name: str) -> Ratio:
    if measure != "percent":
        raise BadInput("E604", f"{name} is measured as {_kind(measure)}, not a fraction",
                       _kind_hint(measure))
    if numerator < 0 or denominator < 0:
        raise BadInput("E605", f"a negative count in {numerator}/{denominator} for {name}")
    if denominator == 0:
        raise BadInput("E606", f"a zero denominator for {name}",
                       "a percentage of nobody is not a measurement: leave the row out")
    if numerator > denominator:
        raise BadInput("E606", f"the numerator {numerator} is above the denominator "
                       f"{denominator} for {name}", "check the two counts are not swapped")
    return Ratio(numerator, denominator)


def whole_count(raw: object, which: str, name: str) -> int:
    """A numerator or denominator (`which`) as a whole number, or BadInput."""
    if isinstance(raw, bool):
        raise BadInput("E603", f"the {which} for {name} must be a whole number")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if text.startswith(("=", "@")):
        raise BadInput("E603", f"{text!r} is a spreadsheet formula, not a {which}",
                       "export the computed values (paste as values), not the formulas")
    _ascii_digits_only(text, name)
    if isinstance(raw, str) and (comma := comma_problem(text)) is not None:
        raise BadInput("E603", f"{comma[0]} (the {which} for {name})", comma[1])
    number = _decimal(text) if isinstance(raw, str) else (
        raw if isinstance(raw, Decimal) else None)
    if number is None or number != number.to_integral_value():
        raise BadInput("E603", f"the {which} {text!r} for {name} is not a whole number",
                       "numerators and denominators are counts of people or events")
    return int(number)


def _ascii_digits_only(text: str, name: str) -> None:
    """BadInput for a digit other than 0-9: Bengali `৪` (four) looks like 8, and Python
    would read it as a digit (spec §10)."""
    if text.isascii():
        return
    for char in text:
        if char.isdigit() and not "0" <= char <= "9":
            raise BadInput("E603", f"{text!r} for {name} holds {character_name(char)}, "
                           "which is not one of the digits 0-9",
                           "measurements are written with the digits 0-9 only; retype the "
                           "number")


def _decimal(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _kind(measure: Measure) -> str:
    return {"percent": "a percentage", "number": "a number", "evidence": "evidence"}[measure]


def _kind_hint(measure: Measure) -> str:
    if measure == "percent":
        return PERCENT_HINT
    if measure == "number":
        return "write a plain number such as 212"
    return "write achieved or not achieved (or yes / no)"



