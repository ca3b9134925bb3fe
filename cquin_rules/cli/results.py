"""Commands that evaluate measurements: eval, explain, schedule, forecast and targets."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..base.diagnostics import CquinError, has_errors
from ..base.manual import page
from .app import (
    AS_OF,
    ESTIMATES_SCENARIOS,
    ESTIMATES_SEED,
    InputError,
    UnreadableFile,
    evaluated,
    format_for,
    guarded,
    load_clean_rulebook,
    main,
    print_diagnostics,
    refuse_output_onto_input,
    write_or_echo,
)


@main.command(name="eval")
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("measurements", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format", "output_format", default=None,
    type=click.Choice(["table", "json", "csv", "markdown", "html"]),
    help=f"table for a terminal, json for tools (see {page('json')}), markdown, csv or html "
    "for people. Default: from the --output file's extension, else table.",
)
@click.option("--output", type=click.Path(dir_okay=False),
              help="Write the report to this file (.html, .md, .csv, .json or .txt).")
@click.option(
    "--strict", is_flag=True, help="A missing measurement is an error, not 'not reported'."
)
@AS_OF
@click.option("--at-risk", "at_risk", is_flag=True,
              help="Add the goals below full payment (as of the month), each with its lead, "
              "the money at risk and what it would take: the board paper's risk section.")
@guarded
def evaluate(
    rulebook: str, measurements: tuple[str, ...], output_format: str | None,
    output: str | None, strict: bool, as_of: int | None, at_risk: bool,
) -> None:
    """Evaluate a rulebook against a year's measurements: the money each goal earns.

    Several MEASUREMENTS files are the quarterly returns in order: a later value for the
    same indicator and period replaces an earlier one.
    """
    # lazy: loaded only when this command runs (start-up time)
    from ..reports import render
    from ..tools.target_report import risk_section

    if output:
        refuse_output_onto_input(output, rulebook, *measurements)
    chosen = format_for(output, output_format)
    book = load_clean_rulebook(rulebook)
    result = evaluated(book, measurements, strict=strict, as_of=as_of)
    risks = None
    if at_risk:
        if chosen == "csv":
            raise click.UsageError("--at-risk adds a section to a report: use the table, "
                                   "markdown, html or json format")
        risks = risk_section(book.targets(list(measurements), as_of=as_of))
    text = render(result, chosen, terminal_width=None if output else _terminal_width(),
                  at_risk=risks)
    write_or_echo(text, output)


def _terminal_width() -> int | None:
    """The terminal's width when stdout is one (the table then wraps to fit), else None
    (piped or redirected: plain, stable text)."""
    # lazy: loaded only when this command runs (start-up time)
    import shutil

    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns

@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("measurements", type=click.Path(dir_okay=False))
@click.option("--month", type=click.IntRange(1, 12), default=12, show_default=True,
              help="Contract month (1 = April); 12 is the year end.")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
    help="table for a terminal, json for tools.",
)
@guarded
def schedule(rulebook: str, measurements: str, month: int, output_format: str) -> None:
    """The payment schedule: money on account, earned to date and the balancing payment."""
    # lazy: loaded only when this command runs (start-up time)
    from pathlib import Path

    from ..tools.schedule import payment_schedule, render_table, schedule_terms

    book = load_clean_rulebook(rulebook)
    on_account, months, found = schedule_terms(book.scheme, Path(book.path).parent, book.path)
    if has_errors(found):
        print_diagnostics(found, {book.path: book.source.text})
        raise InputError("")
    result = evaluated(book, measurements)
    plan = payment_schedule(book.evaluated_scheme(), result, month=month,
                            payment_on_account=on_account, reconcile_months=months)
    if output_format == "json":
        click.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(plan), nl=False)


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("measurements", type=click.Path(dir_okay=False))
@click.argument("name", required=False, metavar="[GOAL[.indicator]]")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    help="text for people, json for tools.",
)
@AS_OF
@guarded
def explain(rulebook: str, measurements: str, name: str | None, output_format: str,
            as_of: int | None) -> None:
    """Why each number is what it is: measurement, matching row, arithmetic, rounding."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from ..api import read_measurements

    book = load_clean_rulebook(rulebook)
    try:
        trace = book.explain(read_measurements(measurements, book), as_of=as_of)
        selected = trace.select(name) if name else None
    except OSError as error:
        raise UnreadableFile.of("read", measurements, error) from None
    except CquinError as error:
        for diagnostic in error.diagnostics:
            if diagnostic.path == "<text>":
                click.echo("cquin explain: " + diagnostic.render().partition(": ")[2],
                           err=True)
            else:
                print_diagnostics([diagnostic], {})
        raise InputError("") from None
    if selected is None:
        document: dict[str, Any] = trace.to_dict()
        text = trace.to_text()
    elif isinstance(selected, list):
        document = {"indicators": [indicator.to_dict() for indicator in selected]}
        text = "".join(
            "\n".join(indicator.lines(qualified=True)) + "\n" for indicator in selected
        )
    else:
        document = {"goals": [selected.to_dict()]}
        text = selected.to_text()
    if output_format == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(text, nl=False)

