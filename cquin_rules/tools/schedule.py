"""The payment schedule (section 7, DH §65–66): money on account, and the reconciliations.

A finance officer's questions, answered exactly and to the penny:

- How much is paid on account, and in which instalments? `payment on account` (the
  scheme's, else its framework's, else 90%) of the cquin value, rounded half up to the
  penny, in twelve monthly instalments rounded down to the penny; the twelfth takes the
  remainder, so the instalments always add up to the total on account.
- What has been earned by contract month m (1 = April)? At year end (m = 12) exactly what
  `cquin eval` says. Before that, a goal is assessed period by period: a period counts
  once it is due (`as_of.is_due`, the one definition `eval --as-of` uses too: it has
  ended by month m; `year` ends in month 12) and every one of
  its indicators has a measurement. Everything not yet assessable (a period not yet
  ended, or still awaiting data: DH §66 adjusts "depending on the availability of data")
  is taken as on track: the goal's share of the money paid on account so far stands.
- Periods always combine by their shares (a goal's `combine` works inside each period),
  so a goal with periods is settled a period at a time.
- The balance at month m is earned to date less paid to date (on-account instalments
  only): negative means the provider repays. At a reconciliation month the adjustment
  due is the balance less the balance already settled at the previous reconciliation,
  so the adjustments add up to the year-end balance. Month 12 always settles the year,
  whether or not the scheme lists it.

A goal's share of the money paid to date is split by the largest-remainder method in
proportion to the goals' available money, so the goal lines add up to the scheme lines.

The scheme-wide shapes: under `deemed achieved` every goal is deemed met, and at every
month has earned its available money in full. A scheme gate carries no money, so it is
paid nothing on account; once it is measured and not met, every goal has earned
nothing at any month (a gate not yet measured leaves the goals as they stand).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from attrs import frozen

from ..base.diagnostics import Diagnostic
from ..engine.result import GoalResult, IndicatorResult, Result
from ..frameworks.framework import effective_payment_on_account, effective_reconcile_months
from ..frameworks.loading import load_framework
from ..semantics.as_of import MONTH_NAMES, MONTHS, is_due
from ..semantics.combine import combine, gated
from ..semantics.compile import (
    CompiledGoal,
    CompiledItem,
    CompiledPart,
    CompiledPeriod,
    compile_scheme,
    indicators_in,
)
from ..semantics.money import (
    PENNY,
    decimal_places,
    money,
    pounds,
    round_half_up,
    split_largest_remainder,
)
from ..syntax.model import PERIOD_END_MONTH, CombineMode, Scheme

GoalStanding = Literal["assessed", "partly assessed", "on track", "deemed met",
                       "gate not met"]
PeriodStanding = Literal["assessed", "not yet ended", "awaiting data"]


@frozen
class PeriodToDate:
    """One period block of a goal at the schedule's month."""

    name: str
    share: Fraction
    ends: int
    standing: PeriodStanding
    attainment: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.name,
            "share": decimal_places(self.share, 6),
            "ends_month": self.ends,
            "standing": self.standing,
            "attainment": None if self.attainment is None else decimal_places(self.attainment, 6),
        }


@frozen
class GoalToDate:
    """One goal's line: its share of the money paid so far and what it has earned."""

    code: str
    title: str
    available: Fraction
    paid_to_date: Fraction
    earned_to_date: Fraction
    standing: GoalStanding
    periods: tuple[PeriodToDate, ...] = ()

    @property
    def balance(self) -> Fraction:
        return self.earned_to_date - self.paid_to_date

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "code": self.code,
            "title": self.title,
            "available": money(self.available),
            "paid_to_date": money(self.paid_to_date),
            "earned_to_date": money(self.earned_to_date),
            "balance": money(self.balance),
            "standing": self.standing,
        }
        if self.periods:
            document["periods"] = [period.to_dict() for period in self.periods]
        return document


@frozen
class Reconciliation:
    """A reconciliation month up to the schedule's month, and the adjustment made then."""

    month: int
    balance: Fraction
    adjustment: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "balance": money(self.balance),
                "adjustment": money(self.adjustment)}


