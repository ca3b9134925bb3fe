"""The `table` report on a terminal, and a progress bar for long runs (with `rich`).

On a terminal the table fits the window: long titles and rule sentences wrap inside their
column instead of being cut at 44 characters, statuses are coloured (and still spelt out).
When the output is piped or written to a file, `table.render` gives the plain text that
scripts and tests compare, unchanged; nothing here is used then.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .table import (
    as_of_line,
    measured_words,
    negotiation_text,
    part_percent,
    pounds,
    risk_text,
    scheme_notes,
    scope_of,
    shows_sources,
    source_text,
    to_date_percent,
)

STATUS_STYLES = {
    "met": "green",
    "deemed met": "blue",
    "partially met": "yellow",
    "not met": "red",
    "not reported": "italic",
    "not yet due": "dim",
}


def _status(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def _goal_words(goal: dict[str, Any]) -> Text:
    """The goal's title, its lead and negotiation status; under `--as-of`, its money to
    date below them."""
    words = Text(goal["title"], style="bold")
    people = [f"lead: {goal['lead']}"] if goal.get("lead") else []
    if goal.get("negotiation_status"):
        people.append(f"negotiation status: {negotiation_text(goal)}")
    if people:
        words.append("\n" + " · ".join(people), style="dim")
    to_date = goal.get("to_date")
    if to_date is not None:
        words.append(f"\nto date {pounds(to_date['earned'])} of {pounds(to_date['available'])} "
                     "due so far")
    return words


def _indicator_words(indicator: dict[str, Any], sources: bool) -> Text:
    """`  uptake Frontline staff vaccinated`, then the value (with the return's note and
    where it came from) and the rule in words, each wrapping in the title column."""
    name = indicator["name"]
    if indicator["period"] != "year":
        name += f" {indicator['period']}"
    words = Text("  ")
    words.append(name, style="bold")
    if indicator.get("title"):
        words.append(f" {indicator['title']}")
    words.append(f"\n  measured: {measured_words(indicator)}")
    if indicator.get("note"):
        words.append(f" (note: {indicator['note']})", style="italic")
    found = source_text(indicator)
    if found and sources:
        words.append(f" ({found})", style="dim")
    words.append(f"\n  {indicator.get('rule_sentence') or indicator['rule']}", style="dim")
    return words


def table(document: dict[str, Any]) -> Table:
    """The goals, their indicators and the totals as one rich table."""
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold",
                 expand=True)
    grid.add_column("Goal", no_wrap=True)
    grid.add_column("Title", ratio=1, overflow="fold")
    grid.add_column("Available", justify="right", no_wrap=True)
    grid.add_column("Earned", justify="right", no_wrap=True)
    grid.add_column("Status", no_wrap=True, min_width=13)
    sources = shows_sources(document)
    for goal in document["goals"]:
        grid.add_row(Text(f"{goal['code']}\n{scope_of(goal)}"), _goal_words(goal),
                     pounds(goal["available"]), pounds(goal["earned"]), _status(goal["status"]))
        for indicator in goal["indicators"]:
            grid.add_row("", _indicator_words(indicator, sources), "", "",
                         _status(indicator["status"]))
        grid.rows[-1].end_section = True
    for label, key in (("National", "national"), ("Local", "local")):
        part = document[key]
        grid.add_row("", label, pounds(part["available"]), pounds(part["earned"]),
                     f"{part_percent(part)} earned")
    grid.add_row("", "Total", pounds(document["cquin_value"]), pounds(document["earned"]),
                 f"{document['earned_percent']}% earned", style="bold")
    to_date = document.get("to_date")
    if to_date is not None:
        grid.add_row("", f"To date ({document['as_of']}), due so far",
                     pounds(to_date["available"]), pounds(to_date["earned"]),
                     f"{to_date_percent(to_date)} to date")
    for part in document.get("by_commissioner", []):
        grid.add_row("", part["name"], pounds(part["available"]), pounds(part["earned"]),
                     f"{part_percent(part)} earned")
    return grid


def render(document: dict[str, Any], width: int = 100, colour: bool = True) -> str:
    """The table report for a terminal `width` characters wide (ANSI colours when `colour`)."""
    out = io.StringIO()
    # no_color=None lets rich honour the NO_COLOR environment variable on a terminal.
    console = Console(file=out, width=width, force_terminal=colour,
                      no_color=None if colour else True,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)
    console.print(Text(document["scheme"], style="bold"))
    subtitle = " · ".join(part for part in (document.get("provider"), document.get("year"))
                          if part)
    if subtitle:
        console.print(subtitle)
    as_of = as_of_line(document)
    if as_of:
        console.print(as_of)
    console.print()
    console.print(table(document))
    notes = scheme_notes(document)
    if notes:
        console.print()
        for note in notes:
            console.print(note)
    return out.getvalue() + risk_text(document)


class ProgressBar:
    """A progress bar on `stream` (a terminal) for `total` steps, shown once a run looks
    long; `update(done)` is the callback the forecast calls with the scenarios done."""

    def __init__(self, total: int, stream: TextIO, label: str = "scenarios") -> None:
        self.total = total
        self.progress = Progress(
            TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(file=stream, highlight=False), transient=True,
        )
        self.task = self.progress.add_task(label, total=total)
        self.started = False

    def update(self, done: int) -> None:
        if not self.started:
            self.progress.start()
            self.started = True
        self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.started:
            self.progress.stop()


def progress_callback(total: int, stream: TextIO, looks_long: Callable[[int], bool]
                      ) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A callback for a run of `total` steps that starts a bar on `stream` the first time
    `looks_long(done)` says so (and never when `stream` is not a terminal), and the
    function that closes it."""
    bar: ProgressBar | None = None
    decided = False

    def update(done: int) -> None:
        nonlocal bar, decided
        if not decided:
            decided = True
            if done < total and stream.isatty() and looks_long(done):
                bar = ProgressBar(total, stream)
        if bar is not None:
            bar.update(done)

    def close() -> None:
        if bar is not None:
            bar.close()

    return update, close
