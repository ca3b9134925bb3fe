"""Parse tree to model, narrowing what the grammar leaves loose.

The grammar accepts any word where a domain or period is named, and any digits where
money is written, so that the messages can be precise: this stage reports those
mistakes (E001 with a did-you-mean hint) and statements given twice (E104), collecting
every one as a diagnostic and always returning a model.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from difflib import get_close_matches
from fractions import Fraction
from types import MethodType
from typing import Any, TypeVar, cast

from attrs import frozen
from lark import Token, Transformer, Tree
from lark.tree import Meta

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from .model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    PERIOD_NAMES,
    REPORTING_FREQUENCIES,
    Achieved,
    Amount,
    Baseline,
    Combine,
    Comparison,
    Condition,
    DenominatorBelow,
    Evidence,
    Example,
    ExampleInput,
    ExpectMoney,
    ExpectStatus,
    FinancialYear,
    Fixed,
    FixedPay,
    FrameworkRef,
    Goal,
    Header,
    Indicator,
    Item,
    LinearPay,
    LiteralKind,
    Located,
    MeasuredValue,
    NumberValue,
    Part,
    Payout,
    PayRule,
    PercentValue,
    Period,
    Pounds,
    Quantity,
    Ratio,
    Reported,
    Row,
    Scheme,
    ShareOfContract,
    Status,
    Target,
    Threshold,
    Total,
    ValueIs,
)

__all__ = ["transform"]

T = TypeVar("T")


def transform(tree: Tree[Token]) -> tuple[Scheme, list[Diagnostic]]:
    """The model of a `rulebook` parse tree and the problems found in its words."""
    builder = ModelBuilder()
    with collection_paused():
        scheme = builder.transform(tree)
    assert isinstance(scheme, Scheme)
    return scheme, builder.diagnostics


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the model is built.

    Building the model allocates hundreds of thousands of objects that all live on, next
    to a parse tree as large, and each automatic collection of the oldest generation walks
    all of them: for a 10,000-indicator rulebook that was half the time of this stage. No
    cycles are made here, so nothing is left for the collector; it is switched back on
    (if it was on) as soon as the model is built. The switch is process-wide, so other
    threads' automatic collections wait for that time too.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---- small helpers -----------------------------------------------------------------


def meta_span(meta: Meta) -> Span:
    """The span of a tree node (Lark's meta), as the model keeps it."""
    if meta.empty:
        return Span(1, 1, 1, 1)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def token_span(token: Token) -> Span:
    """The span of one token."""
    line = token.line or 1
    column = token.column or 1
    return Span(line, column, token.end_line or line, token.end_column or column + 1)


def _join_spans(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


def unquote(token: Token) -> str:
    """A string literal's text, its `\\"` and `\\\\` escapes undone."""
    return re.sub(r'\\(["\\])', r"\1", str(token)[1:-1])


@frozen
class Statement:
    """One statement of a block, before the block is assembled.

    `key` is the model field it fills; two statements with one key are E104 (`national`
    and `local` share a key). `words` names the statement in messages.
    """

    key: str
    value: object
    span: Span
    words: str


@frozen
class _Path:
    names: tuple[str, ...]
    span: Span


_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_NUMBER = re.compile(rf"{_DIGITS}(?:\.{_DIGITS})?")
_MONEY_GROUPED = re.compile(r"£(?:[0-9]{1,3}(?:,[0-9]{3})+|" + _DIGITS + r")(?:\.[0-9]{2})?")
_MONEY_SCALED = re.compile(rf"£({_DIGITS}(?:\.{_DIGITS})?)([km])")
_SCALE = {"k": 1000, "m": 1_000_000}
_PERIOD_CHOICES = "`Q1`–`Q4`, `H1`, `H2`, `M1`–`M12` or `year`"


class ModelBuilder(Transformer[Token, Any]):
    """Builds model nodes bottom-up; every method gets the node's meta for its span.

    Framework files subclass it (frameworks.py), so they get the same messages.

    Each method takes `(meta, children)` and is called by `transform` below, not through
    Lark's `v_args(meta=True)`, whose wrapper is rebuilt (with `functools.update_wrapper`)
    at every call, a large share of this stage's own work. A subclass may still decorate
    its own methods with `v_args`.
    """

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.diagnostics: list[Diagnostic] = []
        #: Well-formed numbers already read, by text and divisor: a rulebook repeats few.
        self._numbers: dict[tuple[str, int], Fraction] = {}

    def transform(self, tree: Tree[Token]) -> Any:
        """The model of `tree`, children first (tokens are passed as they are)."""
        children = [
            self.transform(child) if isinstance(child, Tree) else child
            for child in tree.children
        ]
        try:
            method = getattr(self, tree.data)
        except AttributeError:
            return self.__default__(tree.data, children, tree.meta)  # type: ignore[no-untyped-call]
        if type(method) is MethodType:
            return method(tree.meta, children)
        return method.visit_wrapper(method, tree.data, children, tree.meta)

    # ---- reporting ------------------------------------------------------------

    def _error(self, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic("E001", message, span, hint))

    def _check_word(
        self, token: Token, allowed: Sequence[str], what: str, choices: str | None = None
    ) -> bool:
        """Whether `token` is one of `allowed`; if not, an E001 with a did-you-mean."""
        word = str(token)
        if word in allowed:
            return True
        close = [a for a in allowed if a.lower() == word.lower()]
        close = close or get_close_matches(word, list(allowed), n=1)
        hint = f"did you mean `{close[0]}`?" if close else None
        choices = choices or "one of " + ", ".join(f"`{a}`" for a in allowed)
        self._error(f"`{word}` is not {what}; use {choices}", token_span(token), hint)
        return False

    # ---- literals ---------------------------------------------------------------

    def _number(self, token: Token, suffix: str = "", per: int = 1) -> Fraction:
        """The exact value of a number written `1_000.5` (without its suffix), over `per`."""
        text = str(token).removesuffix(suffix)
        known = self._numbers.get((text, per))
        if known is not None:
            return known
        well_formed = _NUMBER.fullmatch(text) is not None
        if not well_formed:
            self._error(
                f"`{token}` is not a well-formed number",
                token_span(token),
                "an underscore may only stand between two digits, as in `1_000`",
            )
        value = Fraction(text.replace("_", "").rstrip(".") or "0")
        if per != 1:
            value /= per
        if well_formed:
            self._numbers[text, per] = value
        return value

    def _quantity(self, token: Token) -> Quantity:
        kind: LiteralKind
        if token.type == "PERCENT":
            kind, value = "percent", self._number(token, "%", 100)
        elif token.type == "PP":
            kind, value = "points", self._number(token, "pp", 100)
        else:
            kind, value = "number", self._number(token)
        return Quantity(value, kind, token_span(token))

    def _percent(self, token: Token) -> Fraction:
        return self._number(token, "%", 100)

    def _count(self, token: Token, what: str, low: int = 0, high: int | None = None) -> int:
        """A whole number such as a minimum denominator, checked against its range."""
        value = self._number(token)
        if value.denominator != 1:
            self._error(f"{what} must be a whole number, not `{token}`", token_span(token))
        whole = int(value)
        if whole < low or (high is not None and whole > high):
            limits = f"from {low} to {high}" if high is not None else f"at least {low}"
            self._error(f"{what} must be {limits}, not `{token}`", token_span(token))
        return whole

    def _money(self, token: Token) -> Fraction:
        """Pounds from `£1,234.56` or `£1.5m`, reporting any other way of writing them."""
        text = str(token)
        if _MONEY_GROUPED.fullmatch(text):
            return Fraction(text[1:].replace(",", "").replace("_", ""))
        scaled = _MONEY_SCALED.fullmatch(text)
        if scaled:
            amount = Fraction(scaled.group(1).replace("_", "")) * _SCALE[scaled.group(2)]
            if (amount * 100).denominator == 1:
                return amount
            hint = f"`{text}` is not a whole number of pence"
        else:
            hint = _money_hint(text)
        self._error(f"`{text}` is not an amount of money", token_span(token), hint)
        digits = re.sub(r"[^0-9.]", "", text)
        try:
            return Fraction(digits) * _SCALE.get(text[-1], 1)
        except ValueError:
            return Fraction(0)

    # ---- the rulebook and its header -------------------------------------------

    def rulebook(self, meta: Meta, children: list[Any]) -> Scheme:
        header = children[0]
        goals = tuple(c for c in children[1:] if isinstance(c, Goal))
        examples = tuple(c for c in children[1:] if isinstance(c, Example))
        return Scheme(header, goals, examples, meta_span(meta))

    def scheme(self, meta: Meta, children: list[Any]) -> Header:
        title = unquote(children[0])
        statements = [c for c in children[1:] if isinstance(c, Statement)]
        fields = self._assemble(statements, "the scheme header", repeatable={"commissioners"})
        commissioners = fields.pop("commissioners", ())
        return Header(
            title,
            commissioners=tuple(cast(list[Located[str]], commissioners)),
            span=meta_span(meta),
            **fields,
        )

    def _assemble(
        self, statements: list[Statement], owner: str, repeatable: set[str] | None = None
    ) -> dict[str, Any]:
        """Statements into model fields: the first of each kind is kept, a repeat is E104."""
        fields: dict[str, Any] = {}
        first: dict[str, Statement] = {}
        for statement in statements:
            if repeatable and statement.key in repeatable:
                fields.setdefault(statement.key, []).append(statement.value)
                continue
            if statement.key not in first:
                first[statement.key] = statement
                fields[statement.key] = statement.value
                continue
            earlier = first[statement.key]
            if earlier.words == statement.words:
                message = f"{statement.words} is given twice in {owner}"
            else:
                message = f"{statement.words} contradicts {earlier.words} in {owner}"
            self.diagnostics.append(
                Diagnostic(
                    "E104",
                    message,
                    statement.span,
                    f"keep one of them: the first, at line {earlier.span.line}, is used",
                )
            )
        return fields

    def _located(self, key: str, words: str, meta: Meta, value: T) -> Statement:
        span = meta_span(meta)
        return Statement(key, Located(value, span), span, words)

    def provider(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("provider", "`provider`", meta, unquote(children[0]))

    def commissioner(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("commissioners", "`commissioner`", meta, unquote(children[0]))

    def deemed_achieved(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located(
            "deemed_achieved", "`deemed achieved`", meta, unquote(children[0])
        )

    def goal_commissioner(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("commissioner", "`commissioner`", meta, unquote(children[0]))

    def year(self, meta: Meta, children: list[Token]) -> Statement:
        token = children[0]
        start, end = (int(part) for part in str(token).split("/"))
        if end != (start + 1) % 100:
            following = f"{start}/{(start + 1) % 100:02d}"
            self._error(
                f"`{token}` is not a financial year: the second part must follow the first",
                token_span(token),
                f"did you mean `{following}`?",
            )
        return self._located("year", "`year`", meta, FinancialYear(start, start + 1))

    def framework_ref(self, meta: Meta, children: list[Token]) -> Statement:
        token = children[0]
        span = meta_span(meta)
        if token.type == "STRING":
            reference = FrameworkRef(unquote(token), True, span)
        else:
            reference = FrameworkRef(str(token), False, span)
        return Statement("framework", reference, span, "`framework`")

    def contract_value(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("contract_value", "`contract value`", meta, self._money(children[0]))

    def outturn_value(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("outturn_value", "`outturn value`", meta, self._money(children[0]))

    def cquin_value(self, meta: Meta, children: list[Amount]) -> Statement:
        return self._located("cquin_value", "`cquin value`", meta, children[0])

    def national_value(self, meta: Meta, children: list[Amount]) -> Statement:
        return self._located("national_value", "`national value`", meta, children[0])

    def payment_on_account(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located(
            "payment_on_account", "`payment on account`", meta, self._percent(children[0])
        )

    def reconcile(self, meta: Meta, children: list[Token]) -> Statement:
        months = tuple(self._count(t, "a reconciliation month", 1, 12) for t in children)
        return self._located("reconcile_months", "`reconcile at months`", meta, months)

    def share_of_contract(self, meta: Meta, children: list[Token]) -> ShareOfContract:
        return ShareOfContract(self._percent(children[0]), meta_span(meta))

    def money(self, meta: Meta, children: list[Token]) -> Pounds:
        return Pounds(self._money(children[0]), meta_span(meta))

    # ---- goals, parts and periods ------------------------------------------------

    def goal(self, meta: Meta, children: list[Any]) -> Goal:
        code, title = str(children[0]), unquote(children[1])
        statements, items, periods = _split(children[2:])
        fields = self._assemble(statements, f"goal `{code}`")
        return Goal(code, title, items=items, periods=periods, span=meta_span(meta), **fields)

    def scope_national(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("scope", "`national`", meta, "national")

    def scope_local(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("scope", "`local`", meta, "local")

    def domains(self, meta: Meta, children: list[Token]) -> Statement:
        names = tuple(str(t) for t in children if self._check_word(t, DOMAINS, "a domain"))
        return self._located("domains", "`domain`", meta, names)

    def lead(self, meta: Meta, children: list[Token]) -> Statement:
        return Statement("lead", unquote(children[0]), meta_span(meta), "`lead`")

    def rationale(self, meta: Meta, children: list[Token]) -> Statement:
        return Statement("rationale", unquote(children[0]), meta_span(meta), "`rationale`")

    def negotiation_status(self, meta: Meta, children: list[Token]) -> Statement:
        token = children[0]
        known = self._check_word(token, NEGOTIATION_STATUSES, "a negotiation status")
        return Statement("status", str(token) if known else None, meta_span(meta), "`status`")

    def weight(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("weight", "`weight`", meta, self._percent(children[0]))

    def value(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("value", "`value`", meta, self._money(children[0]))

    def _combine(self, combine: Combine) -> Statement:
        return Statement("combine", combine, combine.span, "`combine`")

    def combine_weighted(self, meta: Meta, children: list[Token]) -> Statement:
        return self._combine(Combine("weighted", span=meta_span(meta)))

    def combine_minimum(self, meta: Meta, children: list[Token]) -> Statement:
        return self._combine(Combine("minimum", span=meta_span(meta)))

    def combine_all(self, meta: Meta, children: list[Token]) -> Statement:
        return self._combine(Combine("all", span=meta_span(meta)))

    def combine_at_least(self, meta: Meta, children: list[Token]) -> Statement:
        count = self._count(children[0], "the count after `combine at least`")
        return self._combine(Combine("at least", count, meta_span(meta)))

    def part(self, meta: Meta, children: list[Any]) -> Part:
        name = str(children[0])
        rest = children[1:]
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title, rest = unquote(rest[0]), rest[1:]
        statements, items, _ = _split(rest)
        fields = self._assemble(statements, f"part `{name}`")
        return Part(name, title, items=items, span=meta_span(meta), **fields)

    def period(self, meta: Meta, children: list[Any]) -> Period:
        name_token, share_token = children[0], children[1]
        self._check_word(name_token, PERIOD_NAMES, "a period", _PERIOD_CHOICES)
        share = Located(self._percent(share_token), token_span(share_token))
        statements, items, _ = _split(children[2:])
        fields = self._assemble(statements, f"period `{name_token}`")
        return Period(str(name_token), share, items=items, span=meta_span(meta), **fields)

    # ---- indicators -----------------------------------------------------------------

    def indicator(self, meta: Meta, children: list[Any]) -> Indicator:
        name = str(children[0])
        rest = children[1:]
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title, rest = unquote(rest[0]), rest[1:]
        statements = [c for c in rest if isinstance(c, Statement)]
        fields = self._assemble(statements, f"indicator `{name}`")
        return Indicator(name, title, span=meta_span(meta), **fields)

    def measure_percent(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("measure", "`measure percent`", meta, "percent")

    def measure_number(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("measure", "`measure number`", meta, "number")

    def measure_evidence(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("measure", "`measure evidence`", meta, "evidence")

    def higher_is_better(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("direction", "`higher is better`", meta, "higher")

    def lower_is_better(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("direction", "`lower is better`", meta, "lower")

    def gate(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("gate", "`gate`", meta, True)

    def baseline(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("baseline", "`baseline`", meta, self._quantity(children[0]))

    def minimum_denominator(self, meta: Meta, children: list[Token]) -> Statement:
        count = self._count(children[0], "a minimum denominator")
        return self._located("minimum_denominator", "`minimum denominator`", meta, count)

    def _text(self, key: str, meta: Meta, token: Token) -> Statement:
        return Statement(key, unquote(token), meta_span(meta), f"`{key}`")

    def source(self, meta: Meta, children: list[Token]) -> Statement:
        return self._text("source", meta, children[0])

    def definition(self, meta: Meta, children: list[Token]) -> Statement:
        return self._text("definition", meta, children[0])

    def exclusions(self, meta: Meta, children: list[Token]) -> Statement:
        return self._text("exclusions", meta, children[0])

    def reported(self, meta: Meta, children: list[Token]) -> Statement:
        token = children[0]
        known = self._check_word(token, REPORTING_FREQUENCIES, "a reporting frequency")
        return Statement("reported", str(token) if known else None, meta_span(meta), "`reported`")

    # ---- pay rules --------------------------------------------------------------------

    def _pay(self, form: str, rows: tuple[Row, ...], meta: Meta) -> Statement:
        rule = PayRule(cast(Any, form), rows, meta_span(meta))
        return Statement("pay", rule, rule.span, "`pay`")

    def pay_linear(self, meta: Meta, children: list[Threshold]) -> Statement:
        span = meta_span(meta)
        row = Row(LinearPay(children[0], children[1], span), None, span)
        return self._pay("linear", (row,), meta)

    def pay_when(self, meta: Meta, children: list[Any]) -> Statement:
        span = meta_span(meta)
        share = FixedPay(self._percent(children[0]), token_span(children[0]))
        rows = (Row(share, children[1], span), Row(FixedPay(Fraction(0), span), None, span))
        return self._pay("when", rows, meta)

    def pay_table(self, meta: Meta, children: list[Row]) -> Statement:
        return self._pay("table", tuple(children), meta)

    def row_when(self, meta: Meta, children: list[Any]) -> Row:
        return Row(children[0], children[1], meta_span(meta))

    def row_otherwise(self, meta: Meta, children: list[Payout]) -> Row:
        return Row(children[0], None, meta_span(meta))

    def payout_fixed(self, meta: Meta, children: list[Token]) -> FixedPay:
        return FixedPay(self._percent(children[0]), meta_span(meta))

    def payout_linear(self, meta: Meta, children: list[Threshold]) -> LinearPay:
        return LinearPay(children[0], children[1], meta_span(meta))

    def cond_value(self, meta: Meta, children: list[Any]) -> Condition:
        comparison = cast(Comparison, str(children[0]))
        return ValueIs(comparison, children[1], meta_span(meta))

    def cond_denominator(self, meta: Meta, children: list[Token]) -> Condition:
        limit = self._count(children[0], "the number in `denominator <`")
        return DenominatorBelow(limit, meta_span(meta))

    def cond_achieved(self, meta: Meta, children: list[Token]) -> Condition:
        return Achieved(False, meta_span(meta))

    def cond_not_achieved(self, meta: Meta, children: list[Token]) -> Condition:
        return Achieved(True, meta_span(meta))

    def cond_reported(self, meta: Meta, children: list[Token]) -> Condition:
        return Reported(meta_span(meta))

    def t_percent(self, meta: Meta, children: list[Token]) -> Threshold:
        return Fixed(self._quantity(children[0]), meta_span(meta))

    def t_number(self, meta: Meta, children: list[Token]) -> Threshold:
        return Fixed(self._quantity(children[0]), meta_span(meta))

    def t_baseline(self, meta: Meta, children: list[Token]) -> Threshold:
        return Baseline("", None, meta_span(meta))

    def t_plus(self, meta: Meta, children: list[Quantity]) -> Threshold:
        return Baseline("+", children[0], meta_span(meta))

    def t_minus(self, meta: Meta, children: list[Quantity]) -> Threshold:
        return Baseline("-", children[0], meta_span(meta))

    def t_times(self, meta: Meta, children: list[Token]) -> Threshold:
        return Baseline("*", self._quantity(children[0]), meta_span(meta))

    def d_points(self, meta: Meta, children: list[Token]) -> Quantity:
        return self._quantity(children[0])

    d_percent = d_points
    d_number = d_points

    # ---- examples ------------------------------------------------------------------

    def example(self, meta: Meta, children: list[Any]) -> Example:
        name = unquote(children[0])
        inputs = tuple(c for c in children[1:] if isinstance(c, ExampleInput))
        expectations = tuple(c for c in children[1:] if isinstance(c, ExpectMoney | ExpectStatus))
        return Example(name, inputs, expectations, meta_span(meta))

    def path(self, meta: Meta, children: list[Token]) -> _Path:
        return _Path(tuple(str(t) for t in children), meta_span(meta))

    def _target(self, path: _Path, period: Token | None) -> Target:
        span = path.span
        name = None
        if period is not None:
            span = _join_spans(span, token_span(period))
            if self._check_word(period, PERIOD_NAMES, "a period", _PERIOD_CHOICES):
                name = str(period)
        return Target(path.names[0], path.names[1:], name, span)

    def _target_of(self, children: list[Any]) -> Target:
        second = children[1]
        period = second if isinstance(second, Token) and second.type == "NAME" else None
        return self._target(children[0], period)

    def example_input(self, meta: Meta, children: list[Any]) -> ExampleInput:
        return ExampleInput(self._target_of(children), children[-1], meta_span(meta))

    def _expect_total(self, total: Total, meta: Meta, token: Token) -> ExpectMoney:
        return ExpectMoney(total, self._money(token), meta_span(meta))

    def expect_total(self, meta: Meta, children: list[Token]) -> ExpectMoney:
        return self._expect_total("total", meta, children[0])

    def expect_national(self, meta: Meta, children: list[Token]) -> ExpectMoney:
        return self._expect_total("national", meta, children[0])

    def expect_local(self, meta: Meta, children: list[Token]) -> ExpectMoney:
        return self._expect_total("local", meta, children[0])

    def expect_money(self, meta: Meta, children: list[Any]) -> ExpectMoney:
        target = self._target_of(children)
        return ExpectMoney(target, self._money(children[-1]), meta_span(meta))

    def expect_status(self, meta: Meta, children: list[Any]) -> ExpectStatus:
        return ExpectStatus(self._target_of(children), children[-1], meta_span(meta))

    def m_percent(self, meta: Meta, children: list[Token]) -> MeasuredValue:
        return PercentValue(self._percent(children[0]))

    def m_fraction(self, meta: Meta, children: list[Token]) -> MeasuredValue:
        token = children[0]
        numerator, denominator = (int(part) for part in str(token).split("/"))
        if denominator == 0:
            self._error(f"`{token}` has a zero denominator", token_span(token))
            return Ratio(numerator, 1)
        if numerator > denominator:
            self._error(f"`{token}` has a numerator above its denominator", token_span(token))
        return Ratio(numerator, denominator)

    def m_number(self, meta: Meta, children: list[Token]) -> MeasuredValue:
        return NumberValue(self._number(children[0]))

    def m_achieved(self, meta: Meta, children: list[Token]) -> MeasuredValue:
        return Evidence(True)

    def m_not_achieved(self, meta: Meta, children: list[Token]) -> MeasuredValue:
        return Evidence(False)

    def s_met(self, meta: Meta, children: list[Token]) -> Status:
        return "met"

    def s_partially_met(self, meta: Meta, children: list[Token]) -> Status:
        return "partially met"

    def s_not_met(self, meta: Meta, children: list[Token]) -> Status:
        return "not met"

    def s_not_reported(self, meta: Meta, children: list[Token]) -> Status:
        return "not reported"

    def s_deemed_met(self, meta: Meta, children: list[Token]) -> Status:
        return "deemed met"


def _split(
    children: list[Any],
) -> tuple[list[Statement], tuple[Item, ...], tuple[Period, ...]]:
    statements = [c for c in children if isinstance(c, Statement)]
    items = tuple(c for c in children if isinstance(c, Indicator | Part))
    periods = tuple(c for c in children if isinstance(c, Period))
    return statements, items, periods


def _money_hint(text: str) -> str:
    """Why `text` is not written as money, for the hint."""
    body = text[1:]
    if body[-1:] in _SCALE and "," in body:
        return "a `k` or `m` amount is written without commas, as in `£1.5m`"
    if "__" in body or "_," in body or ",_" in body or body.endswith("_") or "_." in body:
        return "an underscore may only stand between two digits, as in `£1_000`"
    whole, _, pence = body.partition(".")
    if "." in body and (len(pence) != 2 or not pence.isdigit()):
        return "write pence with exactly two digits, as in `£1,234.50`"
    if "," in whole:
        return "group digits in threes with commas (`£3,000,000`) or not at all (`£3000000`)"
    return "write money as `£1,234.56`, `£250k` or `£1.5m`"
