"""A measurements file of any kind: CSV or JSON text (measurement_formats.py) or a data-return
workbook (returns_workbook.py), chosen by what the file is."""

from __future__ import annotations

import os

from ..base.diagnostics import Diagnostic
from ..base.limits import Limits, current
from ..semantics.compile import CompiledScheme
from ..syntax.model import Scheme
from .measurements import Measurements, is_workbook, parse_measurements, read_data_file

__all__ = ["read_measurements"]


def _model(scheme: Scheme | CompiledScheme) -> Scheme:
    return scheme if isinstance(scheme, Scheme) else scheme.scheme


def read_measurements(
    path: str | os.PathLike[str], scheme: Scheme | CompiledScheme,
    limits: Limits | None = None,
) -> tuple[Measurements | None, list[Diagnostic]]:
    """Read a CSV or JSON measurements file (JSON when it ends `.json` or starts with `[`),
    or a data-return workbook (.xlsx, see returns_workbook.py). `limits` (file size, rows,
    digits) default to the environment's: see limits.py."""
    name = os.fspath(path)
    chosen = current(limits)
    if is_workbook(name):
        # Imported here: the workbook reader brings openpyxl, which CSV readers never need.
        from .returns_workbook import read_returns

        return read_returns(name, _model(scheme), chosen)
    text, problems = read_data_file(name, chosen,
                                    "save the file as UTF-8 (CSV UTF-8 in a spreadsheet)")
    if text is None:
        return None, problems
    return parse_measurements(text, name, scheme, limits=chosen)
