"""Commands for negotiating a scheme: diff of two drafts, the status view and the
contract schedule (`cquin document`)."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from ..base.diagnostics import CquinError, has_errors
from .app import (
    ESTIMATES_SCENARIOS,
    ESTIMATES_SEED,
    InputError,
    UnreadableFile,
    format_for,
    guarded,
    load_clean_rulebook,
    load_rulebook,
    main,
    print_diagnostics,
    refuse_output_onto_input,
    write_or_echo,
)

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

    from ..api import loads
    from ..syntax.parser import decode

    if os.path.exists(argument) or ":" not in argument:
        return load_clean_rulebook(argument) if clean else load_rulebook(argument)
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

@main.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--data", "measurements", type=click.Path(dir_okay=False),
              help="Measurements (CSV, JSON or a returns workbook): what each draft pays on "
              "them, goal by goal.")
@click.option("--estimates", type=click.Path(dir_okay=False),
              help="Estimates (CSV, as for forecast): each draft's expected earnings and "
              "income at risk, with the same seed.")
@ESTIMATES_SCENARIOS
@ESTIMATES_SEED
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
    from ..tools.diff_report import to_dict, to_markdown, to_text

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
    write_or_echo(text, output)
    if comparison.changed:
        raise click.exceptions.Exit(1)


# ---- cquin document: the CQUIN schedule for the contract ----------------------------

#: The schedule format each `--output` extension means.
DOCUMENT_EXTENSIONS = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "markdown",
                       ".markdown": "markdown"}


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
    from ..reports.status import render_status

    if output:
        refuse_output_onto_input(output, rulebook)
    book = load_rulebook(rulebook)
    write_or_echo(render_status(book.scheme, output_format), output)


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
    chosen = format_for(output, output_format, DOCUMENT_EXTENSIONS, "markdown")
    if chosen == "docx" and output is None:
        raise click.UsageError("a .docx file is binary: give --output FILE.docx")
    book = load_clean_rulebook(rulebook)
    try:
        schedule = book.contract_schedule()
    except CquinError as error:
        print_diagnostics(error.diagnostics, {book.path: book.source.text})
        raise InputError("") from None
    content: str | bytes
    if chosen == "docx":
        # lazy: loaded only when this command runs (start-up time)
        from ..tools.contract_schedule_docx import to_docx

        content = to_docx(schedule)
    else:
        # lazy: loaded only when this command runs (start-up time)
        from ..tools.contract_schedule_render import to_html, to_markdown

        content = to_html(schedule) if chosen == "html" else to_markdown(schedule)
    if output is None:
        assert isinstance(content, str)
        click.echo(content, nl=not content.endswith("\n"))
        return
    # lazy: loaded only when this command runs (start-up time)
    from ..base.files import write_atomically

    try:
        write_atomically(output, content)
    except OSError as error:
        raise UnreadableFile.of("write", output, error) from None
