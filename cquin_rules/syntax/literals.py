"""Tokens to exact values, and the machinery every model builder shares: spans, the walk
over a Lark tree, and E001 for a word or a number written wrongly (numbers as `1_000.5`,
money as `£1,234.56` or `£1.5m`, whole counts in range, a word from a closed list with a
did-you-mean). The rulebook's builder (`transform`) and the framework files' builder
(`frameworks.parse`) both stand on it, so they read literals and report them alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import get_close_matches
from fractions import Fraction
from types import MethodType
from typing import Any

from attrs import frozen
from lark import Token, Transformer, Tree
from lark.tree import Meta

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from .model import (
    LiteralKind,
    Quantity,
)

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


def join_spans(first: Span, last: Span) -> Span:
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
class TargetPath:
    names: tuple[str, ...]
    span: Span


_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_NUMBER = re.compile(rf"{_DIGITS}(?:\.{_DIGITS})?")
_MONEY_GROUPED = re.compile(r"£(?:[0-9]{1,3}(?:,[0-9]{3})+|" + _DIGITS + r")(?:\.[0-9]{2})?")
_MONEY_SCALED = re.compile(rf"£({_DIGITS}(?:\.{_DIGITS})?)([km])")
_SCALE = {"k": 1000, "m": 1_000_000}
PERIOD_CHOICES = "`Q1`–`Q4`, `H1`, `H2`, `M1`–`M12` or `year`"


class LiteralReader(Transformer[Token, Any]):
    """Reads literals and words for a model builder, collecting every problem found.

    A builder's method for each grammar rule takes `(meta, children)` and is called by
    `transform` below, not through Lark's `v_args(meta=True)`, whose wrapper is rebuilt
    (with `functools.update_wrapper`) at every call, a large share of this stage's own
    work. A subclass may still decorate its own methods with `v_args`.
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
