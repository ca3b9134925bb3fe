"""Text to parse tree to model: the syntax stage, and the only place Lark's errors are seen.

Every problem is returned as a Diagnostic: characters the language forbids (E002, after
which a cleaned copy is still parsed so later mistakes are reported too), and every
syntax error (E001, up to `MAX_SYNTAX_ERRORS`), each phrased from what the parser could
have taken at that point.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator
from difflib import get_close_matches
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lark import PostLex
from lark.lexer import PatternStr
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from ..base.diagnostics import Diagnostic
from ..base.limits import Limits, exceeded, file_size_problem, text_size, tree_problems
from ..base.limits import current as current_limits
from ..base.span import Span
from . import grammar_tables
from .model import Scheme
from .transform import transform

__all__ = ["decode", "get_parser", "parse", "parse_tree"]

BOM = "\ufeff"


class WordsWhole(PostLex):
    """Lets NAME be lexed in every parser state, so a run of letters is read as one word
    before it is classed as a keyword (`weight20%` is one bad word, not `weight` `20%`)."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


def grammar_text() -> str:
    """The text of grammar/cquin.lark: shipped inside the package, or from the source tree."""
    resource = files("cquin_rules").joinpath("grammar").joinpath("cquin.lark")
    if resource.is_file():
        return resource.read_text(encoding="utf-8")
    source_tree = Path(__file__).resolve().parents[2] / "grammar" / "cquin.lark"
    return source_tree.read_text(encoding="utf-8")


#: How the parser is built (the formatter's parser adds to them). The shipped tables record
#: them, and are used only when they match. Not `strict`: strict mode needs `interegular`,
#: a test dependency, and only checks the grammar (no shift/reduce conflict, no two
#: terminals that can match the same text) without changing the tables it builds;
#: tests/test_grammar_tables.py builds it strictly and compares.
OPTIONS: dict[str, object] = {
    "parser": "lalr",
    "lexer": "contextual",
    "strict": False,
    "propagate_positions": True,
    "maybe_placeholders": False,
    "start": ["rulebook", "framework_file"],
}


def build_parser(grammar: str, **extra: object) -> Lark:
    """The parser built from `grammar` with `OPTIONS` and `extra` (the formatter's, or
    `strict=True` in the tests), without the shipped tables (slow)."""
    options: dict[str, object] = {**OPTIONS, **extra}
    return Lark(grammar, postlex=WordsWhole(), **options)


@lru_cache(maxsize=1)
def get_parser() -> Lark:
    """The LALR parser for rulebooks and framework files, made once per process.

    Building the LALR tables from the grammar takes about a quarter of a second, so they
    are shipped ready-built in cquin_rules/grammar_tables.json (plain JSON, see
    grammar_tables.py) and read in a few milliseconds. When they were built from another
    grammar or another Lark the parser is built from the grammar instead; after editing
    the grammar, `python grammar/build_tables.py` regenerates them.
    """
    grammar = grammar_text()
    loaded = grammar_tables.load(grammar, OPTIONS, WordsWhole())
    return loaded if loaded is not None else build_parser(grammar)


# ---- bytes to text -------------------------------------------------------------------


def decode(data: bytes, path: str = "<text>") -> tuple[str | None, list[Diagnostic]]:
    """The text of a file's bytes; None with an E002 when they are not UTF-8.

    A byte order mark is dropped. The byte offset in the message counts from 0.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        diagnostic = Diagnostic(
            "E002",
            f"the file is not UTF-8 text (byte offset {error.start})",
            Span(line, column, line, column + 1),
            "save the file as UTF-8 text",
            path,
        )
        return None, [diagnostic]
    return text.removeprefix(BOM), []


# ---- characters the language forbids (E002) ----------------------------------------

_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\uff07"
_SPACES = "\u00a0\u202f\u2007"
_QUOTE_HINT = 'use a plain double quote (") around text'
#: Each forbidden character: the character parsed in its place, and the hint.
_FORBIDDEN: dict[str, tuple[str, str]] = {
    **{c: ('"', _QUOTE_HINT) for c in _DOUBLE_QUOTES + _SINGLE_QUOTES},
    **{c: (" ", "use a plain space") for c in _SPACES},
    "\x00": (" ", "remove it (the file may have been saved as UTF-16 or as a binary file)"),
}


def character_name(char: str) -> str:
    """`a right double quotation mark (U+201D)`: a character named for a message."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "").lower()
    if not name:
        name = "NUL character" if char == "\x00" else "control character"
    article = "an" if name[0] in "aeiou" else "a"
    return f"{article} {name} ({code})"


