"""Frameworks (section 8): the national rules for a year, read from `.cquin` files.

A framework is data, not code: the built-in ones are framework files shipped inside the
package, parsed by the same grammar and the same literal rules as rulebooks, so a user's
own framework file gets the same diagnostics. The compliance checks themselves are in
`framework_check.py`; this module holds the model, loading and the `cquin frameworks`
table.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from fractions import Fraction
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from attrs import field, frozen
from lark import Token, v_args
from lark.tree import Meta

from ..base.diagnostics import CquinError, Diagnostic, has_errors
from ..base.span import NOWHERE, Span
from ..semantics.money import pounds
from ..syntax.model import DOMAINS, FinancialYear, Located, Scheme
from ..syntax.transform import ModelBuilder, Statement, meta_span, token_span, unquote

__all__ = [
    "DEFAULT_PAYMENT_ON_ACCOUNT",
    "DEFAULT_RECONCILE_MONTHS",
    "ContractMinimum",
    "CquinLimit",
    "Framework",
    "builtin_frameworks",
    "check_against_framework",
    "check_framework",
    "deemed_under",
    "effective_payment_on_account",
    "effective_reconcile_months",
    "frameworks_table",
    "load_framework",
    "parse_framework",
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
class Framework:
    """One framework file: what it requires of a scheme, each with its statement's span.

    `origin` is where it was read from (a path, or `builtin:NAME`), `source` the citation
    from its `# Source:` comment; neither takes part in equality.
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
    span: Span = field(default=NOWHERE, eq=False, repr=False)


def percent(share: Fraction) -> str:
    """`2.5%` from 1/40: the exact decimal, without trailing zeros."""
    value = share * 100
    for places in range(7):
        scaled = value * 10**places
        if scaled.denominator == 1:
            text = f"{int(scaled):0{places + 1}d}"
            if places:
                text = f"{text[:-places]}.{text[-places:]}"
            return f"{text}%"
    return f"{float(value):.6g}%"  # not reached by anything the grammar can write


# ---- tree to model ----------------------------------------------------------------


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


_SOURCE_LINE = re.compile(r"#\s*Source:\s*(.*)")


def _citation(text: str) -> str | None:
    """The `# Source:` comment and its indented continuation lines, as one line."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        found = _SOURCE_LINE.match(line.strip())
        if not found:
            continue
        parts = [found.group(1).strip()]
        for more in lines[index + 1 :]:
            if not re.match(r"#\s{2,}\S", more.strip()):
                break
            parts.append(more.strip().lstrip("#").strip())
        return " ".join(parts)
    return None


def parse_framework(text: str, path: str = "<text>") -> tuple[Framework | None, list[Diagnostic]]:
    """A framework file's model and every problem in it; None when it has errors."""
    from ..syntax.parser import parse_tree

    tree, diagnostics = parse_tree(text, "framework_file", path)
    if tree is None:
        return None, diagnostics
    builder = _FrameworkBuilder()
    framework = builder.transform(tree)
    assert isinstance(framework, Framework)
    diagnostics += [d.at(path) for d in builder.diagnostics]
    if has_errors(diagnostics):
        return None, diagnostics
    return _with_origin(framework, path, _citation(text)), diagnostics


def _with_origin(framework: Framework, origin: str, source: str | None) -> Framework:
    from attrs import evolve

    return evolve(framework, origin=origin, source=source)


# ---- loading ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _builtins() -> tuple[Framework, ...]:
    folder = files("cquin_rules").joinpath("frameworks").joinpath("builtin")
    found = []
    for resource in folder.iterdir():
        if not resource.name.endswith(".cquin"):
            continue
        text = resource.read_text(encoding="utf-8")
        framework, diagnostics = parse_framework(text, f"builtin_frameworks/{resource.name}")
        if framework is None:
            raise CquinError(diagnostics, text)  # a broken package, not a user's mistake
        found.append(_with_origin(framework, f"builtin:{framework.name}", framework.source))
    return tuple(sorted(found, key=lambda f: f.name))


def builtin_frameworks() -> list[Framework]:
    """The frameworks shipped with the package, sorted by name."""
    return list(_builtins())


def _looks_like_path(ref: str, base_dir: Path | None) -> bool:
    if "/" in ref or os.sep in ref or ref.endswith(".cquin"):
        return True
    return (Path(base_dir) / ref if base_dir else Path(ref)).is_file()


