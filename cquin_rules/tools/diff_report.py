"""A comparison of two drafts (`diff.py`) as text, markdown or a JSON document.

Money is exact: pounds to the penny, differences signed (`+£5,000.00`, `-£1,250.00`),
totals the sums of the goal lines shown, so a finance officer can add the column up.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..semantics.money import money, pounds
from .diff import Comparison, ForecastComparison, MoneyComparison, OutlookPair


def signed(amount: Fraction) -> str:
    """`+£5,000.00`, `-£1,250.00`, or `£0.00` for no difference."""
    return pounds(amount) if amount <= 0 else "+" + pounds(amount)


def _or_dash(amount: Fraction | None) -> str:
    return "—" if amount is None else pounds(amount)


def _machine(amount: Fraction | None) -> str | None:
    return None if amount is None else money(amount)


def _verdict(comparison: Comparison) -> str:
    if comparison.money is not None:
        return "The money changes." if comparison.money.changed else \
            "The money is the same under both drafts."
    if comparison.forecast is not None:
        return "The forecast changes." if comparison.forecast.changed else \
            "The forecast is the same under both drafts."
    return "The meaning changes." if comparison.changes else \
        "No change of meaning (layout and comments are not compared)."


def _money_rows(money_: MoneyComparison) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [(g.code, _or_dash(g.old_available), _or_dash(g.new_available),
             _or_dash(g.old_earned), _or_dash(g.new_earned), signed(g.difference))
            for g in money_.goals]
    rows.append(("total", pounds(money_.old_available), pounds(money_.new_available),
                 pounds(money_.old_total), pounds(money_.new_total),
                 signed(money_.difference)))
    return rows


MONEY_HEADS = ("goal", "old available", "new available", "old earns", "new earns",
               "difference")
FORECAST_HEADS = ("goal", "old expected", "new expected", "difference", "old at risk",
                  "new at risk")


def _forecast_row(pair: OutlookPair) -> tuple[str, ...]:
    old, new = pair.old, pair.new
    expected = (new.expected if new else Fraction(0)) - (old.expected if old else Fraction(0))
    return (pair.code, _or_dash(old.expected if old else None),
            _or_dash(new.expected if new else None), signed(expected),
            _or_dash(old.at_risk if old else None), _or_dash(new.at_risk if new else None))


def _forecast_rows(forecast: ForecastComparison) -> list[tuple[str, ...]]:
    return [_forecast_row(pair) for pair in (*forecast.goals, forecast.total)]


def _table(heads: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A plain table, the code left-aligned and the money right-aligned, the total ruled
    off."""
    every = [heads, *rows]
    widths = [max(len(row[i]) for row in every) for i in range(len(heads))]
    lines = []
    for index, row in enumerate(every):
        if index == len(every) - 1:
            lines.append("  ".join("-" * w for w in widths))
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(
            row[1:], widths[1:], strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines


def to_text(comparison: Comparison) -> str:
    lines = [f"{comparison.old_name} \u2192 {comparison.new_name}"]
    if comparison.changes:
        lines += ["", "What changed:"]
        lines += [f"  {c.where}: {c.words}" for c in comparison.changes]
    if comparison.money is not None:
        lines += ["", "On the same measurements:", *_table(MONEY_HEADS,
                                                           _money_rows(comparison.money))]
    if comparison.forecast is not None:
        forecast = comparison.forecast
        lines += ["", f"Forecast, {forecast.scenarios:,} scenarios, seed {forecast.seed}, "
                  "the same for both drafts:",
                  *_table(FORECAST_HEADS, _forecast_rows(forecast)),
                  "at risk: available minus P10 (at least 9 scenarios in 10 earn P10)."]
    lines += ["", _verdict(comparison)]
    return "\n".join(lines) + "\n"


def _markdown_table(heads: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(heads) + " |",
             "|---" + "|---:" * (len(heads) - 1) + "|"]
    for index, row in enumerate(rows):
        cells = [_cell(c) for c in row]
        if index == len(rows) - 1:
            cells = [f"**{c}**" for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell (a rulebook's words may hold `|` or `<`)."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace("\n", " "))


def to_markdown(comparison: Comparison) -> str:
    lines = [f"# {_cell(comparison.old_name)} \u2192 {_cell(comparison.new_name)}", ""]
    if comparison.changes:
        lines += ["## What changed", ""]
        lines += [f"- **{_cell(c.where)}** ({c.kind}): {_cell(c.words)}"
                  for c in comparison.changes]
        lines.append("")
    if comparison.money is not None:
        lines += ["## On the same measurements", "",
                  *_markdown_table(MONEY_HEADS, _money_rows(comparison.money)), ""]
    if comparison.forecast is not None:
        forecast = comparison.forecast
        lines += [f"## Forecast ({forecast.scenarios:,} scenarios, seed {forecast.seed})", "",
                  *_markdown_table(FORECAST_HEADS, _forecast_rows(forecast)), ""]
    lines.append(_verdict(comparison))
    return "\n".join(lines) + "\n"


def _outlook(pair: OutlookPair) -> dict[str, Any]:
    return {"code": pair.code,
            "old": None if pair.old is None else pair.old.to_dict(),
            "new": None if pair.new is None else pair.new.to_dict()}


def to_dict(comparison: Comparison) -> dict[str, Any]:
    """The comparison for tools: money as strings with two decimals, differences signed."""
    document: dict[str, Any] = {
        "old": {"path": comparison.old_name, "scheme": comparison.old_title},
        "new": {"path": comparison.new_name, "scheme": comparison.new_title},
        "changed": comparison.changed,
        "changes": [change.to_dict() for change in comparison.changes],
    }
    if comparison.money is not None:
        found = comparison.money
        document["money"] = {
            "goals": [{
                "code": g.code, "title": g.title,
                "old": {"available": _machine(g.old_available), "earned": _machine(g.old_earned),
                        "status": g.old_status},
                "new": {"available": _machine(g.new_available), "earned": _machine(g.new_earned),
                        "status": g.new_status},
                "difference": money(g.difference),
            } for g in found.goals],
            "total": {"old": money(found.old_total), "new": money(found.new_total),
                      "difference": money(found.difference)},
        }
    if comparison.forecast is not None:
        forecast = comparison.forecast
        document["forecast"] = {
            "scenarios": forecast.scenarios, "seed": forecast.seed,
            "goals": [_outlook(pair) for pair in forecast.goals],
            "total": _outlook(forecast.total),
        }
    return document

