"""The CQUIN language server (`cquin lsp`): the command line's answers, inside an editor.

Diagnostics are `api.diagnose`, the function `cquin check` prints from, so an editor and
the command line never disagree; an edit is checked after a short pause, and only the
latest version of a document is (quick edits of a large rulebook do not queue). Hover,
go-to-definition and completion read the model of the last version of the document that
parsed, so they keep working while a line is half typed; formatting is
`formatter.format_text`, as `cquin fmt` does it.

The language logic is in plain functions of (text, line, character) that return model
data, so it is testable without a client; `build_server` only wires them to pygls, and
`front` answers the first messages (initialize, the first document's diagnostics) before
pygls loads, in the plain JSON of `wire`.
Lines and characters here are 0-based code points; pygls converts them to the
client's position encoding (UTF-16 by default).
"""

from __future__ import annotations

from .answers import (
    KEYWORD_HOVER,
    Analysis,
    Suggestion,
    Target,
    find_target,
    formatted,
    hover_markdown,
    rule_in_words,
    suggestions,
    word_at,
)
from .front import serve
from .server import build_server, to_lsp, to_range

__all__ = [
    "KEYWORD_HOVER", "Analysis", "Suggestion", "Target", "build_server", "find_target",
    "formatted", "hover_markdown", "rule_in_words", "serve", "suggestions", "to_lsp",
    "to_range", "word_at",
]