def load_framework(
    ref: str,
    base_dir: Path | None,
    *,
    span: Span | None = None,
    origin: str = "<text>",
    is_path: bool | None = None,
) -> tuple[Framework | None, list[Diagnostic]]:
    """The framework `ref` names: a built-in name, or a framework file (relative paths are
    taken against `base_dir`, or the working directory when it is None).

    An unknown name or an unreadable file is E305 at `span` in the file `origin` (the
    rulebook that named it); problems inside a framework file are reported against that
    file's own path. `is_path` forces the reading of `ref` (a header's `framework "PATH"`
    is always a path, its `framework NAME` always a name); None decides by its shape.
    """
    at = span or NOWHERE
    if is_path is None:
        is_path = _looks_like_path(ref, base_dir)
    if not is_path:
        for framework in _builtins():
            if framework.name == ref:
                return framework, []
        beside = (Path(base_dir) if base_dir else Path()) / f"{ref}.cquin"
        return None, [_unknown(ref, at, origin, beside if beside.is_file() else None)]
    path = Path(ref)
    shown = ref
    if base_dir is not None and not path.is_absolute() and Path(base_dir) != Path("."):
        path = Path(base_dir) / path
        shown = os.fspath(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [
            Diagnostic(
                "E305",
                f"cannot read the framework file {shown}: {reason}",
                at,
                "give a built-in framework's name (see `cquin frameworks`) or the path of a "
                "framework file, relative to the rulebook when named in it",
                origin,
            )
        ]
    from ..syntax.parser import decode

    text, diagnostics = decode(data, shown)
    if text is None:
        return None, diagnostics
    return parse_framework(text, shown)


def _unknown(ref: str, span: Span, origin: str, beside: Path | None) -> Diagnostic:
    names = [f.name for f in _builtins()]
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    if beside is not None:
        hint = f'to use the file {beside.name}, write `framework "{beside.name}"`. '
    hint += "The built-in frameworks are " + ", ".join(names)
    hint += "; or give the path of a framework file"
    return Diagnostic("E305", f"unknown framework `{ref}`", span, hint, origin)


def check_against_framework(
    scheme: Scheme,
    *,
    command_line: str | None = None,
    base_dir: Path | None = None,
    path: str = "<text>",
) -> tuple[Framework | None, list[Diagnostic]]:
    """The whole of `cquin check`'s framework step for one rulebook at `path`.

    The framework named on the command line (relative to the working directory) wins over
    the header's `framework` statement (relative to `base_dir`, the rulebook's folder).
    Returns the framework used (None when there is none or it could not be loaded) and
    every diagnostic, each carrying the path of the file it is about.
    """
    header = scheme.header
    if command_line is not None:
        at = Span(header.span.line, header.span.column, header.span.line, header.span.column + 6)
        framework, found = load_framework(command_line, None, span=at, origin=path)
    elif header.framework is not None:
        reference = header.framework
        framework, found = load_framework(
            reference.name, base_dir, span=reference.span, origin=path,
            is_path=reference.is_path,
        )
    else:
        return None, []
    if framework is not None:
        checked = check_framework(scheme, framework, from_command_line=command_line is not None)
        found += [d.at(path) for d in checked]
    return framework, found


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


def check_framework(
    scheme: Scheme, framework: Framework, *, from_command_line: bool
) -> list[Diagnostic]:
    """Every way `scheme` breaks `framework` (E301–E308) and its warnings (W501, W502).

    Diagnostics carry no path: the caller says which rulebook with `Diagnostic.at`.
    """
    from .compliance import check_framework as check

    return check(scheme, framework, from_command_line=from_command_line)


def deemed_under(scheme: Scheme, framework: Framework | None) -> Scheme:
    """The scheme as it is evaluated: under a framework that says `deemed achieved`, as if
    its own header said so (section 8); a header's own reason is kept."""
    if framework is None or framework.deemed_achieved is None:
        return scheme
    if scheme.header.deemed_achieved is not None:
        return scheme
    from attrs import evolve

    header = evolve(scheme.header, deemed_achieved=framework.deemed_achieved)
    return evolve(scheme, header=header)


# ---- `cquin frameworks` ---------------------------------------------------------


def _limits(framework: Framework) -> str:
    parts = ["deemed achieved"] if framework.deemed_achieved is not None else []
    if framework.goals_at_most is not None:
        parts.append(f"goals <= {framework.goals_at_most.value}")
    if framework.indicators_at_most is not None:
        parts.append(f"indicators <= {framework.indicators_at_most.value}")
    if framework.national_indicators_at_most is not None:
        parts.append(f"national indicators <= {framework.national_indicators_at_most.value}")
    if framework.equal_weights is not None:
        parts.append("equal weights")
    if framework.contract_minimum is not None:
        parts.append(f"contract {framework.contract_minimum.value}")
    if framework.required_domains is not None:
        parts.append("domains " + ", ".join(framework.required_domains.value))
    if framework.warn_all_or_nothing is not None:
        parts.append("warns all-or-nothing")
    if framework.warn_goals_more_than is not None:
        parts.append(f"warns goals > {framework.warn_goals_more_than.value}")
    if framework.warn_indicators_more_than is not None:
        parts.append(f"warns indicators > {framework.warn_indicators_more_than.value}")
    return "; ".join(parts) or "-"


def frameworks_table() -> str:
    """What `cquin frameworks` prints: each built-in framework's key figures, then sources."""
    header = ("name", "year", "cquin value", "national value", "on account", "reconcile", "limits")
    rows = [header]
    for framework in _builtins():
        cquin = framework.cquin_value
        national = framework.national_value
        on_account = framework.payment_on_account
        months = framework.reconcile_months
        rows.append(
            (
                framework.name,
                str(framework.year.value) if framework.year else "-",
                str(cquin.value) if cquin else "-",
                f"{percent(national.value)} of contract" if national else "-",
                percent(on_account.value) if on_account else "-",
                ", ".join(map(str, months.value)) if months else "-",
                _limits(framework),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]
    lines += [
        "",
        "A share `of contract` is taken on the scheme's outturn value when it gives one.",
        "A dash means the framework sets nothing: a scheme's own statement applies, else "
        f"{percent(DEFAULT_PAYMENT_ON_ACCOUNT)} on account, reconciled at months "
        f"{', '.join(map(str, DEFAULT_RECONCILE_MONTHS))}.",
        "",
        "Sources:",
    ]
    lines += [f"  {f.name}: {f.source or 'not cited'}" for f in _builtins()]
    return "\n".join(line.rstrip() for line in lines) + "\n"
