"""`cquin frameworks`: the built-in years, their key figures and how sure each one is.

Written for a contracts manager: one row a year with the figures a scheme is held to,
each followed by its grade, (H) or (M); then what each year's file records but does not
check, and where its facts come from. `frameworks_document` is the same as data.
"""

from __future__ import annotations

from typing import Any

from ..syntax import printer
from .framework import (
    DEFAULT_PAYMENT_ON_ACCOUNT,
    DEFAULT_RECONCILE_MONTHS,
    REQUIREMENTS,
    Framework,
    percent,
)
from .loading import builtin_frameworks

__all__ = ["GRADES", "frameworks_document", "frameworks_table", "statement"]

#: What a grade means (the fact sheet's own definitions, docs/frameworks.md).
GRADES = {
    "H": "a primary DH or NHS England text, or two independent secondary sources that agree",
    "M": "one reputable secondary source, or a primary source by clear implication",
}


def statement(framework: Framework, key: str) -> str:
    """The requirement in field `key`, written as the framework file's statement."""
    value = getattr(framework, key).value
    words = dict(REQUIREMENTS)[key]
    if key == "cquin_value":
        return f"cquin value {'at most ' if value.at_most else ''}" \
               f"{printer.percent(value.share)} of contract"
    if key == "national_value":
        return f"national value {printer.percent(value)} of contract"
    if key == "contract_minimum":
        return f"contract value {'at least' if value.inclusive else 'above'} " \
               f"{printer.money(value.amount)}"
    if key == "payment_on_account":
        return f"payment on account {printer.percent(value)}"
    if isinstance(value, bool):
        return words
    if isinstance(value, tuple):
        return f"{words} {', '.join(map(str, value))}"
    return f"{words} {value}"


def _graded(framework: Framework, key: str, text: str) -> str:
    grade = framework.confidence_of(key)
    return f"{text} ({grade.level})" if grade else text


def _figure(framework: Framework, key: str) -> str:
    located = getattr(framework, key)
    if located is None:
        return "-"
    value = located.value
    if key == "cquin_value":
        text = str(value)
    elif key == "national_value":
        text = f"{percent(value)} of contract"
    elif key == "payment_on_account":
        text = percent(value)
    else:
        text = ", ".join(map(str, value))
    return _graded(framework, key, text)


def _rules(framework: Framework) -> str:
    """Every other requirement, in a few words each, with its grade."""
    parts: list[tuple[str, str]] = []
    if framework.goals_at_most is not None:
        parts.append(("goals_at_most", f"goals <= {framework.goals_at_most.value}"))
    if framework.indicators_at_most is not None:
        parts.append(("indicators_at_most", f"indicators <= {framework.indicators_at_most.value}"))
    if framework.national_indicators_at_most is not None:
        parts.append(("national_indicators_at_most",
                      f"national indicators <= {framework.national_indicators_at_most.value}"))
    if framework.equal_weights is not None:
        parts.append(("equal_weights", "equal weights"))
    if framework.contract_minimum is not None:
        parts.append(("contract_minimum", f"contract {framework.contract_minimum.value}"))
    if framework.required_domains is not None:
        parts.append(("required_domains",
                      "domains " + ", ".join(framework.required_domains.value)))
    if framework.warn_all_or_nothing is not None:
        parts.append(("warn_all_or_nothing", "warns all-or-nothing"))
    if framework.warn_goals_more_than is not None:
        parts.append(("warn_goals_more_than",
                      f"warns goals > {framework.warn_goals_more_than.value}"))
    if framework.warn_indicators_more_than is not None:
        parts.append(("warn_indicators_more_than",
                      f"warns indicators > {framework.warn_indicators_more_than.value}"))
    shown = [_graded(framework, key, text) for key, text in parts]
    if deemed_achieved(framework) is not None:
        shown.insert(0, "suspended: every goal deemed met")
    return "; ".join(shown) or "-"


def deemed_achieved(framework: Framework) -> str | None:
    """Why a suspended year's goals are deemed met: its `deemed achieved` statement."""
    return framework.deemed_achieved.value if framework.deemed_achieved is not None else None


def _not_checked(framework: Framework) -> list[str]:
    return [note.text for note in framework.notes if note.kind == "not asserted"]


def frameworks_table() -> str:
    """What `cquin frameworks` prints: each built-in's key figures with their grades, what
    each records but does not check, then its sources."""
    header = ("name", "year", "cquin value", "national value", "on account", "reconcile",
              "other rules")
    rows = [header]
    frameworks = builtin_frameworks()
    for framework in frameworks:
        rows.append((
            framework.name,
            str(framework.year.value) if framework.year else "-",
            _figure(framework, "cquin_value"),
            _figure(framework, "national_value"),
            _figure(framework, "payment_on_account"),
            _figure(framework, "reconcile_months"),
            _rules(framework),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]
    lines += [
        "",
        f"(H) confirmed by {GRADES['H']};",
        f"(M) confirmed by {GRADES['M']}.",
        "A framework checks only facts graded H or M; weaker ones are listed below, unchecked.",
        "A share `of contract` is taken on the scheme's outturn value when it gives one.",
        "A dash means the framework sets nothing: a scheme's own statement applies, else "
        f"{percent(DEFAULT_PAYMENT_ON_ACCOUNT)} on account, reconciled at months "
        f"{', '.join(map(str, DEFAULT_RECONCILE_MONTHS))}.",
    ]
    suspended = [(f.name, reason) for f in frameworks if (reason := deemed_achieved(f))]
    if suspended:
        lines += ["", "Suspended years (every goal deemed met, whatever is measured):"]
        lines += [f"  {name}: {reason}" for name, reason in suspended]
    lines += ["", "Not checked (weaker sources, or rules no framework statement can say):"]
    for framework in frameworks:
        lines += [f"  {framework.name}: {text}" for text in _not_checked(framework)]
    lines += ["", "Sources:"]
    lines += [f"  {f.name}: {f.source or 'not cited'}" for f in frameworks]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def frameworks_document() -> list[dict[str, Any]]:
    """`cquin frameworks --format json`: each built-in, its year and every other
    requirement as its statement, with its grade and source."""
    return [
        {
            "name": framework.name,
            "title": framework.title,
            "year": str(framework.year.value) if framework.year else None,
            "requirements": [
                {
                    "statement": statement(framework, key),
                    "confidence": grade.level if (grade := framework.confidence_of(key))
                    else None,
                    "source": grade.source if grade else None,
                }
                for key in framework.requirements()
                if key != "year"
            ],
            "deemed_achieved": deemed_achieved(framework),
            "not_checked": _not_checked(framework),
            "source": framework.source,
        }
        for framework in builtin_frameworks()
    ]
