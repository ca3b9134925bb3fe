"""Ready for signature (`cquin check --for-signature`): E510 for every goal not yet agreed.

A scheme is signed when every goal is agreed and has someone answerable for it. Section
4's `status` colours say which: purple (national, mandatory) and green (agreed) are ready;
amber (agreed in principle, measures in development), red (not agreed) and blue
(rejected) are not, and neither is a goal with no `status` or no `lead`. Each goal gets
one E510 at its line naming everything missing, so a contracts manager's list of what is
left to settle is the check's output. Only asked for: drafts in negotiation are allowed
to be unready.
"""

from __future__ import annotations

from ..base.diagnostics import Diagnostic
from ..semantics.wording import STATUS_MEANINGS
from ..syntax.model import Goal, Scheme

#: The colours a goal can be signed under, and what each of the others means in words.
READY = frozenset({"purple", "green"})
NOT_READY = {colour: f"is {colour} ({meaning})" for colour, meaning in STATUS_MEANINGS.items()
             if colour not in READY}


def not_ready(goal: Goal) -> list[str]:
    """What stops the goal being signed, in words; empty when it is ready."""
    reasons: list[str] = []
    if goal.status is None:
        reasons.append("has no status")
    elif goal.status not in READY:
        reasons.append(NOT_READY.get(goal.status, f"is {goal.status}"))
    if not goal.lead:
        reasons.append("has no lead")
    return reasons


def check_for_signature(scheme: Scheme) -> list[Diagnostic]:
    """E510 at each goal that is not ready for signature (see the module docstring)."""
    found: list[Diagnostic] = []
    for goal in scheme.goals:
        reasons = not_ready(goal)
        if reasons:
            found.append(Diagnostic(
                "E510", f"goal {goal.code} is not ready for signature: it "
                + " and ".join(reasons), goal.span,
                "agree it (status green, or purple for a national goal) and name its "
                "lead, or take it out of the scheme before signing",
            ))
    return found
