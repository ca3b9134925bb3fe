"""A framework file's text to its model: the grammar's tree through the rulebook's
literal rules (so a user's framework file gets a rulebook's diagnostics), and the notes
its comments record."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from attrs import evolve
from lark import Token, v_args
from lark.tree import Meta

from ..base.diagnostics import Diagnostic, has_errors
from ..syntax.literals import Statement, meta_span, token_span, unquote
from ..syntax.model import DOMAINS, Located
from ..syntax.parser import parse_tree
from ..syntax.transform import ModelBuilder
from .framework import ContractMinimum, CquinLimit, Framework
from .notes import read_notes

__all__ = ["parse_framework"]


class _FrameworkBuilder(ModelBuilder):
    """The rulebook transformer's literal rules and E104 bookkeeping, for framework files."""

    @v_args(meta=True)
    def framework_file(self, meta: Meta, children: list[Any]) -> Framework:
        return children[0]  # type: ignore[no-any-return]

    @v_args(meta=True)
    def framework(self, meta: Meta, children: list[Any]) -> Framework:
        name, title = str(children[0]), unquote(children[1])
        statements = [c for c in children[2:] if isinstance(c, Statement)]
        fields = self._assemble(statements, f"framework `{name}`")
        return Framework(name, title, span=meta_span(meta), **fields)

    def _share(self, token: Token, what: str) -> Fraction:
        share = self._percent(token)
        if share > 1:
            self._error(f"{what} must be from 0% to 100%, not `{token}`", token_span(token))
        return share

    fw_year = ModelBuilder.year

    @v_args(meta=True)
    def fw_deemed_achieved(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located(
            "deemed_achieved", "`deemed achieved`", meta, unquote(children[0])
        )

    @v_args(meta=True)
    def fw_cquin_cap(self, meta: Meta, children: list[Token]) -> Statement:
        limit = CquinLimit(self._share(children[0], "the cquin value"), at_most=True)
        return self._located("cquin_value", "`cquin value at most`", meta, limit)

    @v_args(meta=True)
    def fw_cquin_exact(self, meta: Meta, children: list[Token]) -> Statement:
        limit = CquinLimit(self._share(children[0], "the cquin value"), at_most=False)
        return self._located("cquin_value", "`cquin value`", meta, limit)

    @v_args(meta=True)
    def fw_national_value(self, meta: Meta, children: list[Token]) -> Statement:
        share = self._share(children[0], "the national value")
        return self._located("national_value", "`national value`", meta, share)

    @v_args(meta=True)
    def fw_contract_at_least(self, meta: Meta, children: list[Token]) -> Statement:
        minimum = ContractMinimum(self._money(children[0]), inclusive=True)
        return self._located("contract_minimum", "`contract value at least`", meta, minimum)

    @v_args(meta=True)
    def fw_contract_above(self, meta: Meta, children: list[Token]) -> Statement:
        minimum = ContractMinimum(self._money(children[0]), inclusive=False)
        return self._located("contract_minimum", "`contract value above`", meta, minimum)

    @v_args(meta=True)
    def fw_require_domains(self, meta: Meta, children: list[Token]) -> Statement:
        names = tuple(str(t) for t in children if self._check_word(t, DOMAINS, "a domain"))
        return self._located("required_domains", "`require domains`", meta, names)

    @v_args(meta=True)
    def fw_require_equal_weights(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("equal_weights", "`require equal weights`", meta, True)

    def _limit(self, key: str, words: str, meta: Meta, token: Token) -> Statement:
        return self._located(key, words, meta, self._count(token, f"the number in {words}"))

    @v_args(meta=True)
    def fw_goals_at_most(self, meta: Meta, children: list[Token]) -> Statement:
        return self._limit("goals_at_most", "`goals at most`", meta, children[0])

    @v_args(meta=True)
    def fw_indicators_at_most(self, meta: Meta, children: list[Token]) -> Statement:
        return self._limit("indicators_at_most", "`indicators at most`", meta, children[0])

    @v_args(meta=True)
    def fw_national_indicators_at_most(self, meta: Meta, children: list[Token]) -> Statement:
        return self._limit(
            "national_indicators_at_most", "`national indicators at most`", meta, children[0]
        )

    @v_args(meta=True)
    def fw_payment_on_account(self, meta: Meta, children: list[Token]) -> Statement:
        share = self._share(children[0], "the payment on account")
        return self._located("payment_on_account", "`payment on account`", meta, share)

    @v_args(meta=True)
    def fw_reconcile(self, meta: Meta, children: list[Token]) -> Statement:
        months = tuple(self._count(t, "a reconciliation month", 1, 12) for t in children)
        if any(later <= earlier for earlier, later in itertools.pairwise(months)):
            self._error(
                "reconciliation months must be written in order, each once",
                meta_span(meta),
                "for example `reconcile at months 6, 9, 12`",
            )
        return self._located("reconcile_months", "`reconcile at months`", meta, months)

    @v_args(meta=True)
    def fw_warn_all_or_nothing(self, meta: Meta, children: list[Token]) -> Statement:
        return self._located("warn_all_or_nothing", "`warn all or nothing`", meta, True)

    @v_args(meta=True)
    def fw_warn_goals(self, meta: Meta, children: list[Token]) -> Statement:
        return self._limit("warn_goals_more_than", "`warn goals more than`", meta, children[0])

    @v_args(meta=True)
    def fw_warn_indicators(self, meta: Meta, children: list[Token]) -> Statement:
        return self._limit(
            "warn_indicators_more_than", "`warn indicators more than`", meta, children[0]
        )


def parse_framework(text: str, path: str = "<text>") -> tuple[Framework | None, list[Diagnostic]]:
    """A framework file's model and every problem in it; None when it has errors."""
    tree, diagnostics = parse_tree(text, "framework_file", path)
    if tree is None:
        return None, diagnostics
    builder = _FrameworkBuilder()
    framework = builder.transform(tree)
    assert isinstance(framework, Framework)
    diagnostics += [d.at(path) for d in builder.diagnostics]
    if has_errors(diagnostics):
        return None, diagnostics
    return _with_notes(framework, text, path), diagnostics


def _with_notes(framework: Framework, text: str, origin: str) -> Framework:
    """`framework` with where it came from and what its comments record."""
    located = {
        key: statement.span.line
        for key in framework.requirements()
        if isinstance(statement := getattr(framework, key), Located)
    }
    notes = read_notes(text, located.values())
    grades = tuple(
        (key, notes.confidence[line]) for key, line in located.items() if line in notes.confidence
    )
    return evolve(framework, origin=origin, source=notes.source, confidence=grades,
                  notes=notes.notes)
