"""The `cquin` command: a thin layer over the API that turns outcomes into exit codes.

Exit status: 0 fine (warnings allowed), 1 the input has errors or a test
failed, 2 the command was used wrongly or a file could not be read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from .base.diagnostics import CquinError, Diagnostic, has_errors, render_all, sort_key
from .base.manual import page

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """The input has errors: diagnostics were printed; exit 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        if self.message:
            click.echo(self.message, err=True)


class UnreadableFile(click.ClickException):
    """A file could not be read: exit 2."""

    exit_code = 2

    @classmethod
    def of(cls, doing: str, path: str, error: OSError) -> UnreadableFile:
        """`cannot read PATH: No such file or directory` (`doing` is read or write)."""
        return cls(f"cannot {doing} {path}: {error.strerror or error}")


def _unexpected(error: BaseException) -> NoReturn:
    """A bug reached the top: say so plainly, without a traceback (CQUIN_DEBUG=1 shows it)."""
    if os.environ.get("CQUIN_DEBUG"):
        raise error
    click.echo(
        f"cquin: internal error ({type(error).__name__}: {error}). This is a bug in cquin, "
        "not in your files; please report it with the command you ran.",
        err=True,
    )
    sys.exit(2)


def guarded(command: F) -> F:
    """Let click's own exceptions through; anything else is reported without a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except RecursionError:
            raise InputError("cquin: the input is nested too deeply to read") from None
        except MemoryError:
            raise InputError("cquin: the input is too large to read") from None
        except Exception as error:
            _unexpected(error)

    return run  # type: ignore[return-value]


def refuse_output_onto_input(output: str, *inputs: str) -> None:
    """Exit 2 when `output` is the same file as one of `inputs` (by device and inode, so
    through symlinks, `./` and hard links): writing it would destroy what was read."""
    for given in inputs:
        try:
            same = os.path.samefile(output, given)
        except OSError:
            continue
        if same:
            raise UnreadableFile(f"cannot write {output}: it is also an input ({given}); "
                                 "write the output to another file")


def print_diagnostics(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> None:
    for shown in render_all(sorted(diagnostics, key=sort_key), sources):
        click.echo(shown, err=True)


def _load(path: str) -> Any:
    """Parse a rulebook file; exit 2 if unreadable, 1 (after printing) on syntax errors."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from .api import loads, read_source

    try:
        source, diagnostics = read_source(path)
    except OSError as error:
        raise UnreadableFile.of("read", path, error) from None
    if source is None:
        print_diagnostics(diagnostics, {})
        raise InputError("")
    try:
        return loads(source.text, source.path)
    except CquinError as error:
        print_diagnostics(error.diagnostics, {source.path: source.text})
        raise InputError("") from None


def _load_clean(path: str) -> Any:
    """A rulebook that checks without errors; warnings are shown, errors exit 1."""
    rulebook = _load(path)
    diagnostics = rulebook.check()
    if has_errors(diagnostics):
        print_diagnostics(diagnostics, {rulebook.path: rulebook.source.text})
        raise InputError("")
    return rulebook


def _evaluated(book: Any, measurements: str | tuple[str, ...], *, strict: bool = False,
               as_of: int | None = None) -> Any:
    """The rulebook evaluated against one measurements file, or several returns in order;
    exit 2 if a file is unreadable, 1 (after printing) when one has errors."""
    paths = [measurements] if isinstance(measurements, str) else list(measurements)
    try:
        return book.evaluate(paths, strict=strict, as_of=as_of)
    except OSError as error:
        raise UnreadableFile.of("read", str(error.filename or paths[0]), error) from None
    except CquinError as error:
        print_diagnostics(error.diagnostics, {})
        raise InputError("") from None


def _as_of(context: click.Context, parameter: click.Parameter, value: str | None
           ) -> int | None:
    """`--as-of M6|Q2` as a contract month; a usage error (exit 2) otherwise."""
    # lazy: loaded only when this command runs (start-up time)
    from .semantics.as_of import as_of_month

    if value is None:
        return None
    try:
        return as_of_month(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


AS_OF = click.option(
    "--as-of", "as_of", metavar="M1…M12|Q1…Q4", callback=_as_of,
    help="The year so far: periods ending after this month (M1 is April; Q2 means M6) are "
    "not yet due, and the to-date figures sit beside the year-end ones.",
)

#: The report format each `--output` extension means.
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".json": "json", ".txt": "table"}


