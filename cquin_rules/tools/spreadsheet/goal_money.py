"""A goal's money is entered in one place: its "Expected financial value (£)" cell.

The template shows a goal's weighting beside its money. When the two agree (the
weighting gives exactly the money, after the penny split), the rulebook keeps the
weighting (`weight 20%`), unless the weighting is only the money's share as the export
writes it for a goal given in pounds (`shown_share`), when the money is kept. When they
do not agree, the money cell is what the goal is worth
(`value £650,000`): it is where a finance officer changes a goal's money, for a goal
built from cells and for one carried as rulebook text alike. A weighting that visibly
disagrees with the money it lost to is reported (W704), so an edited weighting is not
lost in silence.
"""

from __future__ import annotations

from fractions import Fraction

from attrs import evolve

from ...base.diagnostics import Diagnostic
from ...semantics.compile import compile_scheme
from ...syntax import printer
from ...syntax.model import Goal, Located, Scheme
from .cells import ImportError_, Origin, _at, _goal_cell, _percent, _Read, _Row
from .consistency import _stated_money
from .rows import shown_share

#: How far a weighting may be from the money's share and still be that share: the
#: precision a spreadsheet keeps (a goal of £500,000 of £3,000,000 is 16.666…%).
_SAME_SHARE = Fraction(1, 10**12)


def entered_money(scheme: Scheme, rows_of: dict[str, list[_Row]], path: str
                  ) -> tuple[Scheme, list[Diagnostic]]:
    """`scheme` with each goal whose money cell differs from what the rulebook gives it
    set to that money; problems with the cells (E704) and edited weightings (W704)."""
    found: list[Diagnostic] = []
    compiled = compile_scheme(scheme)
    available = {goal.code: goal.available for goal in compiled.goals}
    goals: list[Goal] = []
    for goal in scheme.goals:
        rows = rows_of.get(goal.code, [])
        money_cell = _goal_cell(rows, "goal_value") if rows else None
        stated = _stated_money(money_cell, path, found)
        if stated is None or money_cell is None or (
                stated == available[goal.code]
                and not _shows_money(goal, stated, compiled.cquin_value)):
            goals.append(goal)
            continue
        weighting = _goal_cell(rows, "goal_weighting")
        if weighting is not None and compiled.cquin_value:
            _weighting_lost(goal.code, weighting.origin, _share(weighting), stated,
                            compiled.cquin_value, path, found)
        span = (goal.weight or goal.value or Located(stated, goal.span)).span
        goals.append(evolve(goal, weight=None, value=Located(stated, span)))
    return evolve(scheme, goals=tuple(goals)), found


def _shows_money(goal: Goal, money: Fraction, cquin: Fraction | None) -> bool:
    """Whether `goal`'s weighting is only its money's share as a spreadsheet shows it
    (a goal given in pounds, such as £800,000 of £5,500,000: 14.5454545454545%), not that
    share exactly: the weighting would give the money to the penny but not to the
    fraction of a penny, and the scheme would not add up exactly (E201)."""
    if goal.weight is None or not cquin:
        return False
    return goal.weight.value * cquin != money and goal.weight.value == shown_share(money, cquin)


def _share(weighting: _Read) -> Fraction | None:
    try:
        return _percent(weighting)
    except ImportError_:  # an unreadable weighting is reported where it is read
        return None


def _weighting_lost(code: str, origin: Origin, share: Fraction | None, money: Fraction,
                    cquin: Fraction, path: str, found: list[Diagnostic]) -> None:
    if share is None or abs(share - money / cquin) <= _SAME_SHARE:
        return
    found.append(_at("W704", origin,
                     f"goal {code}'s weighting {printer.percent(share)} disagrees with its "
                     f"money cell, {printer.money(money)}; the money is used",
                     "a goal's money is entered in its money cell; to set the goal by its "
                     "weighting, clear the money cell", path))
