"""The CQUIN language server (`cquin lsp`): the command line's answers, inside an editor.

Diagnostics are `api.diagnose`, the function `cquin check` prints from, so an editor and
the command line never disagree; an edit is checked after a short pause, and only the
latest version of a document is (quick edits of a large rulebook do not queue). Hover,
go-to-definition and completion read the model of the last version of the document that
parsed, so they keep working while a line is half typed; formatting is
`formatter.format_text`, as `cquin fmt` does it.

The language logic is in plain functions of (text, line, character) that return model
data, so it is testable without a client; `build_server` only wires them to pygls.
Lines and characters here are 0-based code points; pygls converts them to the
client's position encoding (UTF-16 by default).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from attrs import frozen

from .base.diagnostics import CquinError, Diagnostic, has_errors
from .base.span import Span
from .semantics.money import percent_text
from .semantics.wording import rule_rows, rule_sentence
from .syntax.model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    PERIOD_NAMES,
    REPORTING_FREQUENCIES,
    Goal,
    Indicator,
    Item,
    Part,
    Scheme,
)

if TYPE_CHECKING:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.workspace import TextDocument

#: Seconds an edited document waits for the next edit before it is checked.
DEBOUNCE_SECONDS = 0.2

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_PERIOD_AFTER = re.compile(r"\s+(Q[1-4]|H[12]|M1[0-2]|M[1-9]|year)\b")
_GOAL_DECLARATION = re.compile(r"^[^\S\n]*goal\s+([A-Za-z][A-Za-z0-9_]*)", re.MULTILINE)
#: The characters of a word or path being typed.
_TYPED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")

#: Words that follow a keyword where the grammar only says NAME.
_NAMED_AFTER: dict[str, tuple[str, ...]] = {
    "domain": DOMAINS,
    "domains": DOMAINS,
    "status": NEGOTIATION_STATUSES,
    "reported": REPORTING_FREQUENCIES,
    "period": PERIOD_NAMES,
}
_AFTER_KEYWORD = re.compile(r"\b(domain|domains|status|reported|period)\s+(?:\w+\s*,\s*)*\Z")
_AFTER_FRAMEWORK = re.compile(r"(?:^|\n)[^\S\n]*framework\s+\Z")
_AFTER_EXPECT = re.compile(r"\bexpect\s+\Z")

#: Offered when the parser cannot say (the text before the cursor does not lex).
_STATIC_KEYWORDS = (
    "scheme goal indicator part period example expect domain weight value combine pay "
    "linear from to when otherwise measure percent number evidence baseline gate "
    "minimum denominator national local source definition exclusions lead rationale "
    "status reported year provider commissioner framework contract cquin outturn deemed "
    "achieved"
)

#: Hover text for the keywords of the scheme-wide shapes.
KEYWORD_HOVER: dict[str, str] = {
    "deemed": (
        '**deemed achieved "reason"** (scheme header or framework): every goal is deemed '
        "met and pays in full, whatever is measured (a suspended year such as 2020/21). "
        "Statuses read *deemed met*; measurements are shown but change no money."
    ),
    "gate": (
        "**gate** on an indicator: unless its attainment is 1, its goal (or part) pays "
        "nothing. On a goal, instead of `weight`/`value`: a *scheme gate* (pre-qualification, "
        "a control total) with no money and no domain needed; unless it is met, no goal of "
        "the scheme pays."
    ),
    "commissioner": (
        '**commissioner "…"** in the header names a party; on a goal, one of the header\'s '
        "commissioners, who funds that goal. Results then give money per commissioner "
        "(goals naming none count under the first)."
    ),
}


# ---- what the cursor is on -----------------------------------------------------------


@frozen
class Target:
    """A goal, or an indicator or part of it, that a word in the document names."""

    goal: Goal
    path: tuple[str, ...] = ()
    period: str | None = None
    item: Item | None = None

    @property
    def name(self) -> str:
        return ".".join((self.goal.code, *self.path))

    @property
    def span(self) -> Span:
        return self.item.span if self.item is not None else self.goal.span


def word_at(line_text: str, character: int) -> tuple[str, int, int, int] | None:
    """The dotted word under the cursor: (word, start, end, which segment the cursor is in)."""
    for match in _WORD.finditer(line_text):
        if match.start() <= character <= match.end():
            segment = line_text[match.start():character].count(".")
            return match.group(), match.start(), match.end(), segment
    return None


def _lines(text: str) -> list[str]:
    return text.split("\n")


def find_target(scheme: Scheme, text: str, line: int, character: int) -> Target | None:
    """What the word at (line, character) names: a goal, part or indicator, or None."""
    lines = _lines(text)
    if not 0 <= line < len(lines):
        return None
    line_text = lines[line]
    found = word_at(line_text, character)
    if found is None:
        return None
    word, _, end, segment = found
    number = line + 1
    goals = {goal.code: goal for goal in scheme.goals}
    declared = _declared_here(scheme, number, word)
    if declared is not None:
        return declared
    parts = word.split(".")
    goal = goals.get(parts[0])
    if goal is None:
        return None
    path = tuple(parts[1 : segment + 1]) if segment else ()
    if not path:
        return Target(goal)
    period_match = _PERIOD_AFTER.match(line_text, end)
    period = period_match.group(1) if period_match else None
    for period_name, items in _item_lists(goal):
        if period is not None and period_name not in (period, "year"):
            continue
        item = _find(items, path)
        if item is not None:
            return Target(goal, path, period_name if goal.periods else None, item)
    return None


def _declared_here(scheme: Scheme, line: int, word: str) -> Target | None:
    """The goal, part or indicator whose declaration on `line` names `word`."""
    for goal in scheme.goals:
        if goal.span.line == line and goal.code == word:
            return Target(goal)
        for period_name, items in _item_lists(goal):
            for path, item in _walk(items):
                if item.span.line == line and item.name == word:
                    return Target(goal, path, period_name if goal.periods else None, item)
    return None


def _item_lists(goal: Goal) -> list[tuple[str, tuple[Item, ...]]]:
    if goal.periods:
        return [(period.name, period.items) for period in goal.periods]
    return [("year", goal.items)]


def _walk(items: tuple[Item, ...], prefix: tuple[str, ...] = ()
          ) -> Iterator[tuple[tuple[str, ...], Item]]:
    for item in items:
        path = (*prefix, item.name)
        yield path, item
        if isinstance(item, Part):
            yield from _walk(item.items, path)


def _find(items: tuple[Item, ...], path: tuple[str, ...]) -> Item | None:
    for item in items:
        if item.name != path[0]:
            continue
        if len(path) == 1:
            return item
        if isinstance(item, Part):
            return _find(item.items, path[1:])
    return None


# ---- hover ---------------------------------------------------------------------------


def hover_markdown(scheme: Scheme, target: Target, clean: bool) -> str:
    """Title, money available (when the scheme checks clean) and the rule in words."""
    goal = target.goal
    item = target.item
    money = _money(scheme, target) if clean else None
    if item is None:
        lines = [f"**goal {goal.code}**: {goal.title}", ""]
        share = (
            f"weight {percent_text(goal.weight.value)}" if goal.weight is not None
            else f"value {_pounds(goal.value.value)}" if goal.value is not None else ""
        )
        domains = ", ".join(goal.domains.value) if goal.domains else ""
        gate = "scheme gate: no money; unless met, no goal pays" if goal.is_gate else ""
        funder = f"commissioner {goal.commissioner.value}" if goal.commissioner else ""
        lines.append(" · ".join(x for x in (goal.scope_kind, domains, share, gate, funder)
                                if x))
        if money is not None:
            lines += ["", f"Available: **{_pounds(money)}**"]
        lines.append("")
        for period, items in _item_lists(goal):
            for path, found in _walk(items):
                if isinstance(found, Indicator):
                    when = f" ({period})" if goal.periods else ""
                    lines.append(f"- `{'.'.join(path)}`{when}: {_rule_summary(found)}")
        return "\n".join(lines)
    kind = "indicator" if isinstance(item, Indicator) else "part"
    title = f": {item.title}" if item.title else ""
    period = f" ({target.period})" if target.period else ""
    lines = [f"**{kind} {target.name}**{period}{title}", ""]
    facts = []
    if isinstance(item, Indicator):
        facts.append(f"measure {item.measure_kind}")
        if item.is_gate:
            facts.append("gate")
    if item.weight is not None:
        facts.append(f"weight {percent_text(item.weight.value)}")
    elif item.value is not None:
        facts.append(f"value {_pounds(item.value.value)}")
    facts.append(f"in goal {goal.code}: {goal.title}")
    lines.append(" · ".join(facts))
    if money is not None:
        lines += ["", f"Available: **{_pounds(money)}**"]
    if isinstance(item, Indicator) and item.pay is not None:
        # lazy: loaded on first use, keeping the server's start-up short
        from .semantics.compile import rule_text

        lines += ["", f"Rule (line {item.pay.span.line}): `{rule_text(item.pay)}`", "",
                  rule_in_words(item)]
    return "\n".join(lines)


def _rule_summary(indicator: Indicator) -> str:
    # lazy: loaded on first use, keeping the server's start-up short
    from .semantics.compile import rule_text

    return f"`{rule_text(indicator.pay)}`" if indicator.pay else "no rule"


def rule_in_words(indicator: Indicator) -> str:
    """The rule as the reports say it (`wording.rule_sentence`), minimum denominator and all."""
    return rule_sentence(rule_rows(indicator))


def _money(scheme: Scheme, target: Target) -> Fraction | None:
    """The goal's available money, or the share of it an item carries."""
    # lazy: loaded on first use, keeping the server's start-up short
    from .semantics.compile import CompiledItem, CompiledPart, compile_scheme

    compiled = compile_scheme(scheme).goal(target.goal.code)
    if compiled is None:
        return None
    if not target.path:
        return compiled.available
    if compiled.periods:
        periods = [p for p in compiled.periods if p.name == target.period]
        if not periods:
            return None
        money = periods[0].share * compiled.available
        items: tuple[CompiledItem, ...] = periods[0].items
    else:
        money, items = compiled.available, compiled.items
    for depth in range(len(target.path)):
        name = target.path[depth]
        found = next((item for item in items if item.path[-1] == name), None)
        if found is None:
            return None
        money *= found.weight
        items = found.items if isinstance(found, CompiledPart) else ()
    return money



