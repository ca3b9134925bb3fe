"""Amounts a framework check compares, kept exact: `pounds + share × contract base`.

A scheme that writes `cquin value 3% of contract` can be compared with a framework's
`2.5% of contract` even when it gives no contract value; only an amount in pounds against
a share of a contract nobody stated cannot be decided, and the checks say so.
"""

from __future__ import annotations

from fractions import Fraction

from attrs import frozen

from ..semantics.money import exact_pounds
from ..syntax.model import Goal, Header, Pounds
from .framework import percent

__all__ = ["Money", "amount_of", "described", "goal_money", "goal_share", "on", "written"]


@frozen
class Money:
    """`pounds + share × contract base`: an amount that may wait for the contract value."""

    pounds: Fraction = Fraction(0)
    share: Fraction = Fraction(0)

    def __add__(self, other: Money) -> Money:
        return Money(self.pounds + other.pounds, self.share + other.share)

    def times(self, factor: Fraction) -> Money:
        return Money(self.pounds * factor, self.share * factor)

    def minus_share(self, share: Fraction, base: Fraction | None) -> Fraction | None:
        """The sign-carrying difference from `share` of the contract; None if undecidable."""
        if base is not None:
            return self.pounds + (self.share - share) * base
        if self.pounds == 0:
            return self.share - share
        if self.share == share:
            return self.pounds
        return None


def amount_of(amount: object) -> Money:
    """A header's `£X` or `P% of contract` as Money."""
    if isinstance(amount, Pounds):
        return Money(pounds=amount.amount)
    return Money(share=amount.share)  # type: ignore[attr-defined]


def goal_money(goal: Goal, cquin: Money | None) -> Money | None:
    """A goal's money: its value, or its weight of the cquin value; None when unknown."""
    if goal.value is not None and goal.weight is None:
        return Money(pounds=goal.value.value)
    if goal.weight is not None and goal.value is None and cquin is not None:
        return cquin.times(goal.weight.value)
    return None


def described(money: Money, base: Fraction | None) -> str:
    """An amount in pounds when the base is known, else as a share or in pounds."""
    if base is not None:
        return exact_pounds(money.pounds + money.share * base)
    if money.pounds == 0:
        return f"{percent(money.share)} of contract"
    return exact_pounds(money.pounds)


def written(amount: object, money: Money, base: Fraction | None) -> str:
    """An amount as the scheme wrote it, with its pounds when they can be worked out."""
    if isinstance(amount, Pounds):
        return exact_pounds(amount.amount)
    text = f"{percent(money.share)} of contract"
    return f"{text} ({described(money, base)})" if base is not None else text


def on(header: Header) -> str:
    """What a share of contract is taken on: `the outturn value £X`, or the contract's."""
    if header.outturn_value is not None:
        return f"the outturn value {exact_pounds(header.outturn_value.value)}"
    if header.contract_value is not None:
        return f"the contract value {exact_pounds(header.contract_value.value)}"
    return "the contract value"


def goal_share(goal: Goal) -> str:
    """A goal's weight or value as written, for E308's list."""
    if goal.weight is not None:
        return percent(goal.weight.value)
    return exact_pounds(goal.value.value) if goal.value is not None else "(no weight)"