#: Any forbidden character: a text without one (nearly every file) needs no closer look.
_ANY_FORBIDDEN = re.compile("[" + re.escape("".join(_FORBIDDEN)) + "]")


def _forbidden_characters(text: str) -> list[int]:
    """Offsets of forbidden characters: NUL anywhere, the others outside strings and
    comments. A string left open on its line and holding a smart double quote was most
    likely meant to end there, so that quote counts as outside."""
    if _ANY_FORBIDDEN.search(text) is None:
        return []
    found: list[int] = []
    length = len(text)
    i = 0
    while i < length:
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            end = length if end < 0 else end
            found.extend(j for j in range(i, end) if text[j] == "\x00")
            i = end
        elif char == '"':
            end, closed = _string_end(text, i)
            if not closed:
                smart = max(text.rfind(quote, i + 1, end) for quote in _DOUBLE_QUOTES)
                if smart > i:
                    found.extend(j for j in range(i + 1, smart) if text[j] == "\x00")
                    found.append(smart)
                    i = smart + 1
                    continue
            found.extend(j for j in range(i + 1, end) if text[j] == "\x00")
            i = end + 1 if closed else end
        else:
            if char in _FORBIDDEN:
                found.append(i)
            i += 1
    return found


def _string_end(text: str, start: int) -> tuple[int, bool]:
    """The offset of the closing quote of the string opened at `start`, or of the end of
    its line when it is not closed."""
    i = start + 1
    while i < len(text) and text[i] != "\n":
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            i += 2
            continue
        if text[i] == '"':
            return i, True
        i += 1
    return i, False


class _Lines:
    """Offsets to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(line, column, end_line, end_column)


def _clean(text: str) -> tuple[str, list[Diagnostic]]:
    offsets = _forbidden_characters(text)
    if not offsets:
        return text, []
    lines = _Lines(text)
    chars = list(text)
    diagnostics = []
    for offset in offsets:
        char = text[offset]
        replacement, hint = _FORBIDDEN[char]
        chars[offset] = replacement
        where = "anywhere in a rulebook" if char == "\x00" else "outside quoted text"
        diagnostics.append(
            Diagnostic(
                "E002",
                f"{character_name(char)} is not allowed {where}",
                lines.span(offset, offset + 1),
                hint,
            )
        )
    return "".join(chars), diagnostics


# ---- syntax errors (E001) -------------------------------------------------------------

#: How a terminal is named in "expected …" (keywords and punctuation are quoted as written).
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a text in double quotes ("…")',
    "PERCENT": "a percentage such as `75%`",
    "NUMBER": "a number",
    "MONEY": "an amount of money such as `£250,000`",
    "YEAR": "a financial year such as `2018/19`",
    "FRACTION": "a fraction such as `140/200`",
    "PP": "percentage points such as `5pp`",
    "COMPARISON": "a comparison (`>=`, `>`, `<=` or `<`)",
    "COMMA": "a comma `,`",
    "LBRACE": "an opening brace `{`",
    "RBRACE": "a closing brace `}`",
    "$END": "the end of the file",
}

#: Expectations with a message of their own: (what the parser could take, words, hint).
_OTHERWISE_HINT = 'add "0% otherwise" as the last row'
_KNOWN_EXPECTATIONS: tuple[tuple[frozenset[str], str, str | None], ...] = (
    (frozenset({"TO"}), "`to` after the first threshold of `linear from`", None),
    (frozenset({"SCHEME"}), 'the scheme header `scheme "title" { … }`', None),
    (
        frozenset({"RBRACE"}),
        "a closing brace `}`: the `otherwise` row must be the last row of a pay table",
        _OTHERWISE_HINT,
    ),
    (
        frozenset({"PERCENT", "LINEAR"}),
        "another row of the pay table (`50% when …`), or the `otherwise` row that ends it",
        _OTHERWISE_HINT,
    ),
    (frozenset({"WHEN", "OTHERWISE"}), "`when` or `otherwise` after the row's payment", None),
)

#: Statement sets summarised by the kind of block they belong to: when the parser could
#: take the marker word, these words are named by the phrase instead of one by one.
_STATEMENT_GROUPS: tuple[tuple[str, str, str], ...] = (
    (
        "provider",
        "a header statement (`provider`, `commissioner`, `year`, `cquin value`, …)",
        "provider commissioner year framework contract outturn cquin national payment reconcile",
    ),
    (
        "domain",
        "a goal statement (`national`, `local`, `domain`, `weight`, `indicator`, …)",
        "national local domain lead rationale status weight value combine indicator part period",
    ),
    (
        "measure",
        "an indicator statement (`measure`, `weight`, `baseline`, `pay`, …)",
        "measure higher lower weight value gate baseline minimum source reported definition"
        " exclusions pay",
    ),
    ("indicator", "`indicator`, `part` or `combine`", "indicator part combine"),
    ("expect", "an example line (`GOAL.indicator = 68%` or `expect …`)", "expect"),
    (
        "require",
        "a framework requirement (`year`, `cquin value`, `require`, `warn`, …)",
        "year cquin national contract require goals indicators payment reconcile warn",
    ),
)


@lru_cache(maxsize=1)
def _keyword_terminals() -> dict[str, str]:
    """Each keyword's terminal name (`weight` → WEIGHT; `year` has an anonymous one)."""
    return {
        terminal.pattern.value: terminal.name
        for terminal in get_parser().terminals
        if isinstance(terminal.pattern, PatternStr) and terminal.pattern.value.isalpha()
    }