def _pounds(value: Fraction) -> str:
    # already loaded with the package, so importing it here costs nothing: kept beside its use
    from .semantics.money import pounds

    return pounds(value)


# ---- completion ----------------------------------------------------------------------


@frozen
class Suggestion:
    """One completion: the word, and what kind of thing it is."""

    label: str
    kind: str  # keyword, goal, indicator, domain, framework, value
    detail: str = ""


def suggestions(text: str, offset: int, scheme: Scheme | None) -> list[Suggestion]:
    """Words that can come at `offset` (a code-point index into `text`)."""
    before = text[:offset]
    start = offset
    while start > 0 and before[start - 1] in _TYPED:
        start -= 1
    word = before[start:]
    head = before[:start]
    if "." in word:
        return _paths_after(word, scheme)
    found: list[Suggestion] = []
    after = _AFTER_KEYWORD.search(head)
    if after:
        kind = "domain" if after.group(1).startswith("domain") else "value"
        return [Suggestion(name, kind) for name in _NAMED_AFTER[after.group(1)]]
    if _AFTER_FRAMEWORK.search(head):
        return _frameworks()
    keywords, names = _keywords_at(text, start)
    found += [Suggestion(keyword, "keyword") for keyword in sorted(keywords)]
    if names and ("expect" in keywords or _AFTER_EXPECT.search(head)):
        codes = [g.code for g in scheme.goals] if scheme else _GOAL_DECLARATION.findall(text)
        titles = {g.code: g.title for g in scheme.goals} if scheme else {}
        found += [Suggestion(code, "goal", titles.get(code, "")) for code in codes]
    return found


