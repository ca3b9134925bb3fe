"""Commands for Excel: the CQUIN template out and back, and the data-return workbook."""

from __future__ import annotations

import click

from ..base.diagnostics import has_errors
from .app import (
    InputError,
    UnreadableFile,
    guarded,
    load_clean_rulebook,
    main,
    print_diagnostics,
    refuse_output_onto_input,
)


@main.command(name="export-xlsx")
@click.argument("rulebook", type=click.Path(dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@guarded
def export_xlsx(rulebook: str, out: str) -> None:
    """Write a rulebook as the NHS CQUIN spreadsheet template (.xlsx)."""
    # lazy: loaded only when this command runs (start-up time)
    from ..base.workbooks import load_openpyxl

    load_openpyxl()  # first, so that openpyxl does not import numpy
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.utils.exceptions import (  # type: ignore[import-untyped]
        IllegalCharacterError,
    )

    from ..base.files import write_atomically
    from ..tools.spreadsheet import export_workbook, workbook_bytes

    refuse_output_onto_input(out, rulebook)
    book = load_clean_rulebook(rulebook)
    try:
        workbook, warnings = export_workbook(book.scheme, book.source.text)
    except IllegalCharacterError as error:
        # lazy: loaded only when this command runs (start-up time)
        from ..syntax.parser import character_name

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
    from ..base.files import write_atomically
    from ..tools.spreadsheet import returns_workbook, workbook_bytes

    book = load_clean_rulebook(rulebook)
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

    from ..base.files import write_atomically
    from ..tools.spreadsheet import import_workbook

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