def output_format_for(output: str | None, chosen: str | None) -> str:
    """The report format: `--format` when given, else the `--output` file's extension,
    else a table. A `--format` that contradicts the extension is a usage error (exit 2),
    so an `.html` file never holds a table."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from pathlib import Path

    implied = EXTENSIONS.get(Path(output).suffix.lower()) if output else None
    if chosen is None:
        if output and implied is None:
            raise click.UsageError(
                f"cannot tell the report format from {output!r}: give --format, or name "
                "the file .html, .md, .csv, .json or .txt")
        return implied or "table"
    if implied is not None and implied != chosen:
        raise click.UsageError(
            f"--format {chosen} does not match the file name {output!r}, which means "
            f"--format {implied}: change one of them")
    return chosen


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cquin-rules")
def main() -> None:
    """CQUIN rulebooks: check them, evaluate them against measurements, run their examples.

    The manual: `cquin docs` says where it is.
    """
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from .base.limits import Limits

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in (
            "utf-8", "utf8"
        ):
            stream.reconfigure(errors="backslashreplace")

    try:
        Limits.from_environment()
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--framework", metavar="NAME|PATH",
    help="Check against this framework (a built-in name or a file) instead of the header's.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    help=f"text for people, json for tools (see {page('json')}).",
)
@click.option(
    "--for-signature", is_flag=True,
    help="Also report E510 for every goal not yet agreed (status amber, red or blue, or "
    "none) or with no lead: the scheme is ready to sign when this passes.",
)
@guarded
def check(rulebooks: tuple[str, ...], framework: str | None, output_format: str,
          for_signature: bool = False) -> None:
    """Check rulebooks for errors and warnings without evaluating them."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from .api import diagnose, read_source

    found: list[Diagnostic] = []
    sources: dict[str, str | None] = {}
    for path in rulebooks:
        try:
            source, diagnostics = read_source(path)
        except OSError as error:
            raise UnreadableFile.of("read", path, error) from None
        if source is None:
            found += diagnostics
            continue
        sources[source.path] = source.text
        found += diagnose(source.text, source.path, framework, for_signature=for_signature)
    found.sort(key=sort_key)
    if output_format == "json":
        click.echo(json.dumps({"diagnostics": [d.to_dict() for d in found]}, indent=2))
    else:
        for path in {d.path for d in found} - set(sources):
            sources[path] = _text_of(path)
        for shown in render_all(found, sources):
            click.echo(shown)
        errors = sum(d.severity == "error" for d in found)
        warnings = len(found) - errors
        files = "file" if len(rulebooks) == 1 else "files"
        click.echo(
            f"{len(rulebooks)} {files} checked: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}",
            err=True,
        )
    if has_errors(found):
        raise InputError("")


def _text_of(path: str) -> str | None:
    """The text of a file a diagnostic is about (a framework file), for its caret line."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from .base.limits import read_limited

    try:
        data, _ = read_limited(path)  # a regular file only, and bounded
        return None if data is None else data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError):
        return None


@main.command()
@guarded
def docs() -> None:
    """Say where the manual is: its address and any copy on this machine."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from .base.manual import MANUAL_BASE, local_copies

    click.echo(f"The cquin-rules manual: {MANUAL_BASE}index.md in the cquin-rules repository")
    for path in local_copies():
        click.echo(f"On this machine: {path}")
    click.echo("Build the site from a checkout: pip install -e '.[docs]' && mkdocs serve")