def _keywords_at(text: str, offset: int) -> tuple[set[str], bool]:
    """The keywords the grammar accepts at `offset`, and whether a name is accepted there."""
    # lazy: loaded on first use, keeping the server's start-up short
    from .syntax.parser import start_for
    from .syntax.syntax_errors import keywords_at

    source = text.removeprefix("\ufeff")
    shift = len(text) - len(source)
    try:
        return keywords_at(source, max(0, offset - shift), start_for(source))
    except Exception:  # the parser cannot say: offer every keyword
        return set(_STATIC_KEYWORDS.split()), True


def _paths_after(word: str, scheme: Scheme | None) -> list[Suggestion]:
    """After `GOAL.` (or `GOAL.part.`): the names that can come next."""
    if scheme is None:
        return []
    parts = word.split(".")
    goal = next((g for g in scheme.goals if g.code == parts[0]), None)
    if goal is None:
        return []
    prefix = tuple(parts[1:-1])
    seen: dict[str, Suggestion] = {}
    for _, items in _item_lists(goal):
        for path, item in _walk(items):
            if len(path) == len(prefix) + 1 and path[:-1] == prefix:
                kind = "indicator" if isinstance(item, Indicator) else "part"
                seen.setdefault(item.name, Suggestion(item.name, kind, item.title or ""))
    return list(seen.values())


def _frameworks() -> list[Suggestion]:
    # lazy: loaded on first use, keeping the server's start-up short
    from .frameworks.loading import builtin_frameworks

    return [Suggestion(f.name, "framework", f.title) for f in builtin_frameworks()]