@frozen
class Schedule:
    """The payment position at contract month `month` (see the module docstring)."""

    scheme: str
    provider: str | None
    year: str | None
    month: int
    cquin_value: Fraction
    payment_on_account: Fraction
    on_account_total: Fraction
    instalments: tuple[Fraction, ...]
    reconcile_months: tuple[int, ...]
    goals: tuple[GoalToDate, ...]
    reconciliations: tuple[Reconciliation, ...]

    @property
    def paid_to_date(self) -> Fraction:
        return sum(self.instalments[: self.month], Fraction(0))

    @property
    def earned_to_date(self) -> Fraction:
        return sum((goal.earned_to_date for goal in self.goals), Fraction(0))

    @property
    def balance(self) -> Fraction:
        return self.earned_to_date - self.paid_to_date

    @property
    def is_reconciliation_month(self) -> bool:
        return self.month in self.reconcile_months or self.month == MONTHS

    @property
    def due_now(self) -> Fraction:
        """The adjustment payable at this month: nothing unless it is a reconciliation month."""
        if self.reconciliations and self.reconciliations[-1].month == self.month:
            return self.reconciliations[-1].adjustment
        return Fraction(0)

    @property
    def next_reconciliation(self) -> int | None:
        later = [m for m in (*self.reconcile_months, MONTHS) if m > self.month]
        return min(later) if later else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "provider": self.provider,
            "year": self.year,
            "month": self.month,
            "cquin_value": money(self.cquin_value),
            "payment_on_account": decimal_places(self.payment_on_account * 100, 2),
            "on_account_total": money(self.on_account_total),
            "instalments": [money(amount) for amount in self.instalments],
            "reconcile_months": list(self.reconcile_months),
            "is_reconciliation_month": self.is_reconciliation_month,
            "next_reconciliation": self.next_reconciliation,
            "paid_to_date": money(self.paid_to_date),
            "earned_to_date": money(self.earned_to_date),
            "balance": money(self.balance),
            "due_now": money(self.due_now),
            "reconciliations": [r.to_dict() for r in self.reconciliations],
            "goals": [goal.to_dict() for goal in self.goals],
        }


def instalments(on_account_total: Fraction) -> tuple[Fraction, ...]:
    """Twelve monthly instalments rounded down to the penny; the last takes the remainder."""
    monthly = Fraction(int(on_account_total / MONTHS / PENNY)) * PENNY
    return (monthly,) * (MONTHS - 1) + (on_account_total - monthly * (MONTHS - 1),)


def payment_schedule(
    scheme: Scheme,
    result: Result,
    *,
    month: int = MONTHS,
    payment_on_account: Fraction = Fraction(9, 10),
    reconcile_months: Sequence[int] = (6, 9, 12),
) -> Schedule:
    """The schedule at contract `month` for a scheme and its evaluation `result`.

    `payment_on_account` and `reconcile_months` are the effective ones (see
    `frameworks.effective_payment_on_account`); `result` is `evaluate` on the year's
    measurements so far.
    """
    if not 1 <= month <= MONTHS:
        raise ValueError(f"month must be 1 to 12, not {month}")
    compiled = compile_scheme(scheme)
    months = tuple(sorted(set(reconcile_months)))
    on_account = round_half_up(payment_on_account * result.cquin_value)
    paid = instalments(on_account)

    by_code = {goal.code: goal for goal in compiled.goals}

    def goals_at(m: int) -> tuple[GoalToDate, ...]:
        paid_to_date = sum(paid[:m], Fraction(0))
        shares = _paid_shares(paid_to_date, [g.available for g in result.goals])
        return tuple(
            _goal(goal, by_code.get(goal.code), m, share)
            for goal, share in zip(result.goals, shares, strict=True)
        )

    gates = [goal for goal in result.goals if goal.is_gate]
    shut = any(gate.attainment < 1 and gate.status != "not reported" for gate in gates)
    if compiled.deemed is not None or shut:
        standing: GoalStanding = "deemed met" if compiled.deemed is not None else "gate not met"

        def goals_at(m: int) -> tuple[GoalToDate, ...]:
            paid_to_date = sum(paid[:m], Fraction(0))
            shares = _paid_shares(paid_to_date, [g.available for g in result.goals])
            return tuple(
                GoalToDate(goal.code, goal.title, goal.available, share,
                           goal.available if standing == "deemed met" else Fraction(0),
                           standing)
                for goal, share in zip(result.goals, shares, strict=True)
            )

    reconciliations: list[Reconciliation] = []
    settled = Fraction(0)
    for m in sorted({*(r for r in months if r <= month), *((MONTHS,) if month == MONTHS else ())}):
        balance = (sum((g.earned_to_date for g in goals_at(m)), Fraction(0))
                   - sum(paid[:m], Fraction(0)))
        reconciliations.append(Reconciliation(m, balance, balance - settled))
        settled = balance
    return Schedule(
        scheme=result.scheme,
        provider=result.provider,
        year=result.year,
        month=month,
        cquin_value=result.cquin_value,
        payment_on_account=payment_on_account,
        on_account_total=on_account,
        instalments=paid,
        reconcile_months=months,
        goals=goals_at(month),
        reconciliations=tuple(reconciliations),
    )