@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("estimates", type=click.Path(dir_okay=False))
@click.option("--scenarios", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="How many plausible year-ends to sample.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Random seed: the same seed gives the same figures (default: a new one, "
              "printed with the results).")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
    help="table for a terminal, json for tools.",
)
@guarded
def forecast(rulebook: str, estimates: str, scenarios: int, seed: int | None,
             output_format: str) -> None:
    """Forecast the year's CQUIN income from estimates: expected, P10/P50/P90, income at risk."""
    # lazy: loaded only when this command runs (start-up time)
    import secrets
    import time

    from ..base.limits import Limits, exceeded
    from ..base.span import NOWHERE
    from ..semantics.compile import compile_scheme
    from ..tools.forecast import forecast as run_forecast
    from ..tools.forecast import read_estimates

    limits = Limits.from_environment()
    if scenarios > limits.max_scenarios:
        too_many = exceeded("max_scenarios", limits, f"{scenarios:,} scenarios are more than "
                            f"{limits.max_scenarios:,}", NOWHERE)
        raise InputError(f"cquin forecast: {too_many.code} {too_many.message}\n"
                         f"  hint: {too_many.hint}")
    book = load_clean_rulebook(rulebook)
    compiled = compile_scheme(book.evaluated_scheme())
    try:
        found, diagnostics = read_estimates(estimates, compiled)
    except OSError as error:
        raise UnreadableFile.of("read", estimates, error) from None
    if found is None:
        print_diagnostics(diagnostics, {})
        raise InputError("")
    chosen = secrets.randbelow(2**32) if seed is None else seed
    started = time.perf_counter()
    if not sys.stderr.isatty():  # piped: no bar, and rich is never loaded
        outcome = run_forecast(compiled, found, scenarios, chosen)
    else:
        # A bar on stderr, only when the run looks longer than a second (from the first
        # chunk's pace).
        # lazy: rich loads only for a forecast on a terminal (start-up time)
        from ..reports.terminal import progress_callback

        progress, close = progress_callback(
            scenarios, sys.stderr,
            lambda done: (time.perf_counter() - started) / done * scenarios > 1.0)
        try:
            outcome = run_forecast(compiled, found, scenarios, chosen, progress=progress)
        finally:
            close()
    if output_format == "json":
        click.echo(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(outcome.to_table(), nl=False)


#: The targets' format each `--output` extension means.
TARGET_EXTENSIONS = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                     ".json": "json"}


# ---- cquin targets: what it would take, and what is at risk ----------------------------


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("measurements", nargs=-1, required=True, type=click.Path(dir_okay=False))
@AS_OF
@click.option("--at-risk", "at_risk", is_flag=True,
              help="List the goals below full payment (as of the month), with their leads, "
              "the money at risk and the targets, instead of every target.")
@click.option("--estimates", type=click.Path(dir_okay=False), default=None,
              help="An estimates file (as for cquin forecast): goals whose forecast P50 falls "
              "short are at risk too. Implies --at-risk.")
@ESTIMATES_SCENARIOS
@ESTIMATES_SEED
@click.option("--format", "output_format", default=None,
              type=click.Choice(["text", "markdown", "json"]),
              help=f"text for a terminal, markdown for papers, json for tools (see "
              f"{page('json')}). Default: from the --output file's extension, else text.")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Write to this file (.md, .json or .txt).")
@click.option("--goal", "goals", multiple=True, metavar="CODE",
              help="Only this goal (repeat for several).")
@guarded
def targets(rulebook: str, measurements: tuple[str, ...], as_of: int | None, at_risk: bool,
            estimates: str | None, scenarios: int, seed: int, output_format: str | None,
            output: str | None, goals: tuple[str, ...]) -> None:
    """What it would take: each indicator not fully met, its next payment steps, the value
    that reaches each and the money it adds; --at-risk: the goals below full payment."""
    # lazy: loaded only when this command runs (start-up time)
    from ..tools.target_report import render

    if output:
        refuse_output_onto_input(output, rulebook, *measurements,
                                 *([estimates] if estimates else []))
    chosen = format_for(output, output_format, TARGET_EXTENSIONS, "text")
    book = load_clean_rulebook(rulebook)
    try:
        found = book.targets(list(measurements), as_of=as_of, estimates=estimates,
                             scenarios=scenarios, seed=seed)
    except OSError as error:
        raise UnreadableFile.of("read", str(error.filename or measurements[0]), error) from None
    except CquinError as error:
        print_diagnostics(error.diagnostics, {})
        raise InputError("") from None
    if goals:
        unknown = sorted(set(goals) - {goal.code for goal in book.scheme.goals})
        if unknown:
            raise click.BadParameter(f"no goal {', '.join(unknown)} in {rulebook}",
                                     param_hint="--goal")
        found = found.only(goals)
    text = render(found, chosen, at_risk=at_risk or estimates is not None)
    write_or_echo(text, output)
