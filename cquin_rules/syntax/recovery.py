"""Reading on after a syntax error, so one run reports every mistake (up to a cap)."""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from ..base.diagnostics import Diagnostic
from ..base.span import Span
from .lalr import get_parser
from .positions import Lines
from .syntax_errors import keyword_name, keyword_terminals, syntax_error

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
        self.lines = Lines(text)
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
            if keyword_name(missing) is not None:
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
            self.found.append(syntax_error(error, self.text, accepts))
        else:
            if not self.hidden:
                self.first_hidden = Span(line, column, line, column + 1)
            self.hidden += 1


def _unexpected(token: Token) -> UnexpectedToken:
    """The error Lark would raise at `token`, for `syntax_error` to phrase."""
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
    keyword = keyword_terminals().get(token.value)
    if token.type == "NAME" or (keyword is not None and keyword == token.type):
        return [keyword, "NAME"] if keyword else ["NAME"]
    return [token.type]




def syntax_errors(text: str, start: str) -> list[Diagnostic]:
    """Every syntax error in `text` (which has at least one), in the order of the text."""
    return _Recovery(text, start).errors()

