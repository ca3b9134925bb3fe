"""Reports: one result, drawn in the form each reader uses.

Every format renders from `Result.to_dict()` (the JSON document of section 12), so the
numbers in every report are the same strings, already rounded once, and add up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import csv_report, table

Renderer = Callable[[dict[str, Any]], str]


def _markdown(document: dict[str, Any]) -> str:
    # lazy: Jinja2 loads only for the reports drawn from templates (start-up time)
    from . import markdown

    return markdown.render(document)


def _html(document: dict[str, Any]) -> str:
    # lazy: Jinja2 loads only for the reports drawn from templates (start-up time)
    from . import html

    return html.render(document)


FORMATS: dict[str, Renderer] = {
    "table": table.render,
    "markdown": _markdown,
    "csv": csv_report.render,
    "html": _html,
}


def render(result: Any, output_format: str, terminal_width: int | None = None,
           at_risk: dict[str, Any] | None = None) -> str:
    """The result in `output_format`; a `table` for a terminal `terminal_width` characters
    wide is drawn with `rich` (wrapped, coloured), else as plain, stable text. `at_risk`
    (the words of `tools.target_report.risk_section`) adds the goals at risk, with their
    leads and targets, as the document's `at_risk` and a section of every format."""
    document = result.to_dict()
    if at_risk is not None:
        document["at_risk"] = at_risk
    if output_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False)
    if output_format == "table" and terminal_width is not None:
        # lazy: rich loads only when a table is drawn for a terminal (start-up time)
        from . import terminal

        return terminal.render(document, width=terminal_width)
    return FORMATS[output_format](document)