#: Characters that are no part of the language, with a hint where one helps.
_CHARACTER_HINTS = {
    "$": "amounts of money are written in pounds, such as `£250,000`",
    ";": "statements are separated by spaces or new lines; no semicolon is needed",
    "'": 'text is written between double quotes ("…")',
    "(": "brackets are not part of the language: a threshold is a literal, `baseline`, "
    "`baseline + A`, `baseline - A` or `baseline * P%`",
    ")": "brackets are not part of the language",
    ":": "a statement is written without a colon, as in `weight 20%`",
}

#: Literal mistakes found from the text around a failure, whatever the parser expected.
#: A number is tried only from the start of its run of digits, so a long run is read once.
_SPACED_NUMBER = re.compile(r"(?<![0-9_])([0-9][0-9_]*(?:\.[0-9][0-9_]*)?)[ \t]+(%|pp\b)")
_SPACED_MONEY = re.compile(r"£[ \t]+[0-9]")
_POINTS = re.compile(r"(?<![0-9_])[0-9][0-9_]*(?:\.[0-9][0-9_]*)?pp\b")


def _terminal_words(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    pattern = get_parser().get_terminal(name).pattern
    if isinstance(pattern, PatternStr):
        return f"`{pattern.value}`"
    return name.lower()


def _keyword(name: str) -> str | None:
    """The word of a keyword terminal (`weight` for WEIGHT), None for other terminals."""
    if name in _TERMINAL_WORDS:
        return None
    pattern = get_parser().get_terminal(name).pattern
    if isinstance(pattern, PatternStr) and pattern.value.isalpha():
        return pattern.value
    return None


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words) or "nothing more"
    return ", ".join(words[:-1]) + " or " + words[-1]


def _expected(accepts: frozenset[str]) -> tuple[str, str | None]:
    """What the parser could have taken, in words, and a hint when the case is known."""
    for terminals, words, hint in _KNOWN_EXPECTATIONS:
        if accepts == terminals:
            return words, hint
    remaining = set(accepts)
    phrases = []
    keywords = _keyword_terminals()
    for marker, phrase, words in _STATEMENT_GROUPS:
        if keywords[marker] in remaining:
            phrases.append(phrase)
            remaining -= {keywords[word] for word in words.split()}
            if marker == "expect":
                remaining.discard("NAME")
    order = list(_TERMINAL_WORDS)
    ordered = sorted(remaining, key=lambda t: (t in order, order.index(t) if t in order else 0, t))
    return _join(phrases + [_terminal_words(t) for t in ordered]), None


