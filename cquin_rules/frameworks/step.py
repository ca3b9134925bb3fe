"""`cquin check`'s framework step for one rulebook: choose the framework, load it, hold
the scheme to it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from attrs import evolve

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from ..syntax.model import Scheme

if TYPE_CHECKING:
    from .framework import Framework

__all__ = ["check_against_framework", "deemed_under"]


def check_against_framework(
    scheme: Scheme,
    *,
    command_line: str | None = None,
    base_dir: Path | None = None,
    path: str = "<text>",
) -> tuple[Framework | None, list[Diagnostic]]:
    """The whole of `cquin check`'s framework step for one rulebook at `path`.

    The framework named on the command line (relative to the working directory) wins over
    the header's `framework` statement (relative to `base_dir`, the rulebook's folder).
    Returns the framework used (None when there is none or it could not be loaded) and
    every diagnostic, each carrying the path of the file it is about.
    """
    header = scheme.header
    if command_line is None and header.framework is None:
        return None, []  # most rulebooks: nothing to load (and the loader stays unloaded)
    # lazy: only a rulebook held to a framework needs the loader and the compliance checks
    from .compliance import check_framework
    from .loading import load_framework

    if command_line is not None:
        at = Span(header.span.line, header.span.column, header.span.line, header.span.column + 6)
        framework, found = load_framework(command_line, None, span=at, origin=path)
    elif header.framework is not None:
        reference = header.framework
        framework, found = load_framework(
            reference.name, base_dir, span=reference.span, origin=path,
            is_path=reference.is_path,
        )
    else:
        return None, []
    if framework is not None:
        checked = check_framework(scheme, framework, from_command_line=command_line is not None)
        found += [d.at(path) for d in checked]
    return framework, found


def deemed_under(scheme: Scheme, framework: Framework | None) -> Scheme:
    """The scheme as it is evaluated: under a framework that says `deemed achieved`, as if
    its own header said so; a header's own reason is kept."""
    if framework is None or framework.deemed_achieved is None:
        return scheme
    if scheme.header.deemed_achieved is not None:
        return scheme
    header = evolve(scheme.header, deemed_achieved=framework.deemed_achieved)
    return evolve(scheme, header=header)
