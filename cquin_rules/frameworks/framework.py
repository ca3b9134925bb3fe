"""Frameworks (section 8): the model of a year's national rules, read from `.cquin` files.

A framework is data, not code: the built-in ones are framework files shipped inside the
package, parsed by the same grammar and the same literal rules as rulebooks, so a user's
own framework file gets the same diagnostics. This module is the model only; the other
modules of the package read it (`parse`), find it (`loading`), list it (`listing`) and
hold a scheme to it (`compliance`, `step`).
"""

from __future__ import annotations

from fractions import Fraction

from attrs import field, frozen

from ..base.span import NOWHERE, Span
from ..semantics.money import percent_as_written, pounds
from ..syntax.model import FinancialYear, Located, Scheme

__all__ = [
    "DEFAULT_PAYMENT_ON_ACCOUNT",
    "DEFAULT_RECONCILE_MONTHS",
    "REQUIREMENTS",
    "Confidence",
    "ContractMinimum",
    "CquinLimit",
    "Framework",
    "Note",
    "effective_payment_on_account",
    "effective_reconcile_months",
    "percent",
]

#: DH §65: 90% paid on account; DH §66: reconciled at months 6, 9 and 12.
DEFAULT_PAYMENT_ON_ACCOUNT = Fraction(9, 10)
DEFAULT_RECONCILE_MONTHS = (6, 9, 12)


@frozen
class CquinLimit:
    """`cquin value at most P% of contract` (a cap) or `cquin value P% of contract` (exact)."""

    share: Fraction
    at_most: bool

    def __str__(self) -> str:
        return f"{'at most ' if self.at_most else ''}{percent(self.share)} of contract"


@frozen
class ContractMinimum:
    """`contract value at least £X` (inclusive) or `contract value above £X`."""

    amount: Fraction
    inclusive: bool

    def admits(self, contract: Fraction) -> bool:
        return contract >= self.amount if self.inclusive else contract > self.amount

    def __str__(self) -> str:
        amount = pounds(self.amount).removesuffix(".00")
        return f"{'of at least' if self.inclusive else 'above'} {amount}"


@frozen
class Confidence:
    """How sure the sources are of one requirement: `H` or `M` as the fact sheet grades it
    (docs/frameworks.md), and the source, from a `# confidence H: …` comment above it."""

    level: str
    source: str


@frozen
class Note:
    """A fact a framework file records in a comment but does not check.

    `kind` is `not asserted`: a weaker fact, or one no requirement can say.
    """

    kind: str
    text: str


#: Every requirement a framework can set, as its model field and its statement's words.
REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("deemed_achieved", "deemed achieved"),
    ("year", "year"),
    ("cquin_value", "cquin value"),
    ("national_value", "national value"),
    ("contract_minimum", "contract value"),
    ("required_domains", "require domains"),
    ("equal_weights", "require equal weights"),
    ("goals_at_most", "goals at most"),
    ("indicators_at_most", "indicators at most"),
    ("national_indicators_at_most", "national indicators at most"),
    ("payment_on_account", "payment on account"),
    ("reconcile_months", "reconcile at months"),
    ("warn_all_or_nothing", "warn all or nothing"),
    ("warn_goals_more_than", "warn goals more than"),
    ("warn_indicators_more_than", "warn indicators more than"),
)


@frozen
class Framework:
    """One framework file: what it requires of a scheme, each with its statement's span.

    `origin` is where it was read from (a path, or `builtin:NAME`), `source` the citation
    from its `# Source:` comment, `confidence` each requirement's grade by model field,
    `notes` what its comments record but it does not check; none takes part in equality.
    """

    name: str
    title: str
    year: Located[FinancialYear] | None = None
    cquin_value: Located[CquinLimit] | None = None
    national_value: Located[Fraction] | None = None
    contract_minimum: Located[ContractMinimum] | None = None
    required_domains: Located[tuple[str, ...]] | None = None
    equal_weights: Located[bool] | None = None
    goals_at_most: Located[int] | None = None
    indicators_at_most: Located[int] | None = None
    national_indicators_at_most: Located[int] | None = None
    payment_on_account: Located[Fraction] | None = None
    reconcile_months: Located[tuple[int, ...]] | None = None
    warn_all_or_nothing: Located[bool] | None = None
    warn_goals_more_than: Located[int] | None = None
    warn_indicators_more_than: Located[int] | None = None
    deemed_achieved: Located[str] | None = None
    origin: str = field(default="<text>", eq=False)
    source: str | None = field(default=None, eq=False)
    confidence: tuple[tuple[str, Confidence], ...] = field(default=(), eq=False, repr=False)
    notes: tuple[Note, ...] = field(default=(), eq=False, repr=False)
    span: Span = field(default=NOWHERE, eq=False, repr=False)

    def requirements(self) -> list[str]:
        """The model fields of the requirements this framework sets, in statement order."""
        return [key for key, _words in REQUIREMENTS if getattr(self, key) is not None]

    def confidence_of(self, key: str) -> Confidence | None:
        """The grade of the requirement in field `key`, when its file gives one."""
        return next((grade for field_, grade in self.confidence if field_ == key), None)


def percent(share: Fraction) -> str:
    """`2.5%` from 1/40: the exact decimal, without trailing zeros."""
    return percent_as_written(share)


# ---- what a scheme under a framework pays on account -------------------------------


def effective_payment_on_account(scheme: Scheme, framework: Framework | None) -> Fraction:
    """The scheme's own `payment on account`, else its framework's, else 90% (DH §65)."""
    if scheme.header.payment_on_account is not None:
        return scheme.header.payment_on_account.value
    if framework is not None and framework.payment_on_account is not None:
        return framework.payment_on_account.value
    return DEFAULT_PAYMENT_ON_ACCOUNT


def effective_reconcile_months(scheme: Scheme, framework: Framework | None) -> tuple[int, ...]:
    """The scheme's own `reconcile at months`, else its framework's, else 6, 9, 12 (DH §66)."""
    if scheme.header.reconcile_months is not None:
        return scheme.header.reconcile_months.value
    if framework is not None and framework.reconcile_months is not None:
        return framework.reconcile_months.value
    return DEFAULT_RECONCILE_MONTHS
