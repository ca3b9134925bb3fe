"""Parse tree to model, narrowing what the grammar leaves loose.

The grammar accepts any word where a domain or period is named, and any digits where
money is written, so that the messages can be precise: this stage reports those
mistakes (E001 with a did-you-mean hint) and statements given twice (E104), collecting
every one as a diagnostic and always returning a model.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, TypeVar, cast

from lark import Token, Tree
from lark.tree import Meta

from ..base.diagnostics import Diagnostic
from .literals import (
    PERIOD_CHOICES,
    LiteralReader,
    Statement,
    TargetPath,
    join_spans,
    meta_span,
    token_span,
    unquote,
)
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

__all__ = ["ModelBuilder", "transform"]

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

    Switched back on, the collector would still walk every one of those objects in its
    next young collection and again in the one after, only to find them alive and move
    them to its oldest generation. They are moved there at once instead (`gc.freeze`
    then `gc.unfreeze`, which move objects between generations and walk none): at 10,000
    goals those walks were a tenth of parsing and the reason it grew faster than the
    text. Nothing is lost: garbage made meanwhile is collected by the next full
    collection rather than a young one. A program that froze objects of its own (a
    pre-forking server sharing pages with its workers) keeps them frozen: then nothing
    is moved.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class ModelBuilder(LiteralReader):
    """Builds model nodes bottom-up; every method gets the node's meta for its span.

    Framework files subclass it (frameworks.parse), so they get the same messages.
    """

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
        # At least 0 would pay a goal in full with no data at all (the language reference §6).
        count = self._count(children[0], "the count after `combine at least`", 1)
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
        self._check_word(name_token, PERIOD_NAMES, "a period", PERIOD_CHOICES)
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

    def path(self, meta: Meta, children: list[Token]) -> TargetPath:
        return TargetPath(tuple(str(t) for t in children), meta_span(meta))

    def _target(self, path: TargetPath, period: Token | None) -> Target:
        span = path.span
        name = None
        if period is not None:
            span = join_spans(span, token_span(period))
            if self._check_word(period, PERIOD_NAMES, "a period", PERIOD_CHOICES):
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


