"""The checker: every problem in a parsed rulebook that needs no framework.

The transform has already reported syntax (E001), characters (E002) and statements given
twice (E104). `check` reports the rest of section 9 of the language reference, all of
them, not only the first, in file order. Pay-rule reasoning lives in `pay_rules`; the
header and money checks (E105 at the header, E201, E202) in `money`; the examples' (E103
at an example line) in `examples`; this module checks goals, parts, periods and items and
puts them all together.

Codes this module adds or sharpens, and where each points:

- E101 duplicate goal code (at the second goal), or a reserved one: `total`, `national`,
  `local` (they mean the totals in `expect` lines) and `expect` (a goal of that name
  could never be given a value in an example, since the line would read as an `expect`).
- E102 duplicate indicator or part among its siblings, or a duplicate period block
  (at the second one).
- E103 an example names an unknown goal, indicator, part path or period (at the line).
- E105 (added by this project) a required statement is missing: no `cquin value` (at
  the scheme); a goal without `domain` (at the goal); an indicator without `pay` (at
  the indicator); a goal, part or period holding nothing (at it); `P% of contract` with
  neither a contract nor an outturn value (at that statement).
- E402 (in the header) a `payment on account` above 100% (at that statement).
- E201 goal money does not total the cquin value, exact amounts before rounding (at
  `cquin value`); E202 national goals' money differs from the national value (at
  `national value`, else at the scheme line).
- E203 item weights (or values) of a goal, part or period do not total 100% (or the
  parent's money) or are mixed (at the parent); a gate with a weight (at the gate).
- E204 period shares do not total 100% (at the goal).
- E205 a goal with both `weight` and `value`, or neither; a part likewise among
  weighted siblings (at the goal or part); a scheme gate (`gate` on a goal) with a
  `weight` or `value` (at that statement: a gate carries no money).
- E103 also a goal's `commissioner` that the header does not name (at that statement).
- E401-E409 pay rules (see `pay_rules`). E409 holds for each goal as a whole: the
  most each item can attain is lifted through every part, period, gate and combine with
  the evaluator's own `combine` and `gated`, and when every item can be paid in full but
  its parent's combine still cannot pay in full (`combine at least K` over fewer than K
  items, wherever it stands), E409 is at that `combine` statement; on a goal with
  periods, at the goal's `combine` when a period takes it as its default.
- W503 a goal, part or indicator with zero weight or value, or a 0% period (at it).
- E001 also a goal holding both period blocks and items outside them (at the first
  such item): the grammar accepts the mixture, the language does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches
from fractions import Fraction

from ..base.diagnostics import Diagnostic, sort_key
from ..base.span import Span
from ..semantics.combine import combine as combine_attainments
from ..semantics.combine import gated
from ..semantics.money import (
    cquin_value_exact,
    exact_pounds,
)
from ..semantics.weights import item_weights
from ..syntax.model import (
    Combine,
    Goal,
    Indicator,
    Item,
    Located,
    Part,
    Period,
    Scheme,
)
from ..syntax.transform import collection_paused
from .examples import check_examples
from .money import (
    check_goal_money,
    check_header,
    check_national_money,
    goal_money,
    money_difference,
)
from .pay_rules import assess_indicator
from .rule_analysis import Analyses
from .rule_shape import percent

RESERVED_CODES = ("total", "national", "local", "expect")
ONE = Fraction(1)


def check(scheme: Scheme) -> list[Diagnostic]:
    """Every problem in the rulebook that needs no framework, in file order.

    The collector is paused as for parsing (`transform.collection_paused`): the analyses
    kept here live until the end, and each automatic full collection would walk them and
    the whole model again, so a large rulebook's check would grow faster than its size.
    """
    with collection_paused():
        return _check(scheme)


def _check(scheme: Scheme) -> list[Diagnostic]:
    cquin = cquin_value_exact(scheme.header)
    found = check_header(scheme.header)
    found += _goal_codes(scheme.goals)
    analyses: Analyses = {}
    for goal in scheme.goals:
        found += _goal(goal, cquin, analyses)
    found += _commissioners(scheme)
    found += check_goal_money(scheme, cquin)
    found += check_national_money(scheme)
    found += check_examples(scheme)
    return sorted(found, key=sort_key)



# ---- goals, parts, periods and their items -----------------------------------------


def _goal_codes(goals: Sequence[Goal]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: dict[str, Goal] = {}
    for goal in goals:
        if goal.code in RESERVED_CODES:
            found.append(Diagnostic(
                "E101", f"`{goal.code}` cannot be a goal code: in examples "
                f"`{goal.code}` has its own meaning", goal.span, "choose another code",
            ))
        elif goal.code in seen:
            found.append(Diagnostic(
                "E101", f"goal {goal.code} is declared twice (first at line "
                f"{seen[goal.code].span.line})", goal.span, "give each goal its own code",
            ))
        else:
            seen[goal.code] = goal
    return found


def _zero(
    what: str, weight: Located[Fraction] | None, value: Located[Fraction] | None, span: Span
) -> list[Diagnostic]:
    if (weight is not None and weight.value == 0) or (value is not None and value.value == 0):
        return [Diagnostic(
            "W503", f"{what} carries no money (zero weight)", span,
            "remove it, or give it a share",
        )]
    return []


def _commissioners(scheme: Scheme) -> list[Diagnostic]:
    """E103 for a goal's `commissioner` that is not one of the header's."""
    named = [c.value for c in scheme.header.commissioners]
    found: list[Diagnostic] = []
    for goal in scheme.goals:
        if goal.commissioner is None or goal.commissioner.value in named:
            continue
        close = get_close_matches(goal.commissioner.value, named, n=1)
        if close:
            hint = f'did you mean "{close[0]}"?'
        elif named:
            hint = "the header's commissioners are: " + ", ".join(f'"{n}"' for n in named)
        else:
            hint = 'add `commissioner "…"` to the scheme header for each commissioner'
        found.append(Diagnostic(
            "E103", f'goal {goal.code} names the commissioner "{goal.commissioner.value}", '
            "which the scheme header does not name", goal.commissioner.span, hint,
        ))
    return found


def _gate_goal(goal: Goal) -> list[Diagnostic]:
    """A scheme gate carries no money: a `weight` or `value` on it is E205, at that line."""
    return [
        Diagnostic(
            "E205", f"goal {goal.code} is a gate, and a gate carries no money, so it takes "
            f"no {words}", share.span,
            f"remove the {words}, or remove `gate` to make {goal.code} a goal that pays",
        )
        for words, share in (("weight", goal.weight), ("value", goal.value))
        if share is not None
    ]


def _goal(goal: Goal, cquin: Fraction | None, analyses: Analyses) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if not goal.is_gate and (goal.domains is None or not goal.domains.value):
        found.append(Diagnostic(
            "E105", f"goal {goal.code} has no domain", goal.span,
            "add e.g. `domain safety` (safety, effectiveness, experience, innovation)",
        ))
    if goal.is_gate:
        found += _gate_goal(goal)
    elif goal.weight is not None and goal.value is not None:
        found.append(Diagnostic(
            "E205", f"goal {goal.code} has both a weight and a value", goal.span,
            "keep one: `weight P%` (a share of the cquin value) or `value £X`",
        ))
    elif goal.weight is None and goal.value is None:
        found.append(Diagnostic(
            "E205", f"goal {goal.code} has neither a weight nor a value", goal.span,
            "add `weight P%` (a share of the cquin value) or `value £X`",
        ))
    if not goal.is_gate:
        found += _zero(f"goal {goal.code}", goal.weight, goal.value, goal.span)
    money = goal_money(goal, cquin)
    if not goal.items and not goal.periods:
        found.append(Diagnostic(
            "E105", f"goal {goal.code} holds no indicators", goal.span,
            "add an `indicator`, a `part` or `period` blocks",
        ))
    if goal.items and goal.periods:
        found.append(Diagnostic(
            "E001", f"goal {goal.code} has both period blocks and items outside them",
            goal.items[0].span,
            "a goal holds indicators and parts, or period blocks: move this item into a period",
        ))
    if goal.items:
        found += _items(goal.items, money, goal.combine, f"goal {goal.code}", goal.span,
                        goal.code, None, analyses)[0]
    if goal.periods:
        found += _periods(goal, money, analyses)
    return found


def _periods(goal: Goal, money: Fraction | None, analyses: Analyses) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: dict[str, Period] = {}
    for period in goal.periods:
        if period.name in seen:
            found.append(Diagnostic(
                "E102", f"goal {goal.code} has two {period.name} periods (the first at line "
                f"{seen[period.name].span.line})", period.span,
                "put all of a period's indicators in one block",
            ))
            continue
        seen[period.name] = period
        found += _zero(f"period {period.name} of goal {goal.code}", period.share, None,
                       period.span)
        what = f"period {period.name} of goal {goal.code}"
        if not period.items:
            found.append(Diagnostic(
                "E105", f"{what} holds no indicators", period.span, "add an `indicator`",
            ))
            continue
        share = None if money is None else money * period.share.value
        found += _items(period.items, share, period.combine or goal.combine, what, period.span,
                        goal.code, period.name, analyses,
                        inherited=period.combine is None and goal.combine is not None)[0]
    total = sum((p.share.value for p in goal.periods), Fraction(0))
    if total != ONE:
        found.append(Diagnostic(
            "E204", f"the period shares of goal {goal.code} total {percent(total)}, not 100%",
            goal.span, "make the shares of the period blocks add up to 100%",
        ))
    return found


def _item_label(code: str, path: tuple[str, ...], period: str | None) -> str:
    text = ".".join((code, *path))
    return f"{text} ({period})" if period else text


def _items(
    items: tuple[Item, ...],
    money: Fraction | None,
    combine: Combine | None,
    what: str,
    span: Span,
    code: str,
    period: str | None,
    analyses: Analyses,
    prefix: tuple[str, ...] = (),
    inherited: bool = False,
) -> tuple[list[Diagnostic], Fraction | None]:
    """The items of one goal, part or period: names, weights, combine, then each item
    (`analyses` keeps the pay-rule analyses made so far, shared by rules of one shape);
    with them, the most the items can attain together (None when some rule was not
    analysed). `inherited`: `combine` is the goal's, the default of this period."""
    found: list[Diagnostic] = []
    seen: dict[str, Item] = {}
    for item in items:
        if item.name in seen:
            kind = "indicator" if isinstance(item, Indicator) else "part"
            found.append(Diagnostic(
                "E102", f"{what} has two items called {item.name} (the first at line "
                f"{seen[item.name].span.line})", item.span,
                f"give each {kind} its own name",
            ))
        else:
            seen[item.name] = item
    shares, problems = _weights(items, money, what, span)
    found += problems
    counted = [item for item in items if not _is_gate(item)]
    asks_too_many = (combine is not None and combine.mode == "at least"
                     and combine.count is not None and combine.count > len(counted))
    if asks_too_many:
        assert combine is not None
        said = f" (the goal's `combine at least {combine.count}`)" if inherited else ""
        found.append(Diagnostic(
            "E409", f"{what} asks for at least {combine.count} items met{said}, but has only "
            f"{len(counted)}", combine.span,
            f"full payment is unreachable: ask for at most {len(counted)}"
            + (", or give the period a `combine` of its own" if inherited else ""),
        ))
    bests: list[Fraction | None] = []
    for item, share in zip(items, shares, strict=True):
        path = (*prefix, item.name)
        label = _item_label(code, path, period)
        if isinstance(item, Indicator):
            problems, analysis = assess_indicator(item, label, analyses)
            found += problems
            bests.append(None if analysis is None else analysis.best)
            if not item.is_gate:
                found += _zero(f"indicator {label}", item.weight, item.value, item.span)
            continue
        found += _zero(f"part {label}", item.weight, item.value, item.span)
        if not item.items:
            found.append(Diagnostic(
                "E105", f"part {label} holds no indicators", item.span, "add an `indicator`",
            ))
            bests.append(None)
            continue
        problems, best = _items(item.items, share, item.combine, f"part {label}", item.span,
                                code, period, analyses, path)
        found += problems
        bests.append(best)
    known = [best for best in bests if best is not None]
    by_value = any(item.value is not None for item in counted)
    if (len(known) < len(bests) or (by_value and money is None)
            or any(d.code in ("E203", "E205") for d in found)):
        return found, None
    most = _most(items, known, combine, money or ONE)
    if most < ONE and all(best == ONE for best in known) and not asks_too_many:
        assert combine is not None
        found.append(Diagnostic(
            "E409", f"every item of {what} can be paid in full, but its `combine "
            f"{combine.mode}` then pays {percent(most)}", combine.span,
            "full payment is unreachable: change how its items combine",
        ))
    return found, most