@main.command()
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table",
    help="table for a terminal, json for tools.",
)
@guarded
def frameworks(output_format: str) -> None:
    """List the built-in frameworks with their key figures and how sure each one is."""
    # lazy: loaded only when this command runs (start-up time)
    from .frameworks.listing import frameworks_document, frameworks_table

    if output_format == "json":
        click.echo(json.dumps({"frameworks": frameworks_document()}, indent=2,
                              ensure_ascii=False))
    else:
        click.echo(frameworks_table(), nl=False)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file would change."
)
@click.option(
    "--diff", is_flag=True, help="Change nothing; show what would change as a unified diff."
)
@guarded
def fmt(files: tuple[str, ...], check_only: bool, diff: bool) -> None:
    """Rewrite rulebooks and framework files in the canonical layout, keeping every comment."""
    # lazy: loaded only when this command runs (start-up time)
    from .base.files import CannotWrite
    from .syntax.formatter import format_file

    would_change: list[str] = []
    broken = False
    for path in files:
        try:
            outcome = format_file(path, check=check_only, diff=diff)
        except CannotWrite as error:
            raise UnreadableFile.of("write", path, error) from None
        except OSError as error:
            raise UnreadableFile.of("read", path, error) from None
        if outcome.text is None:
            broken = True
            print_diagnostics(outcome.diagnostics, {path: _text_of(path) or ""})
            click.echo(f"{path}: not formatted (it does not parse); left untouched", err=True)
            continue
        if outcome.changed:
            would_change.append(path)
            if diff:
                click.echo(outcome.diff, nl=False)
            elif check_only:
                click.echo(f"{path}: would be reformatted")
            else:
                click.echo(f"{path}: reformatted", err=True)
    if broken or (check_only and would_change):
        raise InputError("")


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
@guarded
def evaluate(
    rulebook: str, measurements: tuple[str, ...], output_format: str | None,
    output: str | None, strict: bool, as_of: int | None,
) -> None:
    """Evaluate a rulebook against a year's measurements: the money each goal earns.

    Several MEASUREMENTS files are the quarterly returns in order: a later value for the
    same indicator and period replaces an earlier one.
    """
    # lazy: loaded only when this command runs (start-up time)
    from .reports import render

    if output:
        refuse_output_onto_input(output, rulebook, *measurements)
    chosen = output_format_for(output, output_format)
    result = _evaluated(_load_clean(rulebook), measurements, strict=strict, as_of=as_of)
    text = render(result, chosen, terminal_width=None if output else _terminal_width())
    if output:
        # lazy: loaded only when this command runs (start-up time)
        from .base.files import write_atomically

        try:
            write_atomically(output, text)
        except OSError as error:
            raise UnreadableFile.of("write", output, error) from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _terminal_width() -> int | None:
    """The terminal's width when stdout is one (the table then wraps to fit), else None
    (piped or redirected: plain, stable text)."""
    # lazy: loaded only when this command runs (start-up time)
    import shutil

    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


@main.command(name="test")
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also say which rows, bands, periods, gates and combine branches the "
              "examples reach, and which they never reach.")
