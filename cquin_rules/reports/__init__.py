"""Reports: one result, drawn in the form each reader uses.

Every format renders from `Result.to_dict()` (the JSON document of section 12), so the
numbers in every report are the same strings, already rounded once, and add up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import csv_report, html, markdown, table

Renderer = Callable[[dict[str, Any]], str]

FORMATS: dict[str, Renderer] = {
    "table": table.render,
    "markdown": markdown.render,
    "csv": csv_report.render,
    "html": html.render,
}


def render(result: Any, output_format: str, terminal_width: int | None = None) -> str:
    """The result in `output_format`; a `table` for a terminal `terminal_width` characters
    wide is drawn with `rich` (wrapped, coloured), else as plain, stable text."""
    if output_format == "json":
        return str(result.to_json())
    if output_format == "table" and terminal_width is not None:
        # lazy: rich loads only when a table is drawn for a terminal (start-up time)
        from . import terminal

        return terminal.render(result.to_dict(), width=terminal_width)
    return FORMATS[output_format](result.to_dict())