# ---- the document, as the server sees it --------------------------------------------


class Analysis:
    """One version of a document: its diagnostics and the model to answer questions with."""

    def __init__(self, text: str, path: str, last_good: Scheme | None = None) -> None:
        # already loaded with the package, so importing it here costs nothing: kept beside its use
        from .api import diagnose, loads

        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = diagnose(text, path)
        self.clean = not has_errors(self.diagnostics)
        try:
            self.scheme: Scheme | None = loads(text, path).scheme
            self.current = True
        except CquinError:
            self.scheme, self.current = last_good, False


def formatted(text: str, path: str) -> str | None:
    """The document as `cquin fmt` writes it; None when it does not parse."""
    # lazy: loaded on first use, keeping the server's start-up short
    from .syntax.formatter import format_text, start_for

    result, _ = format_text(text, path, start=start_for(text))
    if result is not None and "\r\n" in text:
        result = result.replace("\n", "\r\n")
    return result


# ---- the server ----------------------------------------------------------------------


def build_server() -> LanguageServer:
    """A pygls server with every feature wired to the functions above."""
    # lazy: pygls, lsprotocol and asyncio are heavy and wanted only when the server runs
    import asyncio
    from importlib.metadata import PackageNotFoundError, version

    from lsprotocol import types

    from .jsonrpc import QuietProtocol, QuietServer

    try:
        release = version("cquin-rules")
    except PackageNotFoundError:
        release = "0"
    server = QuietServer("cquin", release, protocol_cls=QuietProtocol)
    #: The latest analysis of each open document (only the latest: memory stays flat).
    analyses: dict[str, Analysis] = {}
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
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                diagnostics=[to_lsp(d, document, analysis.path) for d in analysis.diagnostics],
                version=document.version,
            )
        )

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
        check_soon(params.text_document.uri, 0)

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
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    def located(params: types.HoverParams | types.DefinitionParams
                ) -> tuple[TextDocument, Analysis, Target | None, types.Range | None] | None:
        found = analyse(params.text_document.uri)
        if found is None:
            return None
        document, analysis = found
        position = document.position_from_client_units(params.position)
        if analysis.scheme is None:
            return document, analysis, None, None
        target = find_target(analysis.scheme, document.source, position.line, position.character)
        lines = _lines(document.source)
        word = word_at(lines[position.line], position.character) if position.line < len(
            lines) else None
        span = None
        if word is not None:
            span = Span(position.line + 1, word[1] + 1, position.line + 1, word[2] + 1)
        return document, analysis, target, to_range(span, document) if span else None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        found = located(params)
        if found is None:
            return None
        document, analysis, target, word_range = found
        if target is None:
            position = document.position_from_client_units(params.position)
            lines = _lines(document.source)
            word = word_at(lines[position.line], position.character) if position.line < len(
                lines) else None
            if word is None or word[0] not in KEYWORD_HOVER:
                return None
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                             value=KEYWORD_HOVER[word[0]]),
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
        document, _, target, _ = found
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
    """A cquin diagnostic as LSP shows it: 0-based range, severity, code, message and hint.

    One about another file (the framework a rulebook names) is shown on the first line,
    saying where it is.
    """
    # lazy: pygls and lsprotocol are heavy and wanted only when the server runs
    from lsprotocol import types

    message = diagnostic.message
    span = diagnostic.span
    if path is not None and diagnostic.path != path:
        message = f"{diagnostic.path}:{span.line}: {message}"
        span = Span(1, 1, 1, 1)
    if diagnostic.hint:
        message += f"\nhint: {diagnostic.hint}"
    severity = (
        types.DiagnosticSeverity.Warning
        if diagnostic.severity == "warning"
        else types.DiagnosticSeverity.Error
    )
    return types.Diagnostic(
        range=to_range(span, document),
        message=message,
        severity=severity,
        code=diagnostic.code,
        source="cquin",
    )


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


def serve() -> None:
    """Speak LSP over standard input and output until the client says exit or goes away;
    no message, however malformed, stops it (see `jsonrpc`)."""
    # lazy: loaded only when the server runs, keeping `import cquin_rules.lsp` light
    from .base.limits import Limits, exceeded
    from .jsonrpc import run

    try:
        limits = Limits.from_environment()
    except ValueError:
        limits = Limits()
    hint = exceeded("max_message_size", limits, "", Span(1, 0, 1, 0)).hint
    run(build_server(), limits.max_message_size, hint or "")
