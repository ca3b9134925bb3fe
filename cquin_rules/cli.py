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

from .base.diagnostics import CquinError, Diagnostic, has_errors, sort_key
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
    for diagnostic in sorted(diagnostics, key=sort_key):
        click.echo(diagnostic.render(sources.get(diagnostic.path)), err=True)


def _load(path: str) -> Any:
    """Parse a rulebook file; exit 2 if unreadable, 1 (after printing) on syntax errors."""
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
@guarded
def check(rulebooks: tuple[str, ...], framework: str | None, output_format: str) -> None:
    """Check rulebooks for errors and warnings without evaluating them."""
    from .api import diagnose, read_source

    found: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for path in rulebooks:
        try:
            source, diagnostics = read_source(path)
        except OSError as error:
            raise UnreadableFile.of("read", path, error) from None
        if source is None:
            found += diagnostics
            continue
        sources[source.path] = source.text
        found += diagnose(source.text, source.path, framework)
    found.sort(key=sort_key)
    if output_format == "json":
        click.echo(json.dumps({"diagnostics": [d.to_dict() for d in found]}, indent=2))
    else:
        for diagnostic in found:
            click.echo(diagnostic.render(sources.get(diagnostic.path) or _text_of(diagnostic.path)))
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
    from .reports import render

    if output:
        refuse_output_onto_input(output, rulebook, *measurements)
    chosen = output_format_for(output, output_format)
    result = _evaluated(_load_clean(rulebook), measurements, strict=strict, as_of=as_of)
    text = render(result, chosen)
    if output:
        from .base.files import write_atomically

        try:
            write_atomically(output, text)
        except OSError as error:
            raise UnreadableFile.of("write", output, error) from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


@main.command(name="test")
@click.argument("rulebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@guarded
def run_tests(rulebooks: tuple[str, ...]) -> None:
    """Run the `example` blocks inside rulebooks."""
    failed = 0
    passed = 0
    for path in rulebooks:
        book = _load_clean(path)
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
    from .lsp import serve

    serve()


@main.command(name="export-xlsx")
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@guarded
def export_xlsx(rulebook: str, out: str) -> None:
    """Write a rulebook as the NHS CQUIN spreadsheet template (.xlsx)."""
    from .base.workbooks import load_openpyxl

    load_openpyxl()  # first, so that openpyxl does not import numpy
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
    chosen = secrets.randbelow(2**32) if seed is None else seed
    started = time.perf_counter()
    bar: Any = None

    def progress(done: int) -> None:
        nonlocal bar
        if bar is None:
            expected = (time.perf_counter() - started) / done * scenarios
            if done < scenarios and expected > 1.0 and sys.stderr.isatty():
                bar = click.progressbar(length=scenarios, label="scenarios", file=sys.stderr)
                bar.__enter__()
                bar.update(done)
        else:
            bar.update(done - bar.pos)

    try:
        outcome = run_forecast(compiled, found, scenarios, chosen, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if output_format == "json":
        click.echo(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(outcome.to_table(), nl=False)
