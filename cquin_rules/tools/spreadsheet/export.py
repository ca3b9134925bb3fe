"""Writing the template workbook from a rulebook, with bytes that are the same every time."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ...base.diagnostics import Diagnostic
from ...base.workbooks import load_openpyxl, text_as_strings
from ...semantics.compile import CompiledGoal, CompiledScheme, compile_scheme
from ...syntax.model import (
    Header,
    Scheme,
    ShareOfContract,
)
from .rows import (
    _cannot_say,
    _example_texts,
    goal_rows,
)
from .template import (
    BY_KEY,
    COLUMNS,
    EXAMPLES_SHEET,
    GOALS_SHEET,
    POSITION,
    SCHEME_ROWS,
    SCHEME_SHEET,
    TOTAL_LABEL,
    Cell,
    _stored,
)


def _scheme_cells(header: Header, cquin: Fraction, national: Fraction | None
                  ) -> list[tuple[str, Cell]]:
    rows: list[tuple[str, Cell]] = [("title", Cell(header.title))]
    if header.provider:
        rows.append(("provider", Cell(header.provider.value)))
    rows += [("commissioner", Cell(c.value)) for c in header.commissioners]
    if header.year:
        rows.append(("year", Cell(str(header.year.value))))
    if header.framework:
        key = "framework_file" if header.framework.is_path else "framework"
        rows.append((key, Cell(header.framework.name)))
    if header.contract_value:
        rows.append(("contract", Cell(header.contract_value.value, "money")))
    if header.outturn_value:
        rows.append(("outturn", Cell(header.outturn_value.value, "money")))
    for share_key, pounds_key, amount, exact in (
        ("cquin_share", "cquin_pounds", header.cquin_value, cquin),
        ("national_share", "national_pounds", header.national_value, national),
    ):
        if amount is None:
            continue
        if isinstance(amount.value, ShareOfContract):
            rows.append((share_key, Cell(amount.value.share, "percent")))
        if exact is not None:
            rows.append((pounds_key, Cell(exact, "money")))
    if header.payment_on_account:
        rows.append(("on_account", Cell(header.payment_on_account.value, "percent")))
    if header.reconcile_months:
        rows.append(("reconcile", Cell(", ".join(map(str, header.reconcile_months.value)))))
    if header.deemed_achieved:
        rows.append(("deemed", Cell(header.deemed_achieved.value)))
    return rows


def has_comments(source: str) -> bool:
    """Whether rulebook text holds a `#` comment outside strings."""
    for line in source.splitlines():
        quoted = False
        escaped = False
        for char in line:
            if quoted:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "#":
                return True
    return False


def export_workbook(scheme: Scheme, source: str | None = None) -> tuple[Any, list[Diagnostic]]:
    """The template workbook for `scheme`, and warnings for what the columns cannot hold.

    `source` is the rulebook's text, used only to notice comments (which are not carried).
    """
    openpyxl = load_openpyxl()  # first, and without numpy (see load_openpyxl)
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    warnings: list[Diagnostic] = []
    compiled = compile_scheme(scheme)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = GOALS_SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, column in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=number, value=column.title)
        cell.font = bold
        cell.alignment = wrap
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "C2"
    row_number = 2
    for goal, money in zip(scheme.goals, (g.available for g in compiled.goals), strict=True):
        reasons = _cannot_say(goal)
        if reasons:
            warnings.append(Diagnostic(
                "W701",
                f"goal {goal.code} does not fit the template's columns ({', '.join(reasons)}); "
                f"it is carried whole, nothing lost, as rulebook text in the column "
                f"\"{BY_KEY['rulebook_text'].title}\"",
                goal.span,
                "the other columns of its rows are for reading; edit the rulebook text",
            ))
        for row in goal_rows(goal, money, carried=bool(reasons), cquin=compiled.cquin_value):
            for key, value in row.items():
                stored, number_format = _stored(value)
                if stored is None or stored == "":
                    continue
                cell = sheet.cell(row=row_number, column=POSITION[key], value=stored)
                cell.alignment = wrap
                if number_format:
                    cell.number_format = number_format
            row_number += 1
    _write_totals(sheet, row_number + 1, compiled, bold)
    _write_scheme_sheet(book.create_sheet(SCHEME_SHEET), scheme, compiled.cquin_value,
                        compiled.national_value, bold)
    examples = _example_texts(scheme)
    if examples:
        sheet = book.create_sheet(EXAMPLES_SHEET)
        sheet.cell(row=1, column=1, value="Example (rulebook text)").font = bold
        sheet.column_dimensions["A"].width = 80
        for number, text in enumerate(examples, 2):
            sheet.cell(row=number, column=1, value=text).alignment = wrap
    if source is not None and has_comments(source):
        warnings.append(Diagnostic(
            "W702", "comments in the rulebook are not carried into the spreadsheet",
            scheme.header.span, "keep the rulebook as the master copy, or copy comments by hand",
        ))
    text_as_strings(book)
    return book, warnings


def totals(goals: Sequence[CompiledGoal], commissioners: Sequence[str] = ()
           ) -> list[tuple[str, Fraction]]:
    """The totals rows: national and local subtotals (each when a goal that carries money
    has that scope; a scheme gate carries none), then, when any goal names its commissioner,
    a subtotal per commissioner of the header in its order (a goal naming none counts under
    the first, as in the results' `by_commissioner`), then the total, which is the CQUIN
    value the goals share."""
    paying = [g for g in goals if not g.is_gate]
    rows = [(f"Total {scope}",
             sum((g.available for g in paying if g.scope == scope), Fraction(0)))
            for scope in ("national", "local") if any(g.scope == scope for g in paying)]
    if commissioners and any(g.node.commissioner is not None for g in goals):
        rows += [(f"Total {name}",
                  sum((g.available for g in paying if g.commissioner == name), Fraction(0)))
                 for name in commissioners]
    return [*rows, (TOTAL_LABEL, sum((g.available for g in goals), Fraction(0)))]


def _write_totals(sheet: Any, first: int, compiled: CompiledScheme, bold: Any) -> None:
    """Below the goals, after a blank row: the money column's subtotals and total, as values
    (no formulas), labelled in the goal number column. Import skips these rows."""
    for number, (label, amount) in enumerate(totals(compiled.goals, compiled.commissioners),
                                             first):
        sheet.cell(row=number, column=POSITION["goal_number"], value=label).font = bold
        stored, number_format = _stored(Cell(amount, "money"))
        cell = sheet.cell(row=number, column=POSITION["goal_value"], value=stored)
        cell.font = bold
        if number_format:
            cell.number_format = number_format


def _write_scheme_sheet(sheet: Any, scheme: Scheme, cquin: Fraction,
                        national: Fraction | None, bold: Any) -> None:
    titles = {key: title for key, title, _ in SCHEME_ROWS}
    sheet.cell(row=1, column=1, value="Item").font = bold
    sheet.cell(row=1, column=2, value="Value").font = bold
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 60
    header = scheme.header
    given_national = national if header.national_value is not None else None
    for number, (key, value) in enumerate(_scheme_cells(header, cquin, given_national), 2):
        sheet.cell(row=number, column=1, value=titles[key])
        stored, number_format = _stored(value)
        cell = sheet.cell(row=number, column=2, value=stored)
        if number_format:
            cell.number_format = number_format


#: The time written into a workbook's properties and zip entries, so that the same
#: rulebook always exports to the same bytes (openpyxl would write the current time).
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def workbook_bytes(book: Any) -> bytes:
    """The .xlsx file's bytes, identical for identical workbooks."""
    load_openpyxl()  # first, and without numpy (see load_openpyxl)
    # lazy: openpyxl is heavy and loads only when a workbook is read or written
    from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]

    stream = io.BytesIO()
    book.save(stream)
    fixed = datetime.datetime(*_FIXED_TIME)
    book.properties.created = fixed
    book.properties.modified = fixed
    repacked = io.BytesIO()
    with zipfile.ZipFile(stream) as source, zipfile.ZipFile(
        repacked, "w", zipfile.ZIP_DEFLATED
    ) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = tostring(book.properties.to_tree())
            target.writestr(info, data)
    return repacked.getvalue()