def _most(items: tuple[Item, ...], bests: list[Fraction], combine: Combine | None,
          money: Fraction) -> Fraction:
    """The most `items` attain together when each attains its own most (`bests`): the
    evaluator's combine and gates are monotone, and each item is measured apart."""
    mode, count = ("weighted", None) if combine is None else (combine.mode, combine.count)
    weights = item_weights(items, money)
    weighed = [(weight, best) for item, weight, best in zip(items, weights, bests, strict=True)
               if not _is_gate(item)]
    gates = [best for item, best in zip(items, bests, strict=True) if _is_gate(item)]
    return gated(combine_attainments(mode, count, weighed), gates)


def _is_gate(item: Item) -> bool:
    return isinstance(item, Indicator) and item.is_gate


def _weights(
    items: tuple[Item, ...], money: Fraction | None, what: str, span: Span
) -> tuple[list[Fraction | None], list[Diagnostic]]:
    """E203/E205 for one container's items, and each item's money (None when unknown)."""
    found: list[Diagnostic] = []
    shares: list[Fraction | None] = [None] * len(items)
    counted = [i for i, item in enumerate(items) if not _is_gate(item)]
    for item in items:
        if _is_gate(item) and (item.weight is not None or item.value is not None):
            found.append(Diagnostic(
                "E203", f"indicator {item.name} is a gate, and a gate carries no weight",
                item.span, "remove its weight (or value), or remove `gate`",
            ))
    kinds = {i: _share_kind(items[i]) for i in counted}
    if set(kinds.values()) <= {"none"}:
        if money is not None and counted:
            for i in counted:
                shares[i] = money / len(counted)
        return shares, found
    for i, kind in kinds.items():
        item = items[i]
        if isinstance(item, Part) and kind in ("both", "none"):
            said = "both a weight and a value" if kind == "both" else "neither a weight nor a value"
            found.append(Diagnostic(
                "E205", f"part {item.name} has {said}, but its siblings are weighted",
                item.span, "give it one `weight P%` or `value £X`, like its siblings",
            ))
    if any(d.code == "E205" for d in found):
        return shares, found
    present = set(kinds.values())
    if present != {"weight"} and present != {"value"}:
        unweighted = [items[i].name for i, k in kinds.items() if k == "none"]
        said = (f"{', '.join(unweighted)} {'has' if len(unweighted) == 1 else 'have'} none"
                if unweighted else "weights and values are mixed")
        found.append(Diagnostic(
            "E203", f"the items of {what} mix weights and values, or some are unweighted "
            f"({said})", span,
            "give every item a `weight` (totalling 100%), every item a `value`, or none "
            "(equal shares)",
        ))
        return shares, found
    if present == {"weight"}:
        weights = {i: _weight(items[i]) for i in counted}
        total = sum(weights.values(), Fraction(0))
        if total != ONE:
            found.append(Diagnostic(
                "E203", f"the weights of the items of {what} total {percent(total)}, not 100%",
                span, "make the items' weights add up to 100%",
            ))
        if money is not None:
            for i, weight in weights.items():
                shares[i] = weight * money
        return shares, found
    values = {i: _value(items[i]) for i in counted}
    total = sum(values.values(), Fraction(0))
    if money is not None and total != money:
        found.append(Diagnostic(
            "E203", f"the values of the items of {what} total {exact_pounds(total)}, but it has "
            f"{exact_pounds(money)} ({money_difference(total, money)})", span,
            "make the items' values add up to their parent's money, or use weights",
        ))
    for i, value in values.items():
        shares[i] = value
    return shares, found


def _share_kind(item: Item) -> str:
    if item.weight is not None and item.value is not None:
        return "both"
    if item.weight is not None:
        return "weight"
    return "value" if item.value is not None else "none"


def _weight(item: Item) -> Fraction:
    assert item.weight is not None
    return item.weight.value


def _value(item: Item) -> Fraction:
    assert item.value is not None
    return item.value.value