#: How a found token is named: "found the percentage `75%`".
_FOUND_WORDS = {
    "STRING": "the text",
    "PERCENT": "the percentage",
    "NUMBER": "the number",
    "MONEY": "the amount",
    "YEAR": "the year",
    "FRACTION": "the fraction",
}


def _found(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type in _FOUND_WORDS:
        return f"{_FOUND_WORDS[token.type]} `{token.value}`"
    return f"`{token.value}`"


def _accepts_before(text: str, start: str, offset: int) -> frozenset[str]:
    """The terminals the parser could take just before `offset`.

    Re-feeding the tokens up to the failure avoids the reductions Lark makes on a merged
    state's look-ahead, which can make the exception's own expected-set wrong.
    """
    interactive = get_parser().parse_interactive(text, start=start)
    tokens: Iterator[Token] = interactive.lexer_thread.lex(  # type: ignore[no-untyped-call]
        interactive.parser_state
    )
    try:
        for token in tokens:
            if token.start_pos is not None and token.start_pos >= offset:
                break
            interactive.feed_token(token)
    except UnexpectedInput:
        pass
    return frozenset(interactive.accepts())  # type: ignore[no-untyped-call]


def keywords_at(text: str, offset: int, start: str = "rulebook") -> tuple[set[str], bool]:
    """The keywords the grammar accepts just before `offset`, and whether a name is
    accepted there: what an editor can offer to complete."""
    accepts = _accepts_before(text, start, offset)
    return _keywords(accepts), "NAME" in accepts


def _keywords(terminals: Iterable[str]) -> set[str]:
    return {word for word in (_keyword(terminal) for terminal in terminals) if word}


def _syntax_error(error: UnexpectedInput, text: str, accepts: frozenset[str]) -> Diagnostic:
    """One E001 for Lark's error: what was expected in words, and what was found.

    `accepts` is what the parser could take just before the failure."""
    lines = _Lines(text)
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        token = error.token
        offset = token.end_pos if token.end_pos is not None else 0
        expected, hint = _expected(accepts)
        at = lines.span(offset, offset)
        return Diagnostic("E001", f"expected {expected}, found the end of the file", at, hint)
    offset = error.pos_in_stream or 0
    expected, hint = _expected(accepts)
    problem = _literal_problem(text, offset)
    if problem is not None:
        begin, end, message, literal_hint = problem
        return Diagnostic("E001", message, lines.span(begin, end), literal_hint)
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(text, offset, lines, expected, hint)
    assert isinstance(error, UnexpectedToken)
    token = error.token
    at = lines.span(offset, offset + max(1, len(token.value)))
    message = f"expected {expected}, found {_found(token)}"
    if token.type == "NAME" or _keyword(token.type) is not None:
        hint = hint or _word_hint(token.value, accepts)
    return Diagnostic("E001", message, at, hint)


def _literal_problem(text: str, offset: int) -> tuple[int, int, str, str | None] | None:
    """A literal split by a space (`62.5 %`, `5 pp`, `£ 250`) or percentage points out of
    place, covering the failure: (start, end, message, hint)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end

    def covering(pattern: re.Pattern[str]) -> re.Match[str] | None:
        for match in pattern.finditer(text, line_start, line_end):
            if match.start() <= offset < match.end():
                return match
        return None

    if match := covering(_SPACED_NUMBER):
        written = match.group(1) + match.group(2)
        message = f"no space is allowed inside a number: write {written}"
        return match.start(), match.end(), message, None
    if match := covering(_SPACED_MONEY):
        message = "no space is allowed inside an amount of money: write it as `£250,000`"
        return match.start(), match.end(), message, None
    if match := covering(_POINTS):
        message = (
            f"percentage points such as `{match.group()}` are only used after "
            "`baseline +` or `baseline -`"
        )
        hint = f"write a percentage such as `{match.group()[:-2]}%`"
        return match.start(), match.end(), message, hint
    return None


def _word_hint(word: str, accepts: Iterable[str]) -> str | None:
    keywords = sorted(_keywords(accepts))
    for keyword in sorted(keywords, key=len, reverse=True):
        if word.startswith(keyword) and len(word) > len(keyword):
            return f"put a space after `{keyword}`"
    close = get_close_matches(word, keywords, n=1)
    return f"did you mean `{close[0]}`?" if close else None


def _unexpected_character(
    text: str, offset: int, lines: _Lines, expected: str, hint: str | None
) -> Diagnostic:
    char = text[offset]
    at = lines.span(offset, offset + 1)
    if char == '"':
        end, closed = _string_end(text, offset)
        if closed:
            return Diagnostic(
                "E001",
                'this text uses an escape other than \\" or \\\\',
                lines.span(offset, end + 1),
                'inside quotes, write \\" for a double quote and \\\\ for a backslash',
            )
        return Diagnostic(
            "E001",
            "this text in quotes is not closed",
            lines.span(offset, end),
            'end it with a double quote (") on the same line',
        )
    if char == "%":
        message = f"a `%` must follow a number directly; expected {expected}"
    elif char == "£":
        message = f"`£` must be followed by digits, as in `£250,000`; expected {expected}"
    else:
        code = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "").lower()
        shown = f"`{char}` ({name}, {code})" if char.isprintable() and name else code
        message = f"the character {shown} is not part of the language; expected {expected}"
    return Diagnostic("E001", message, at, _CHARACTER_HINTS.get(char, hint))


# ---- reading on after a syntax error -------------------------------------------------

#: Syntax errors listed one by one; any beyond are counted in one more E001.
MAX_SYNTAX_ERRORS = 20

#: How many parser states recovery drops at most to fit the token it starts again on, so
#: a deeply nested file with many mistakes still takes linear time.
_MAX_POPPED = 256

#: The parse table: each state's actions, by terminal or rule name.
_States = dict[int, dict[str, tuple[object, object]]]


class _Probe:
    """The parser's state stack as it would be after more tokens, worked out on state
    numbers alone (Lark's own step, ParserState.feed_token), so nothing is changed or
    copied however deep the stack is. It starts from the stack cut to `depth` states."""

    def __init__(self, conf: ParseConf[int], stack: list[int], depth: int) -> None:
        self.states: _States = conf.states
        self.end = conf.end_state
        self.stack = stack
        self.kept = depth
        self.pushed: list[int] = []

    def _top(self) -> int:
        return self.pushed[-1] if self.pushed else self.stack[self.kept - 1]

    def take(self, terminal: str) -> bool:
        """Whether a token of type `terminal` is shifted (at `$END`, ends the parse)."""
        while True:
            action = self.states[self._top()].get(terminal)
            if action is None:
                return False
            kind, arg = action
            if kind is Shift:
                assert isinstance(arg, int)
                self.pushed.append(arg)
                return True
            size = len(arg.expansion)  # type: ignore[attr-defined]
            from_pushed = min(size, len(self.pushed))
            del self.pushed[len(self.pushed) - from_pushed:]
            self.kept -= size - from_pushed
            _, goto = self.states[self._top()][arg.origin.name]  # type: ignore[attr-defined]
            assert isinstance(goto, int)
            self.pushed.append(goto)
            if terminal == "$END" and goto == self.end:
                return True


class _Recovery:
    """Reads a text with syntax errors to its end, reporting each error once.

    At an error the parser first tries the repairs a typist's slip most often needs: the
    token is one too many (the next one fits without it), or one token is missing before
    it (a `{`, a `to`, a name), or a `}` closes a block that cannot end there (a pay table
    without its `otherwise` row). Failing those, tokens are skipped up to the first token
    of a later line, or a `}` closing no block opened among the skipped tokens, where the
    parser drops the fewest open states it must, back to the start of a statement, to take
    that token. Errors on the line of the previous one are not reported: they are most
    often the same mistake seen again. So one typo gives one E001.
    """

    def __init__(self, text: str, start: str) -> None:
        self.text = text
        self.lines = _Lines(text)
        self.interactive = get_parser().parse_interactive(text, start=start)
        self.state: ParserState[int] = self.interactive.parser_state
        self.found: list[Diagnostic] = []
        self.hidden = 0
        self.first_hidden = Span(1, 1, 1, 1)
        self.mode = "reading"
        self.unfit: Token | None = None
        self.opened = 0
        self.error_line = 0
        self.settled = True
        self.last: Token | None = None

    def errors(self) -> list[Diagnostic]:
        """Every syntax error, the ones past `MAX_SYNTAX_ERRORS` counted in a last E001."""
        lexer = self.interactive.lexer_thread
        while True:
            try:
                for token in lexer.lex(self.state):  # type: ignore[no-untyped-call]
                    self._take(token)
                break
            except UnexpectedToken as error:
                self._take(error.token)
            except UnexpectedCharacters as error:
                offset = error.pos_in_stream or 0
                if self.mode == "reading":
                    self._error(error, offset, None)
                assert lexer.state is not None
                lexer.state.line_ctr.feed(self.text[offset])
        self._end()
        if self.hidden:
            errors = "error" if self.hidden == 1 else "errors"
            self.found.append(Diagnostic(
                "E001", f"and {self.hidden} more syntax {errors} not shown", self.first_hidden,
                "correct the syntax errors above, then check again",
            ))
        return self.found

    # ---- the parser's state

    def _probe(self, depth: int | None = None) -> _Probe:
        stack = self.state.state_stack
        return _Probe(self.state.parse_conf, stack, len(stack) if depth is None else depth)

    def _feed(self, token: Token, terminal: str, depth: int | None = None) -> None:
        """Feeds `token` read as `terminal`, the stack first cut to `depth` states."""
        if depth is not None:
            del self.state.state_stack[depth:]
            del self.state.value_stack[depth - 1:]
        read = token if terminal == token.type else Token.new_borrow_pos(
            terminal, token.value, token)
        self.state.feed_token(read)

    def _statement_start(self, depth: int) -> bool:
        """Whether the state `depth` deep is between statements: the start, just after a
        `{`, or where the block or the file could end."""
        if depth == 1:
            return True
        value = self.state.value_stack[depth - 2]
        if isinstance(value, Token) and value.type == "LBRACE":
            return True
        return self._probe(depth).take("RBRACE") or self._probe(depth).take("$END")

    def _between_statements(self) -> bool:
        """Whether the token just shifted starts a statement, a block or the end: the
        state under it can take a `}` or the end of the file."""
        return self._statement_start(len(self.state.state_stack) - 1)

    def _lowest(self) -> int:
        return max(1, len(self.state.state_stack) - _MAX_POPPED)

    # ---- tokens

    def _take(self, token: Token) -> None:
        first_on_line = self.last is None or token.line != self.last.line
        self.last = token
        if self.mode == "reading":
            if self._probe().take(token.type):
                self.state.feed_token(token)
                self.settled = self.settled or self._between_statements()
            else:
                self._error(_unexpected(token), token.start_pos or 0, token)
        elif self.mode == "repairing":
            self._repair(token, first_on_line)
        else:
            self._skip(token, first_on_line)

    def _repair(self, token: Token, first_on_line: bool) -> None:
        """The token after an error: fits after one missing token (a `{`, a name, a number;
        never a keyword, which could open a statement nobody wrote), or without the token
        that did not fit, or the `}` that did not fit ends its block; else skipping starts."""
        unfit = self.unfit
        self.mode = "reading"
        if unfit is not None and self._insert(unfit, token):
            return
        for terminal in _readings(token):
            if self._probe().take(terminal):
                self._feed(token, terminal)
                return
        if unfit is not None and unfit.type == "RBRACE" and self._close(unfit):
            self._take_again(token, first_on_line)
            return
        self.mode = "skipping"
        self.opened = 1 if unfit is not None and unfit.type == "LBRACE" else 0
        self._skip(token, first_on_line)

    def _insert(self, unfit: Token, token: Token) -> bool:
        accepts = _accepts(self.state.parse_conf, self.state.state_stack)
        for missing in sorted(accepts - {"$END"}):
            if _keyword(missing) is not None:
                continue
            for as_unfit in _readings(unfit):
                for terminal in _readings(token):
                    probe = self._probe()
                    if probe.take(missing) and probe.take(as_unfit) and probe.take(terminal):
                        self._feed(Token.new_borrow_pos(missing, "", unfit), missing)
                        self._feed(unfit, as_unfit)
                        self._feed(token, terminal)
                        return True
        return False

    def _take_again(self, token: Token, first_on_line: bool) -> None:
        for terminal in _readings(token):
            if self._probe().take(terminal):
                self._feed(token, terminal)
                return
        self.mode = "skipping"
        self.opened = 0
        self._skip(token, first_on_line)

    def _skip(self, token: Token, first_on_line: bool) -> None:
        restart = self.opened == 0 and (
            token.type == "RBRACE"
            or (first_on_line and token.line is not None and token.line > self.error_line)
        )
        if restart and (self._close(token) if token.type == "RBRACE" else self._restart(token)):
            self.mode = "reading"
            self.settled = True
        elif restart and _readings(token) == ["NAME"]:
            self._misplaced(token)
        elif token.type == "LBRACE":
            self.opened += 1
        elif token.type == "RBRACE" and self.opened:
            self.opened -= 1

    def _restart(self, token: Token) -> bool:
        """Starts again at `token`, dropping the fewest states back to the start of a
        statement; False if no such state takes it."""
        for terminal in _readings(token):
            for depth in range(len(self.state.state_stack), self._lowest() - 1, -1):
                if self._statement_start(depth) and self._probe(depth).take(terminal):
                    self._feed(token, terminal, depth)
                    return True
        return False

    def _misplaced(self, word: Token) -> None:
        """A word starting a later line that is no keyword and that no open statement can
        take (a second misspelt keyword) is an error of its own, phrased from the nearest
        start of a statement. A keyword that fits nowhere is skipped silently: it is most
        often a statement out of its block because of the error before."""
        depth = len(self.state.state_stack)
        while depth > self._lowest() and not self._statement_start(depth):
            depth -= 1
        del self.state.state_stack[depth:]
        del self.state.value_stack[depth - 1:]
        self.mode = "reading"
        self.settled = True
        self._error(_unexpected(word), word.start_pos or 0, word)

    def _close(self, brace: Token) -> bool:
        """Closes the innermost open block with `brace`: dropping back to the start of a
        statement inside it if the block can end there, else dropping the statement that
        opened it (a pay table without its `otherwise` row); False if no block is open."""
        values = self.state.value_stack
        opening = None
        closed = 0
        for index in range(len(values) - 1, max(-1, len(values) - 1 - _MAX_POPPED), -1):
            kind = values[index].type if isinstance(values[index], Token) else None
            if kind == "RBRACE":
                closed += 1
            elif kind == "LBRACE" and closed:
                closed -= 1
            elif kind == "LBRACE":
                opening = index
                break
        lowest = self._lowest() if opening is None else opening + 2
        for depth in range(len(self.state.state_stack), lowest - 1, -1):
            if self._statement_start(depth) and self._probe(depth).take("RBRACE"):
                self._feed(brace, "RBRACE", depth)
                return True
        if opening is None:
            return False
        depth = opening + 1
        while not self._statement_start(depth):
            depth -= 1
        del self.state.state_stack[depth:]
        del self.state.value_stack[depth - 1:]
        return True

    def _end(self) -> None:
        if self.mode != "reading":
            return
        last = self.last
        end = Token.new_borrow_pos("$END", "", last) if last else Token("$END", "", 0, 1, 1)
        if not self._probe().take("$END"):
            self._error(_unexpected(end), end.end_pos or 0, None)

    def _error(self, error: UnexpectedInput, offset: int, unfit: Token | None) -> None:
        """Reports the error unless it is on the line of the previous one or in the same
        statement; repairs next."""
        self.mode = "repairing"
        self.unfit = unfit
        line, column = self.lines.position(offset)
        repeated = line == self.error_line or not self.settled
        self.settled = False
        if repeated:
            return
        self.error_line = line
        if len(self.found) < MAX_SYNTAX_ERRORS:
            accepts = _accepts(self.state.parse_conf, self.state.state_stack)
            self.found.append(_syntax_error(error, self.text, accepts))
        else:
            if not self.hidden:
                self.first_hidden = Span(line, column, line, column + 1)
            self.hidden += 1


def _unexpected(token: Token) -> UnexpectedToken:
    """The error Lark would raise at `token`, for `_syntax_error` to phrase."""
    return UnexpectedToken(token, set())  # type: ignore[no-untyped-call]


def _accepts(conf: ParseConf[int], stack: list[int]) -> frozenset[str]:
    """The terminals the parser could take in the state `stack` (InteractiveParser.accepts
    without copying the stack once per terminal)."""
    states: _States = conf.states
    return frozenset(
        terminal
        for terminal in states[stack[-1]]
        if terminal.isupper() and _Probe(conf, stack, len(stack)).take(terminal)
    )


def _readings(token: Token) -> list[str]:
    """The terminals `token` may be read as: a word lexed in one state may be a keyword
    in another, and a name elsewhere. A keyword is tried first."""
    keyword = _keyword_terminals().get(token.value)
    if token.type == "NAME" or (keyword is not None and keyword == token.type):
        return [keyword, "NAME"] if keyword else ["NAME"]
    return [token.type]


def _first_error(error: UnexpectedInput, text: str, start: str) -> Diagnostic:
    """The E001 for Lark's own error, read again from the start: never needed while
    recovery finds the error Lark did, and there so a broken file can never pass."""
    at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
    offset = len(text) + 1 if at_end else error.pos_in_stream or 0
    return _syntax_error(error, text, _accepts_before(text, start, offset))


def _syntax_errors(text: str, start: str) -> list[Diagnostic]:
    """Every syntax error in `text` (which has at least one), in the order of the text."""
    return _Recovery(text, start).errors()


# ---- the stages --------------------------------------------------------------------


def parse_tree(
    text: str, start: str, path: str = "<text>", limits: Limits | None = None
) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    """The syntax stage alone: the parse tree (None after a syntax error or a breached
    limit) and every E002/E001/E003 found. `start` is "rulebook" or "framework_file";
    `limits` defaults to the environment's (see limits.py)."""
    chosen = current_limits(limits)
    too_large = file_size_problem(text_size(text, chosen.max_file_size), chosen, path)
    if too_large is not None:
        return None, [too_large]
    text = text.removeprefix(BOM)
    cleaned, diagnostics = _clean(text)
    tree: Tree[Token] | None
    try:
        tree = get_parser().parse(cleaned, start=start)
    except UnexpectedInput as error:
        tree = None
        diagnostics.extend(_syntax_errors(cleaned, start) or [_first_error(error, cleaned, start)])
    if tree is not None:
        breached = tree_problems(tree, chosen)
        if breached:
            tree = None
            diagnostics.extend(breached)
    return tree, [d.at(path) for d in diagnostics]


def parse(
    text: str, path: str = "<text>", limits: Limits | None = None
) -> tuple[Scheme | None, list[Diagnostic]]:
    """A rulebook's model (None after a syntax error) and every problem found in its
    syntax and words; cross-references, money and rule logic are the checker's."""
    chosen = current_limits(limits)
    tree, diagnostics = parse_tree(text, "rulebook", path, chosen)
    if tree is None:
        return None, diagnostics
    try:
        scheme, found = transform(tree)
    except RecursionError:
        message = "the rulebook is nested too deeply for Python's stack"
        return None, [*diagnostics, exceeded("max_nesting", chosen, message, Span(1, 1, 1, 1),
                                             path)]
    diagnostics.extend(d.at(path) for d in found)
    diagnostics.sort(key=lambda d: (d.span.line, d.span.column))
    return scheme, diagnostics


def start_for(text: str) -> str:
    """`framework_file` when the first token of `text` is the keyword `framework`, else
    `rulebook` (LANGUAGE.md §2: a comment never changes what the text means).

    The token is read by the parser's own lexer, in the state that starts a framework
    file, from the text as `parse_tree` would parse it: comments and blank space are
    skipped as the grammar skips them, in time linear in their length, and a word that
    only begins with `framework` is a different word.
    """
    cleaned, _ = _clean(text.removeprefix(BOM))
    interactive = get_parser().parse_interactive(cleaned, start="framework_file")
    tokens: Iterator[Token] = interactive.lexer_thread.lex(  # type: ignore[no-untyped-call]
        interactive.parser_state
    )
    try:
        first = next(tokens, None)
    except UnexpectedInput:
        return "rulebook"
    framework = _keyword_terminals()["framework"]
    return "framework_file" if first is not None and first.type == framework else "rulebook"
