"""The exact values `earned_code`'s functions take, and the errors that say what is wrong
with them: the generated code makes its own quick checks and calls these only when one
fails, so each message is worded here once (and the `evaluate` fallback reads its values
here). The types taken are listed in `earned_code`'s docstring."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import NoReturn, cast

from ..base.diagnostics import CquinError, Diagnostic
from ..base.span import Span
from ..semantics.compile import CompiledScheme, key_name
from ..syntax.model import Evidence, Measure, MeasuredValue, PercentValue
from .measured_values import BadInput, measured_value, ratio_value
from .measurements import did_you_mean

PATH = "<values>"


def _error(code: str, message: str, position: int, hint: str | None = None) -> CquinError:
    return CquinError([Diagnostic(code, message, Span(position, 0, position, 0), hint, PATH)])


class ExactValues:
    """The scheme's indicators by the names values are given under, and the errors that
    name what is wrong with the values (the generated code calls these when its own
    checks fail, so the messages live in one place)."""

    def __init__(self, compiled: CompiledScheme) -> None:
        self.names = {i.key: key_name(i.key) for i in compiled.indicators()}
        self.measures = {key_name(i.key): i.measure for i in compiled.indicators()}

    def missing(self, values: Mapping[str, object]) -> NoReturn:
        raise CquinError([Diagnostic(
            "E610", f"no value for {name}", Span(1, 0, 1, 0),
            "give every indicator a value; None if it is not reported (it pays 0)", PATH)
            for name in self.names.values() if name not in values])

    def unknown(self, values: Mapping[str, object]) -> NoReturn:
        raise CquinError([Diagnostic(
            "E103", f"no indicator named {key!r} in the scheme", Span(at, 0, at, 0),
            did_you_mean(str(key), self.measures) or "name it as messages do: "
            "GOAL.indicator, then its period if it has one", PATH)
            for at, key in enumerate(values, start=1) if key not in self.measures]
            or [_diagnostic("E602", "the values do not match the scheme's indicators")])

    def refuse(self, values: Mapping[str, object], name: str, value: object) -> NoReturn:
        """Why `value` is no value for `name`."""
        self.measured(values, name, value)
        raise _error("E603", f"{value!r} is not a value for {name}", _position(values, name))

    def measured(self, values: Mapping[str, object], name: str, value: object
                 ) -> MeasuredValue:
        """The model value for one input, or CquinError: the generated code's checks."""
        try:
            return _read(value, self.measures[name], name)
        except BadInput as problem:
            raise _error(problem.code, problem.message, _position(values, name),
                         problem.hint) from None


def _diagnostic(code: str, message: str) -> Diagnostic:
    return Diagnostic(code, message, Span(1, 0, 1, 0), None, PATH)


def _position(values: Mapping[str, object], name: str) -> int:
    return next((at for at, key in enumerate(values, start=1) if key == name), 1)


def _read(value: object, measure: Measure, name: str) -> MeasuredValue:
    """Only the exact types the module docstring lists; BadInput otherwise."""
    hint = ("give a Fraction or int (a percent as its fraction of 1), a (numerator, "
            "denominator) tuple of ints, True/False for evidence, or None for not reported")
    if measure == "evidence":
        if type(value) is not bool:
            raise BadInput("E604", f"{value!r} for {name}: evidence is True or False", hint)
        return Evidence(value)
    if type(value) is tuple:
        if len(value) != 2 or any(type(v) is not int for v in value):
            raise BadInput("E603", f"{value!r} for {name} is not two whole numbers", hint)
        return ratio_value(value[0], value[1], measure, name)
    if type(value) not in (int, Fraction):
        raise BadInput("E603" if type(value) is not bool else "E604",
                       f"{value!r} ({type(value).__name__}) is not an exact value for {name}",
                       hint)
    number = Fraction(cast("int | Fraction", value))
    if measure == "percent":
        return measured_value(PercentValue(number), measure, name)
    return measured_value(number, measure, name)