@guarded
def run_tests(rulebooks: tuple[str, ...], show_coverage: bool) -> None:
    """Run the `example` blocks inside rulebooks."""
    failed = 0
    passed = 0
    for path in rulebooks:
        book = _load_clean(path)
        if show_coverage:
            click.echo(book.coverage().to_text(), nl=False)
        for outcome in book.run_examples():
            if outcome.passed:
                passed += 1
                continue
            failed += 1
            click.echo(f"FAIL {path}: example \"{outcome.name}\"")
            for failure in outcome.failures:
                click.echo(f"  {path}:{failure.line}: {failure.expectation}")
                click.echo(f"    expected {failure.expected}")
                click.echo(f"    actual   {failure.actual}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise InputError("")


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

    from .tools.schedule import payment_schedule, render_table, schedule_terms

    book = _load_clean(rulebook)
    on_account, months, found = schedule_terms(book.scheme, Path(book.path).parent, book.path)
    if has_errors(found):
        print_diagnostics(found, {book.path: book.source.text})
        raise InputError("")
    result = _evaluated(book, measurements)
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
    from .api import read_measurements

    book = _load_clean(rulebook)
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
@guarded
def lsp() -> None:
    """Start the CQUIN language server (LSP over standard input and output), for editors."""
    # lazy: the language server (and pygls) load only for `cquin lsp`
    from .lsp import serve

    serve()


@main.command(name="export-xlsx")
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@guarded
def export_xlsx(rulebook: str, out: str) -> None:
    """Write a rulebook as the NHS CQUIN spreadsheet template (.xlsx)."""
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.utils.exceptions import (  # type: ignore[import-untyped]
        IllegalCharacterError,
    )

    from .base.files import write_atomically
    from .tools.spreadsheet import export_workbook, workbook_bytes

    refuse_output_onto_input(out, rulebook)
    book = _load_clean(rulebook)
    try:
        workbook, warnings = export_workbook(book.scheme, book.source.text)
    except IllegalCharacterError as error:
        # lazy: loaded only when this command runs (start-up time)
        from .syntax.parser import character_name

        found = next((c for c in str(error) if ord(c) < 32 and c not in "\t\n\r"), "\x00")
        raise InputError(f"cquin: cannot export {rulebook}: a text in it holds "
                         f"{character_name(found)}, which a spreadsheet cannot store; "
                         "remove it") from None
    print_diagnostics([w.at(book.path) for w in warnings], {book.path: book.source.text})
    try:
        write_atomically(out, workbook_bytes(workbook))
    except OSError as error:
        raise UnreadableFile.of("write", out, error) from None
    click.echo(f"wrote {out}", err=True)


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@guarded
def returns(rulebook: str, out: str) -> None:
    """Write the provider's data-return workbook (.xlsx): a row per indicator and period
    to fill in, read back by `cquin eval RULEBOOK OUT.xlsx`."""
    # lazy: loaded only when this command runs (start-up time)
    from .base.files import write_atomically
    from .tools.spreadsheet import returns_workbook, workbook_bytes

    book = _load_clean(rulebook)
    scheme = book.evaluated_scheme()
    try:
        write_atomically(out, workbook_bytes(returns_workbook(scheme)))
    except OSError as error:
        raise UnreadableFile.of("write", out, error) from None
    if scheme.header.deemed_achieved:
        click.echo(f"the scheme is deemed achieved ({scheme.header.deemed_achieved.value}): "
                   "every goal pays in full whatever is entered, so the return is optional",
                   err=True)
    click.echo(f"wrote {out}", err=True)


@main.command(name="import-xlsx")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@guarded
def import_xlsx(workbook: str, out: str) -> None:
    """Read the CQUIN spreadsheet template back into a rulebook (checked before it is written)."""
    # lazy: loaded only when this command runs (start-up time)
    from pathlib import Path

    from .base.files import write_atomically
    from .tools.spreadsheet import import_workbook

    refuse_output_onto_input(out, workbook)
    try:
        text, found = import_workbook(workbook, base_dir=Path(out).resolve().parent)
    except OSError as error:
        raise UnreadableFile.of("read", workbook, error) from None
    except ValueError as error:
        raise UnreadableFile(str(error)) from None
    print_diagnostics(found, {})
    if text is None or has_errors(found):
        raise InputError("")
    try:
        write_atomically(out, text)
    except OSError as error:
        raise UnreadableFile.of("write", out, error) from None
    click.echo(f"wrote {out}", err=True)


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

    from .base.limits import Limits, exceeded
    from .base.span import NOWHERE
    from .semantics.compile import compile_scheme
    from .tools.forecast import forecast as run_forecast
    from .tools.forecast import read_estimates

    limits = Limits.from_environment()
    if scenarios > limits.max_scenarios:
        too_many = exceeded("max_scenarios", limits, f"{scenarios:,} scenarios are more than "
                            f"{limits.max_scenarios:,}", NOWHERE)
        raise InputError(f"cquin forecast: {too_many.code} {too_many.message}\n"
                         f"  hint: {too_many.hint}")
    book = _load_clean(rulebook)
    compiled = compile_scheme(book.evaluated_scheme())
    try:
        found, diagnostics = read_estimates(estimates, compiled)
    except OSError as error:
        raise UnreadableFile.of("read", estimates, error) from None
    if found is None:
        print_diagnostics(diagnostics, {})
        raise InputError("")
    # lazy: rich loads only for a forecast, never for the other commands (start-up time)
    from .reports.terminal import progress_callback

    chosen = secrets.randbelow(2**32) if seed is None else seed
    started = time.perf_counter()
    # A bar on stderr, only on a terminal and only when the run looks longer than a second
    # (from the first chunk's pace); piped, nothing extra is written.
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
@click.option("--scenarios", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Scenarios for the forecast under --estimates.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Random seed for the forecast under --estimates.")
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
    from .tools.target_report import render

    if output:
        refuse_output_onto_input(output, rulebook, *measurements,
                                 *([estimates] if estimates else []))
    chosen = {"table": "text", "html": None, "csv": None}.get(
        output_format_for(output, output_format), output_format_for(output, output_format))
    if chosen is None:
        raise click.UsageError("cquin targets writes text, markdown or json: name the file "
                               ".txt, .md or .json")
    book = _load_clean(rulebook)
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
    if output:
        # lazy: loaded only when this command runs (start-up time)
        from .base.files import write_atomically

        try:
            write_atomically(output, text)
        except OSError as error:
            raise UnreadableFile.of("write", output, error) from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


# ---- negotiation: diff and status ------------------------------------------------------


class _DiffTrouble(InputError):
    """`cquin diff` could not compare (a draft or the data has errors): exit 2, as `diff`
    does, since 1 means the drafts differ."""

    exit_code = 2


def _load_draft(argument: str, *, clean: bool) -> Any:
    """A draft from a file, or from git when written `REV:path` and no such file exists
    (`git show REV:path`); exit 2 when it cannot be read."""
    # lazy: loaded only when this command runs (start-up time)
    import subprocess

    from .api import loads
    from .syntax.parser import decode

    if os.path.exists(argument) or ":" not in argument:
        return _load_clean(argument) if clean else _load(argument)
    try:
        shown = subprocess.run(["git", "show", argument], capture_output=True, check=False,
                               timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        raise UnreadableFile(f"cannot read {argument}: git could not be run ({error})"
                             ) from None
    if shown.returncode != 0:
        said = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UnreadableFile(f"cannot read {argument}: git show failed"
                             + (f": {said[0]}" if said else ""))
    text, diagnostics = decode(shown.stdout, argument)
    if text is None:
        print_diagnostics(diagnostics, {})
        raise InputError("")
    try:
        book = loads(text, argument)
    except CquinError as error:
        print_diagnostics(error.diagnostics, {argument: text})
        raise InputError("") from None
    if clean and has_errors(book.check()):
        print_diagnostics(book.check(), {argument: text})
        raise InputError("")
    return book


def _write_or_echo(text: str, output: str | None) -> None:
    if output:
        # lazy: loaded only when this command runs (start-up time)
        from .base.files import write_atomically

        try:
            write_atomically(output, text)
        except OSError as error:
            raise UnreadableFile.of("write", output, error) from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


@main.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--data", "measurements", type=click.Path(dir_okay=False),
              help="Measurements (CSV, JSON or a returns workbook): what each draft pays on "
              "them, goal by goal.")
@click.option("--estimates", type=click.Path(dir_okay=False),
              help="Estimates (CSV, as for forecast): each draft's expected earnings and "
              "income at risk, with the same seed.")
@click.option("--scenarios", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="With --estimates: how many year-ends to sample.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --estimates: the random seed, the same for both drafts.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]),
              default="text", help="text for a terminal, markdown for a paper, json for tools.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file.")
@guarded
def diff(old: str, new: str, measurements: str | None, estimates: str | None,
         scenarios: int, seed: int, output_format: str, output: str | None) -> None:
    """What changes from draft OLD to draft NEW: in meaning, and in money on the same data.

    OLD and NEW are files or git revisions written REV:path (HEAD~1:rulebook.cquin).
    Exit status: 0 no change (in money when --data or --estimates is given, else in
    meaning), 1 changed, 2 a draft or a file could not be read or has errors.
    """
    # lazy: loaded only when this command runs (start-up time)
    from .tools.diff_report import to_dict, to_markdown, to_text

    if measurements and estimates:
        raise click.UsageError("give --data or --estimates, not both")
    if output:
        refuse_output_onto_input(output, old, new, *filter(None, (measurements, estimates)))
    with_money = bool(measurements or estimates)
    try:
        before = _load_draft(old, clean=with_money)
        after = _load_draft(new, clean=with_money)
        try:
            comparison = before.diff(after, measurements=measurements, estimates=estimates,
                                     scenarios=scenarios, seed=seed)
        except OSError as error:
            raise UnreadableFile.of("read", str(error.filename or measurements or estimates),
                                    error) from None
        except CquinError as error:
            print_diagnostics(error.diagnostics, {})
            raise InputError("") from None
    except InputError as error:
        raise _DiffTrouble(error.message) from None
    if output_format == "json":
        text = json.dumps(to_dict(comparison), indent=2, ensure_ascii=False) + "\n"
    else:
        text = (to_markdown if output_format == "markdown" else to_text)(comparison)
    _write_or_echo(text, output)
    if comparison.changed:
        raise click.exceptions.Exit(1)


# ---- cquin document: the CQUIN schedule for the contract ----------------------------

#: The schedule format each `--output` extension means.
DOCUMENT_EXTENSIONS = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "markdown",
                       ".markdown": "markdown"}


def document_format_for(output: str | None, chosen: str | None) -> str:
    """`--format` when given, else the `--output` file's extension, else markdown; docx
    needs `--output` (a binary file is never written to a terminal). Usage errors exit 2."""
    # lazy: loaded only when this command runs (start-up time)
    from pathlib import Path

    implied = DOCUMENT_EXTENSIONS.get(Path(output).suffix.lower()) if output else None
    if chosen is None:
        if output and implied is None:
            raise click.UsageError(
                f"cannot tell the format from {output!r}: give --format, or name the file "
                ".docx, .html or .md")
        chosen = implied or "markdown"
    elif implied is not None and implied != chosen:
        raise click.UsageError(
            f"--format {chosen} does not match the file name {output!r}, which means "
            f"--format {implied}: change one of them")
    if chosen == "docx" and output is None:
        raise click.UsageError("a .docx file is binary: give --output FILE.docx")
    return chosen


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "html"]),
              default="text", help="text for a terminal, markdown or html for a paper.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file.")