def _paid_shares(paid_to_date: Fraction, available: list[Fraction]) -> list[Fraction]:
    total = sum(available, Fraction(0))
    if not available or total == 0:
        return [Fraction(0)] * len(available)
    return split_largest_remainder(paid_to_date, [a * paid_to_date / total for a in available])


def _goal(goal: GoalResult, compiled: CompiledGoal | None, month: int, paid: Fraction
          ) -> GoalToDate:
    def line(earned: Fraction, standing: GoalStanding,
             periods: tuple[PeriodToDate, ...] = ()) -> GoalToDate:
        return GoalToDate(goal.code, goal.title, goal.available, paid, earned, standing, periods)

    if compiled is None or not compiled.periods:
        if is_due("year", month):
            return line(goal.earned, "assessed")
        return line(paid, "on track")
    found = {(i.path, i.period): i for i in goal.indicators}
    periods = tuple(_period(period, found, month) for period in compiled.periods)
    assessed = [p for p in periods if p.standing == "assessed"]
    if month == MONTHS or len(assessed) == len(periods):
        return line(goal.earned, "assessed", periods)
    if not assessed:
        return line(paid, "on track", periods)
    exact = sum(
        (p.share * (p.attainment * goal.available if p.attainment is not None else paid)
         for p in periods), Fraction(0))
    return line(round_half_up(exact), "partly assessed", periods)


def _period(period: CompiledPeriod, found: dict[tuple[tuple[str, ...], str], IndicatorResult],
            month: int) -> PeriodToDate:
    ends = PERIOD_END_MONTH[period.name]
    if not is_due(period.name, month):
        return PeriodToDate(period.name, period.share, ends, "not yet ended", None)
    complete = all(
        (found_result := found.get((i.path, i.period))) is not None
        and found_result.measured is not None
        for i in indicators_in(period.items)
    )
    if not complete and month < MONTHS:
        return PeriodToDate(period.name, period.share, ends, "awaiting data", None)
    attainment = _attainment(period.items, period.combine, period.at_least, found)
    return PeriodToDate(period.name, period.share, ends, "assessed", attainment)


def _attainment(items: Sequence[CompiledItem], mode: CombineMode, at_least: int | None,
                found: dict[tuple[tuple[str, ...], str], IndicatorResult]) -> Fraction:
    """Combine items exactly as `evaluate` does, from the indicators' results."""
    scored: list[tuple[CompiledItem, Fraction]] = []
    for item in items:
        if isinstance(item, CompiledPart):
            scored.append((item, _attainment(item.items, item.combine, item.at_least, found)))
        else:
            result = found.get((item.path, item.period))
            scored.append((item, result.attainment if result is not None else Fraction(0)))
    combined = combine(mode, at_least, [(i.weight, a) for i, a in scored if not i.is_gate])
    return gated(combined, (a for i, a in scored if i.is_gate))


def schedule_terms(
    scheme: Scheme, base_dir: Path | None, path: str = "<text>"
) -> tuple[Fraction, tuple[int, ...], list[Diagnostic]]:
    """The effective payment on account and reconciliation months: the scheme's own
    statements, else its framework's, else 90% and months 6, 9, 12 (DH §65–66).

    The framework is read only when the scheme leaves one of them to it; when it cannot
    be read its diagnostics are returned (with the defaults, which the caller must not use).
    """
    header = scheme.header
    framework = None
    found: list[Diagnostic] = []
    reference = header.framework
    if reference is not None and (header.payment_on_account is None
                                  or header.reconcile_months is None):
        framework, found = load_framework(
            reference.name, base_dir, span=reference.span, origin=path,
            is_path=reference.is_path,
        )
    return (effective_payment_on_account(scheme, framework),
            effective_reconcile_months(scheme, framework), found)


