"""The server: `build_server` wires the answers to pygls; `front.serve` runs it over
standard input and output through `jsonrpc`, whose framing no client input can stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..base.diagnostics import Diagnostic
from ..base.span import Span

if TYPE_CHECKING:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.workspace import TextDocument

from .answers import (
    DEBOUNCE_SECONDS,
    KEYWORD_HOVER,
    Analysis,
    Target,
    _lines,
    find_target,
    formatted,
    hover_markdown,
    suggestions,
    word_at,
)
from .wire import diagnostic_json, publish_params

# ---- the server ----------------------------------------------------------------------


def build_server(published: dict[str, tuple[Analysis, int]] | None = None) -> LanguageServer:
    """A pygls server with every feature wired to the functions above. `published` holds
    the documents `front` already published, by uri: their analysis and version, which
    their didOpen (handed on by front) does not publish again."""
    # lazy: pygls, lsprotocol and asyncio are heavy and wanted only when the server runs
    import asyncio

    from lsprotocol import types

    from .quiet import QuietProtocol, QuietServer
    from .wire import release

    server = QuietServer("cquin", release(), protocol_cls=QuietProtocol)
    protocol: QuietProtocol = server.protocol  # type: ignore[assignment]
    #: The latest analysis of each open document (only the latest: memory stays flat).
    analyses: dict[str, Analysis] = {uri: known for uri, (known, _) in (published or {}).items()}
    #: The version front published of each document, until its didOpen is seen.
    unseen = {uri: version for uri, (_, version) in (published or {}).items()}
    #: The check waiting to run for each document, replaced by each edit.
    waiting: dict[str, asyncio.TimerHandle] = {}

    def opened(uri: str) -> TextDocument | None:
        """The open document at `uri`; None for any other (never read from disk, where a
        client could name /dev/zero)."""
        found: TextDocument | None = server.workspace.text_documents.get(unquote(uri))
        return found

    def analyse(uri: str) -> tuple[TextDocument, Analysis] | None:
        document = opened(uri)
        if document is None:
            return None
        known = analyses.get(uri)
        if known is None or known.text != document.source:
            last_good = known.scheme if known is not None else None
            known = Analysis(document.source, document.path or uri, last_good)
            analyses[uri] = known
        return document, known

    def publish(uri: str) -> None:
        waiting.pop(uri, None)
        found = analyse(uri)
        if found is None:
            return
        document, analysis = found
        encoding = document.position_codec.encoding
        shown = [diagnostic_json(d, document.lines, encoding, analysis.path)
                 for d in analysis.diagnostics]
        protocol.send_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                           publish_params(uri, shown, document.version))

    def check_soon(uri: str, delay: float) -> None:
        """Check `uri` once `delay` seconds pass with no newer edit: of quick edits only the
        last version is checked. The wait starts after every message already read, so
        edits queued behind a long check replace one another, not queue up."""
        stale = waiting.pop(uri, None)
        if stale is not None:
            stale.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test calling the handler): check now
            publish(uri)
            return
        waiting[uri] = loop.call_later(delay, publish, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        version = unseen.pop(uri, None)
        known = analyses.get(uri)
        if (version is not None and version == params.text_document.version
                and known is not None and known.text == params.text_document.text):
            return  # front published this very version already
        check_soon(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        check_soon(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        check_soon(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        analyses.pop(params.text_document.uri, None)
        stale = waiting.pop(params.text_document.uri, None)
        if stale is not None:
            stale.cancel()
        protocol.send_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                           publish_params(params.text_document.uri, [], None))

    def located(params: types.HoverParams | types.DefinitionParams
                ) -> tuple[TextDocument, Analysis, Target | None, str | None,
                           types.Range | None] | None:
        """What the position points at: the model's target, and the word under it with
        its range (the range only when the rulebook parsed)."""
        found = analyse(params.text_document.uri)
        if found is None:
            return None
        document, analysis = found
        position = document.position_from_client_units(params.position)
        lines = _lines(document.source)
        word = word_at(lines[position.line], position.character) if position.line < len(
            lines) else None
        text = None if word is None else word[0]
        if analysis.scheme is None:
            return document, analysis, None, text, None
        target = find_target(analysis.scheme, document.source, position.line, position.character)
        if word is None:
            return document, analysis, target, None, None
        span = Span(position.line + 1, word[1] + 1, position.line + 1, word[2] + 1)
        return document, analysis, target, text, to_range(span, document)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        found = located(params)
        if found is None:
            return None
        _, analysis, target, word, word_range = found
        if target is None:
            if word is None or word not in KEYWORD_HOVER:
                return None
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                             value=KEYWORD_HOVER[word]),
                range=word_range,
            )
        if analysis.scheme is None:
            return None
        text = hover_markdown(analysis.scheme, target, analysis.clean and analysis.current)
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=word_range,
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> types.Location | None:
        found = located(params)
        if found is None:
            return None
        document, _, target, _, _ = found
        if target is None:
            return None
        return types.Location(uri=params.text_document.uri, range=to_range(target.span, document))

    kinds = {
        "keyword": types.CompletionItemKind.Keyword,
        "goal": types.CompletionItemKind.Module,
        "indicator": types.CompletionItemKind.Field,
        "part": types.CompletionItemKind.Struct,
        "domain": types.CompletionItemKind.EnumMember,
        "value": types.CompletionItemKind.EnumMember,
        "framework": types.CompletionItemKind.Reference,
    }

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["."])
    )
    def completion(params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        document = opened(uri)
        if document is None:
            return types.CompletionList(is_incomplete=False, items=[])
        # The model of the latest check, even of an older version: completion comes while
        # typing, and must not wait for a check of the whole document (seconds at 1 MB).
        known = analyses.get(uri)
        if known is None:
            found = analyse(uri)
            known = found[1] if found is not None else None
        offset = document.offset_at_position(params.position)
        items = [
            types.CompletionItem(label=s.label, kind=kinds[s.kind], detail=s.detail or None)
            for s in suggestions(document.source, offset, known.scheme if known else None)
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        document = opened(params.text_document.uri)
        if document is None:
            return None
        new_text = formatted(document.source, document.path or params.text_document.uri)
        if new_text is None or new_text == document.source:
            return [] if new_text is not None else None
        whole = types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=len(document.lines), character=0),
        )
        return [types.TextEdit(range=whole, new_text=new_text)]

    return server


def to_lsp(diagnostic: Diagnostic, document: Any, path: str | None = None) -> types.Diagnostic:
    """A cquin diagnostic as LSP shows it (`wire.diagnostic_json`, as lsprotocol's type).

    One about another file (the framework a rulebook names) is shown on the first line,
    saying where it is.
    """
    # lazy: pygls and lsprotocol are heavy and wanted only when the server runs
    from lsprotocol import types
    from lsprotocol.converters import get_converter

    shown = diagnostic_json(diagnostic, document.lines, document.position_codec.encoding, path)
    found: types.Diagnostic = get_converter().structure(shown, types.Diagnostic)
    return found


def to_range(span: Span, document: Any) -> types.Range:
    """A span (1-based, end exclusive; column 0 is a whole line) in the client's units."""
    # lazy: pygls and lsprotocol are heavy and wanted only when the server runs
    from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

    lines = document.lines
    last = max(0, len(lines) - 1)

    def position(line: int, column: int) -> ServerTextPosition:
        index = min(max(0, line - 1), last)
        width = len(lines[index].rstrip("\r\n")) if lines else 0
        return ServerTextPosition(index, min(max(0, column - 1), width))

    if span.column == 0:
        start = position(span.line, 1)
        end = position(span.line, 10**9)
    else:
        start = position(span.line, span.column)
        end = position(span.end_line, span.end_column)
        if end < start:
            end = start
    converted: types.Range = document.range_to_client_units(ServerTextRange(start, end))
    return converted
