"""The checks of a scheme's header and money (section 9): E402 for a `payment on account`
outside 0%–100%, E105 for a missing `cquin value`
or a `P% of contract` with nothing to take it of, E201 goal money against the cquin value,
E202 national goals' money against the national value; all on exact amounts, before any
rounding. `money_difference` words a shortfall or excess for these and the weight checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ..base.diagnostics import Diagnostic
from ..semantics.money import (
    PENNY,
    cquin_value_exact,
    exact_amount,
    exact_pounds,
    national_value_exact,
)
from ..syntax.model import (
    Goal,
    Header,
    Scheme,
)
from .rule_shape import percent


def check_header(header: Header) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if header.cquin_value is None:
        found.append(Diagnostic(
            "E105", "the scheme has no cquin value: the money at stake", header.span,
            "add `cquin value 2.5% of contract` (with a contract value) or `cquin value £X`",
        ))
    on_account = header.payment_on_account
    if on_account is not None and not 0 <= on_account.value <= 1:
        # Paid on the assumption that goals are met: more than the whole cquin value (a £30m
        # advance on a £3m scheme) is never owed (the language reference §3).
        found.append(Diagnostic(
            "E402", f"the payment on account is {percent(on_account.value)} of the cquin value: "
            "it must be from 0% to 100%", on_account.span,
            "write the share paid monthly on account, from 0% to 100% (90% unless agreed "
            "otherwise, DH §65)",
        ))
    for name, amount in (("cquin", header.cquin_value), ("national", header.national_value)):
        if amount is not None and exact_amount(amount.value, header) is None:
            found.append(Diagnostic(
                "E105", f"the {name} value is a share of the contract, but the scheme gives "
                "no contract value", amount.span,
                "add `contract value £X` (or `outturn value £X`), or give the value in pounds",
            ))
    return found


def goal_money(goal: Goal, cquin: Fraction | None) -> Fraction | None:
    """A goal's available money before rounding: its value, or its weight of the cquin value
    (a scheme gate carries none)."""
    if goal.is_gate:
        return Fraction(0)
    if goal.value is not None and goal.weight is None:
        return goal.value.value
    if goal.weight is not None and goal.value is None and cquin is not None:
        return goal.weight.value * cquin
    return None


def money_difference(have: Fraction, want: Fraction) -> str:
    """`£1.9999999 short`: the gap exactly, said to be under a penny when it is."""
    gap = abs(have - want)
    side = "over" if have > want else "short"
    if gap < PENNY:
        return f"less than a penny {side}: {exact_pounds(gap)}"
    return f"{exact_pounds(gap)} {side}"


def goal_money_total(goals: Sequence[Goal], cquin: Fraction | None) -> Fraction | None:
    amounts = [goal_money(goal, cquin) for goal in goals]
    if any(amount is None for amount in amounts):
        return None
    return sum((a for a in amounts if a is not None), Fraction(0))


def check_goal_money(scheme: Scheme, cquin: Fraction | None) -> list[Diagnostic]:
    header = scheme.header
    if cquin is None or header.cquin_value is None:
        return []
    total = goal_money_total(scheme.goals, cquin)
    if total is None or total == cquin:
        return []
    paying = [g for g in scheme.goals if not g.is_gate]
    weights = [g.weight.value for g in paying if g.weight is not None]
    hint = None
    if len(weights) == len(paying) and paying:
        hint = f"the goals' weights total {percent(sum(weights, Fraction(0)))}; make them 100%"
    return [Diagnostic(
        "E201", f"the goals' money totals {exact_pounds(total)}, but the cquin value is "
        f"{exact_pounds(cquin)} ({money_difference(total, cquin)})", header.cquin_value.span, hint,
    )]


def check_national_money(scheme: Scheme) -> list[Diagnostic]:
    header = scheme.header
    cquin = cquin_value_exact(header)
    national_goals = [g for g in scheme.goals if g.scope_kind == "national" and not g.is_gate]
    wanted = national_value_exact(header)
    have = goal_money_total(national_goals, cquin)
    if wanted is None or have is None or have == wanted:
        return []
    if header.national_value is None:
        codes = ", ".join(g.code for g in national_goals)
        return [Diagnostic(
            "E202", f"national goals ({codes}) carry {exact_pounds(have)}, but the scheme gives no "
            "national value", header.span,
            "add `national value P% of contract` (or `£X`) to the scheme",
        )]
    return [Diagnostic(
        "E202", f"the national goals' money totals {exact_pounds(have)}, but the national value is "
        f"{exact_pounds(wanted)} ({money_difference(have, wanted)})", header.national_value.span,
        None if national_goals else "mark the national goals with `national`",
    )]


