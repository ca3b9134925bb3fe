"""Commands on rulebooks as text: check (and --for-signature), fmt, test (and
--coverage), examples --boundaries, the built-in frameworks, the manual and the language
server."""

from __future__ import annotations

import json

import click

from ..base.diagnostics import Diagnostic, has_errors, render_all, sort_key
from ..base.manual import page
from .app import (
    InputError,
    UnreadableFile,
    guarded,
    load_clean_rulebook,
    main,
    print_diagnostics,
)


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
    from ..api import diagnose, read_source

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
    from ..base.limits import read_limited

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
    from ..base.manual import MANUAL_BASE, local_copies

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
    from ..frameworks.listing import frameworks_document, frameworks_table

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
    from ..base.files import CannotWrite
    from ..syntax.formatter import format_file

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
        book = load_clean_rulebook(path)
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
@guarded
def lsp() -> None:
    """Start the CQUIN language server (LSP over standard input and output), for editors."""
    # lazy: the language server (and pygls) load only for `cquin lsp`
    from ..lsp import serve

    serve()

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
    from ..semantics.compile import compile_scheme
    from ..tools.boundaries import boundary_text

    book = load_clean_rulebook(rulebook)
    compiled = compile_scheme(book.evaluated_scheme())
    if goal is not None and compiled.goal(goal) is None:
        codes = ", ".join(g.code for g in compiled.goals)
        raise click.UsageError(f"{rulebook} has no goal {goal} (its goals: {codes})")
    click.echo(boundary_text(compiled, goal), nl=False)
