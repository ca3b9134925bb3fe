"""The Jinja2 environments the HTML and Markdown reports are drawn with, built once.

A report's layout lives in `templates/` (shipped inside the package, found through
`importlib.resources`, so a plain wheel install finds them), not in Python strings, so it
can change without touching the code that works out the numbers.

Nothing can forget to escape:

- HTML: autoescaping is on, and every `{{ … }}` is escaped by `html.escape` (quotes as
  `&quot;`, the same bytes as before the templates), unless the code marks it `Markup`.
- Markdown: HTML autoescaping would be wrong there (a `|` ends a table cell, and `&#34;`
  is noise in a text file), so every `{{ … }}` passes through the Markdown cell escape
  (`markdown_text`) instead; `Markup` is likewise left alone.

`StrictUndefined` makes a misspelt name in a template an error, never an empty string.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from markupsafe import Markup

TEMPLATES = "templates"


class PackageTemplates(BaseLoader):
    """Templates read from this package's `templates/` folder with importlib.resources
    (works from a wheel, a zip or a source checkout alike)."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, Any]:
        found = files(__package__ or "cquin_rules.reports").joinpath(TEMPLATES, template)
        if not found.is_file():
            raise TemplateNotFound(template)
        return found.read_text(encoding="utf-8"), None, lambda: True


def html_text(value: object) -> Markup:
    """Any value as HTML text or a quoted attribute (`Markup` passes as it is)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def markdown_text(value: object) -> Markup:
    """Text safe inside a Markdown table cell or line: a `|` would end the cell, a
    backslash could eat it, and `<`, `>` and `&` would pass HTML through to a renderer
    (GitHub, MkDocs), so they are written as entities and show as themselves."""
    if isinstance(value, Markup):
        return value
    escaped = html.escape(str(value), quote=False)
    return Markup(escaped.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " "))


def _environment(finalize: Any, autoescape: bool) -> Environment:
    return Environment(
        loader=PackageTemplates(),
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def html_environment() -> Environment:
    """The HTML reports' environment (autoescape on), built on first use."""
    return _environment(html_text, autoescape=True)


@cache
def markdown_environment() -> Environment:
    """The Markdown reports' environment (every value through `markdown_text`)."""
    return _environment(markdown_text, autoescape=False)
