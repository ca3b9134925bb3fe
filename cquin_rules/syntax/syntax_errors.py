"""E001 in words a commissioner knows: what the parser could have taken where it stopped."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from difflib import get_close_matches
from fractions import Fraction
from functools import lru_cache

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from ..base.diagnostics import Diagnostic
from .lalr import get_parser
from .positions import Lines, string_end

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
def keyword_terminals() -> dict[str, str]:
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


def keyword_name(name: str) -> str | None:
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
    keywords = keyword_terminals()
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
    return {word for word in (keyword_name(terminal) for terminal in terminals) if word}


def syntax_error(error: UnexpectedInput, text: str, accepts: frozenset[str]) -> Diagnostic:
    """One E001 for Lark's error: what was expected in words, and what was found.

    `accepts` is what the parser could take just before the failure."""
    lines = Lines(text)
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
    if token.type == "NAME" or keyword_name(token.type) is not None:
        hint = hint or _word_hint(token.value, accepts)
    if token.type == "FRACTION" and "PERCENT" in accepts:
        hint = hint or _fraction_hint(token.value)
    return Diagnostic("E001", message, at, hint)


def _fraction_hint(written: str) -> str:
    """A fraction where a percentage belongs: the percentage it is, when that is exact;
    else how to write equal shares, the usual reason for writing a third."""
    top, bottom = (int(part) for part in written.split("/"))
    if bottom == 0:
        return "write a percentage such as `50%`"
    share = Fraction(top * 100, bottom)
    rest = share.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest == 1:
        exact = Decimal(share.numerator) / Decimal(share.denominator)  # a finite decimal
        return f"write it as a percentage: `{written}` is `{format(exact.normalize(), 'f')}%`"
    return (f"`{written}` is no exact percentage; for items that share equally, leave out "
            "all their `weight` lines: items with none share equally")


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
    text: str, offset: int, lines: Lines, expected: str, hint: str | None
) -> Diagnostic:
    char = text[offset]
    at = lines.span(offset, offset + 1)
    if char == '"':
        end, closed = string_end(text, offset)
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




def first_error(error: UnexpectedInput, text: str, start: str) -> Diagnostic:
    """The E001 for Lark's own error, read again from the start: never needed while
    recovery finds the error Lark did, and there so a broken file can never pass."""
    at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
    offset = len(text) + 1 if at_end else error.pos_in_stream or 0
    return syntax_error(error, text, _accepts_before(text, start, offset))

