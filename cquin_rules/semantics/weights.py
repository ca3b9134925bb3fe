"""Each item's share of its parent (section 4): one home for the evaluator (`compile`)
and the checker, which can then weigh items without loading the compiler."""

from __future__ import annotations

from fractions import Fraction

from ..syntax.model import Indicator, Part

__all__ = ["item_weights"]


def item_weights(items: tuple[Indicator | Part, ...], money: Fraction) -> list[Fraction]:
    """Each item's share of its parent (section 4): explicit weights, values over the
    parent's money, or equal shares among the non-gate items; gates weigh 0."""
    weighed = [item for item in items if not _is_gate(item)]
    explicit = all(item.weight is not None or item.value is not None for item in weighed)
    equal = Fraction(1, len(weighed)) if weighed else Fraction(0)
    weights: list[Fraction] = []
    for item in items:
        if _is_gate(item):
            weights.append(Fraction(0))
        elif not explicit:
            weights.append(equal)
        elif item.weight is not None:
            weights.append(item.weight.value)
        elif item.value is not None and money:
            weights.append(item.value.value / money)
        else:
            weights.append(Fraction(0))
    return weights


def _is_gate(item: Indicator | Part) -> bool:
    return isinstance(item, Indicator) and item.is_gate