# ---- the table for a terminal ----------------------------------------------------------


def render_table(schedule: Schedule) -> str:
    """The schedule as a finance officer reads it: instalments, then the position."""
    s = schedule
    lines = [s.scheme]
    if s.provider or s.year:
        lines.append(" · ".join(x for x in (s.provider, s.year) if x))
    lines.append("")
    lines.append(f"CQUIN value            {pounds(s.cquin_value):>16}")
    percent = decimal_places(s.payment_on_account * 100, 1).removesuffix(".0")
    lines.append(f"{f'On account ({percent}%)':<22} {pounds(s.on_account_total):>16}")
    lines.append("")
    lines.append(f"{'Month':<12} {'Instalment':>14} {'Paid to date':>16}")
    running = Fraction(0)
    for number, (name, amount) in enumerate(zip(MONTH_NAMES, s.instalments, strict=True), 1):
        running += amount
        mark = " *" if number in s.reconcile_months or number == MONTHS else ""
        here = " <" if number == s.month else ""
        lines.append(
            f"{number:>2} {name:<9} {pounds(amount):>14} {pounds(running):>16}{mark}{here}"
        )
    months = ", ".join(str(m) for m in s.reconcile_months)
    lines.append(f"(* reconciliation months: {months}; < month {s.month})")
    lines.append("")
    width = max([len(g.code) for g in s.goals] + [4])
    lines.append(f"{'Goal':<{width}} {'Available':>16} {'Paid to date':>16} "
                 f"{'Earned to date':>16} {'Balance':>16}  Standing")
    for goal in s.goals:
        lines.append(
            f"{goal.code:<{width}} {pounds(goal.available):>16} {pounds(goal.paid_to_date):>16} "
            f"{pounds(goal.earned_to_date):>16} {pounds(goal.balance):>16}  {goal.standing}"
        )
    lines.append(
        f"{'Total':<{width}} {pounds(s.cquin_value):>16} {pounds(s.paid_to_date):>16} "
        f"{pounds(s.earned_to_date):>16} {pounds(s.balance):>16}"
    )
    lines += ["", *_settlements(s)]
    lines.append("")
    when = "year end" if s.month == MONTHS else f"month {s.month} ({MONTH_NAMES[s.month - 1]})"
    lines.append(f"Balance at {when}: {pounds(s.balance)}"
                 + (" (the provider repays)" if s.balance < 0 else ""))
    if s.is_reconciliation_month:
        lines.append(f"Reconciliation month: adjustment due now {pounds(s.due_now)}")
    else:
        lines.append(f"Not a reconciliation month; next reconciliation at month "
                     f"{s.next_reconciliation}")
    return "\n".join(lines) + "\n"


def _settlements(s: Schedule) -> list[str]:
    """Every settlement made at a reconciliation month so far: the balance then, what
    earlier reconciliations had settled, and the adjustment (the difference), so the last
    adjustment can be checked from the table alone."""
    if not s.reconciliations:
        return [f"No reconciliation yet; the first is at month {s.next_reconciliation}"]
    lines = [f"{'Reconciliation':<16} {'Balance then':>16} {'Settled before':>16} "
             f"{'Adjustment':>16}"]
    for r in s.reconciliations:
        label = f"{r.month:>2} {MONTH_NAMES[r.month - 1]}"
        lines.append(f"{label:<16} {pounds(r.balance):>16} {pounds(r.balance - r.adjustment):>16}"
                     f" {pounds(r.adjustment):>16}")
    lines.append(f"{'Settled in all':<16} {'':>16} {'':>16} "
                 f"{pounds(sum((r.adjustment for r in s.reconciliations), Fraction(0))):>16}")
    last = s.reconciliations[-1]
    name = "final balancing payment" if last.month == MONTHS else "latest adjustment"
    lines.append(f"(adjustment = balance then - settled before; the {name} is "
                 f"{pounds(last.balance)} - {pounds(last.balance - last.adjustment)} = "
                 f"{pounds(last.adjustment)})")
    return lines
