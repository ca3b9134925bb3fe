"""The `cquin` command group and what every command shares: exit codes, the guard that
turns a bug into one plain line, loading rulebooks, and where a report's format comes from.

Exit status: 0 fine (warnings allowed), 1 the input has errors or a test
failed, 2 the command was used wrongly or a file could not be read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from ..base.diagnostics import CquinError, Diagnostic, has_errors, render_all, sort_key

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


def load_rulebook(path: str) -> Any:
    """Parse a rulebook file; exit 2 if unreadable, 1 (after printing) on syntax errors."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from ..api import loads, read_source

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


def load_clean_rulebook(path: str) -> Any:
    """A rulebook that checks without errors; warnings are shown, errors exit 1."""
    rulebook = load_rulebook(path)
    diagnostics = rulebook.check()
    if has_errors(diagnostics):
        print_diagnostics(diagnostics, {rulebook.path: rulebook.source.text})
        raise InputError("")
    return rulebook


def evaluated(book: Any, measurements: str | tuple[str, ...], *, strict: bool = False,
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
    from ..semantics.as_of import as_of_month

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

#: How `diff` and `targets` sample the year-ends of their `--estimates` (one home for the
#: defaults, so the two cannot drift apart; `forecast` has its own, larger, defaults).
ESTIMATES_SCENARIOS = click.option(
    "--scenarios", type=click.IntRange(min=1), default=10_000, show_default=True,
    help="With --estimates: how many year-ends to sample.")
ESTIMATES_SEED = click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True,
    help="With --estimates: the random seed; the same seed gives the same figures.")

#: The report format each `--output` extension means.
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".json": "json", ".txt": "table"}


def format_for(output: str | None, chosen: str | None,
               extensions: dict[str, str] = EXTENSIONS, default: str = "table") -> str:
    """The format to write: `--format` when given, else the `--output` file's extension
    (by `extensions`), else `default`. An extension that names no format, or a `--format`
    that contradicts it, is a usage error (exit 2), so an `.html` file never holds a table."""
    # already loaded with the CLI, so importing it here costs nothing: kept beside its use
    from pathlib import Path

    implied = extensions.get(Path(output).suffix.lower()) if output else None
    if chosen is None:
        if output and implied is None:
            first: dict[str, str] = {}  # each format's first extension, in order
            for suffix, form in extensions.items():
                first.setdefault(form, suffix)
            *others, last = first.values()
            raise click.UsageError(
                f"cannot tell the format from {output!r}: give --format, or name the file "
                f"{', '.join(others)} or {last}")
        return implied or default
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
    from ..base.limits import Limits

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in (
            "utf-8", "utf8"
        ):
            stream.reconfigure(errors="backslashreplace")

    try:
        Limits.from_environment()
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def write_or_echo(text: str, output: str | None) -> None:
    """The text written to `output` atomically, or echoed to the terminal when none."""
    if output:
        # lazy: loaded only when this command runs (start-up time)
        from ..base.files import write_atomically

        try:
            write_atomically(output, text)
        except OSError as error:
            raise UnreadableFile.of("write", output, error) from None
    else:
        click.echo(text, nl=not text.endswith("\n"))
