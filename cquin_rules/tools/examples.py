"""Examples: tests written inside a rulebook (section 11), run by `cquin test`.

An example's inputs are measurements: they are checked exactly as rows of a
measurements file are (an unknown goal or indicator is E103, a value of the wrong
kind E604, ...), then evaluated, and every `expect` is compared with the result.
Money is compared to the penny and shown as `70000.00`; statuses as words. An
example whose inputs have errors is not evaluated: it fails with those diagnostics.
"""

from __future__ import annotations

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..engine.evaluate import evaluate
from ..engine.measurements import measurements_from_inputs
from ..engine.result import Result
from ..semantics.compile import CompiledScheme, compile_scheme
from ..semantics.money import money, pounds
from ..syntax.model import Example, Expectation, ExpectMoney, ExpectStatus, Scheme, Target


@frozen
class ExampleFailure:
    """An `expect` that did not hold: its line, what it expected and what was found."""

    example: str
    line: int
    expected: str
    actual: str
    expectation: str
    span: Span

    def as_row(self) -> list[object]:
        """`[example, line, expected, actual]`, as the conformance cases list failures."""
        return [self.example, self.line, self.expected, self.actual]


@frozen
class ExampleOutcome:
    name: str
    line: int
    failures: tuple[ExampleFailure, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    result: Result | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and not self.diagnostics


def run_examples(
    scheme: Scheme | CompiledScheme, path: str = "<text>"
) -> list[ExampleOutcome]:
    """Evaluate every example of the scheme and compare each of its expectations."""
    compiled = scheme if isinstance(scheme, CompiledScheme) else compile_scheme(scheme)
    return [run_example(compiled, example, path) for example in compiled.scheme.examples]


def run_example(compiled: CompiledScheme, example: Example, path: str = "<text>"
                ) -> ExampleOutcome:
    inputs = [
        (i.target.goal, i.target.path, i.target.period, i.measured, i.span)
        for i in example.inputs
    ]
    measurements, diagnostics = measurements_from_inputs(compiled, inputs, path)
    if measurements is None:
        return ExampleOutcome(example.name, example.span.line, diagnostics=tuple(diagnostics))
    result = evaluate(compiled, measurements)
    failures: list[ExampleFailure] = []
    problems: list[Diagnostic] = []
    for expectation in example.expectations:
        actual = _actual(expectation, result, compiled)
        if isinstance(actual, Diagnostic):
            problems.append(actual.at(path))
            continue
        expected = _expected(expectation)
        if actual != expected:
            failures.append(
                ExampleFailure(
                    example=example.name,
                    line=expectation.span.line,
                    expected=expected,
                    actual=actual,
                    expectation=_describe(expectation),
                    span=expectation.span,
                )
            )
    return ExampleOutcome(
        example.name, example.span.line, tuple(failures), tuple(problems), result
    )


def _expected(expectation: Expectation) -> str:
    if isinstance(expectation, ExpectMoney):
        return money(expectation.amount)
    return expectation.status


def _describe(expectation: Expectation) -> str:
    """The expect line in words: `expect A = £70,000.00`, `expect CMA status met`."""
    if isinstance(expectation, ExpectMoney):
        return f"expect {expectation.target} = {pounds(expectation.amount)}"
    return f"expect {expectation.target} status {expectation.status}"


def _actual(
    expectation: Expectation, result: Result, compiled: CompiledScheme
) -> str | Diagnostic:
    """What the result says about the expectation's target, or a diagnostic if it names
    nothing the result has."""
    target = expectation.target
    if isinstance(target, str):
        if target == "total":
            return money(result.earned)
        return money(result.earned_in(target))
    goal = result.goal(target.goal)
    if goal is None:
        return _unknown(f"unknown goal {target.goal}", expectation.span)
    if isinstance(expectation, ExpectMoney):
        if target.path or target.period:
            return _unknown(f"money is earned by a goal, not by {target}", expectation.span,
                            f"write expect {target.goal} = £...")
        return money(goal.earned)
    assert isinstance(expectation, ExpectStatus)
    if not target.path:
        if target.period is None:
            return goal.status
        status = goal.period_status(target.period)
        if status is None:
            return _unknown(f"{target.goal} has no period {target.period}", expectation.span)
        return status
    period = target.period or _only_period(compiled, target)
    indicator = goal.indicator(target.path, period or "year")
    if indicator is None:
        return _unknown(f"unknown indicator {target}", expectation.span,
                        "give the period the indicator is assessed in" if period is None
                        else None)
    return indicator.status


def _only_period(compiled: CompiledScheme, target: Target) -> str | None:
    """The period of an indicator named without one, when it is in exactly one period."""
    periods = [
        i.period for i in compiled.indicators() if i.goal == target.goal and i.path == target.path
    ]
    return periods[0] if len(periods) == 1 else None


def _unknown(message: str, span: Span, hint: str | None = None) -> Diagnostic:
    return Diagnostic("E103", message, span, hint)