@guarded
def status(rulebook: str, output_format: str, output: str | None) -> None:
    """The negotiation view: each goal's status colour, lead and money, and money by colour.

    A draft whose money does not yet add up is shown as it stands.
    """
    # lazy: loaded only when this command runs (start-up time)
    from .reports.status import render_status

    if output:
        refuse_output_onto_input(output, rulebook)
    book = _load(rulebook)
    _write_or_echo(render_status(book.scheme, output_format), output)


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", default=None,
              type=click.Choice(["docx", "html", "markdown"]),
              help="docx for Word, html for a browser, markdown. Default: from --output.")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Write the schedule to this file (.docx, .html or .md); needed for docx.")
@guarded
def document(rulebook: str, output_format: str | None, output: str | None) -> None:
    """The CQUIN schedule for the contract: parties, values, goals, rules and payment terms."""
    if output:
        refuse_output_onto_input(output, rulebook)
    chosen = document_format_for(output, output_format)
    book = _load_clean(rulebook)
    try:
        schedule = book.contract_schedule()
    except CquinError as error:
        print_diagnostics(error.diagnostics, {book.path: book.source.text})
        raise InputError("") from None
    content: str | bytes
    if chosen == "docx":
        # lazy: loaded only when this command runs (start-up time)
        from .tools.contract_schedule_docx import to_docx

        content = to_docx(schedule)
    else:
        # lazy: loaded only when this command runs (start-up time)
        from .tools.contract_schedule_render import to_html, to_markdown

        content = to_html(schedule) if chosen == "html" else to_markdown(schedule)
    if output is None:
        assert isinstance(content, str)
        click.echo(content, nl=not content.endswith("\n"))
        return
    # lazy: loaded only when this command runs (start-up time)
    from .base.files import write_atomically

    try:
        write_atomically(output, content)
    except OSError as error:
        raise UnreadableFile.of("write", output, error) from None


# ---- cquin examples --boundaries: examples at every threshold ------------------------


@main.command()
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("goal", required=False)
@click.option("--boundaries", is_flag=True, required=True,
              help="Examples just below, at and just above every threshold.")
@guarded
def examples(rulebook: str, goal: str | None, boundaries: bool) -> None:
    """Write `example` blocks, ready to paste into the rulebook, with the money expected."""
    # lazy: loaded only when this command runs (start-up time)
    from .semantics.compile import compile_scheme
    from .tools.boundaries import boundary_text

    book = _load_clean(rulebook)
    compiled = compile_scheme(book.evaluated_scheme())
    if goal is not None and compiled.goal(goal) is None:
        codes = ", ".join(g.code for g in compiled.goals)
        raise click.UsageError(f"{rulebook} has no goal {goal} (its goals: {codes})")
    click.echo(boundary_text(compiled, goal), nl=False)
