"""The model built while the LALR parser runs, without a parse tree: the fast path of `parse`.

Lark's parser calls a function each time it reduces a rule; by default that function makes
a tree node (and its position record), and `transform` then walks the finished tree to make
the model. Here each reduction calls the model builder's method for the rule at once, so
no tree is ever made: for a 10,000-goal rulebook that is a million objects fewer to
allocate, keep and free, which is most of what the syntax stage cost beyond Lark's own
lexing and table look-ups.

The builder's methods, the order they are called in (children first, left to right, as
the tree walk calls them) and the positions they are given are the tree path's, so the
model and every message are the same. The positions follow Lark's own rule: a node runs
from the start of its first child, keywords included, to the end of its last.

The parser is Lark's own LALR loop (`lark.parsers.lalr_parser._Parser`, as Lark builds it
for its `transformer=` option) over the same tables and lexer as `lalr.get_parser()`, given
these functions instead of the tree builder's; Lark's `transformer=` itself cannot be used,
as it gives the methods no positions.

Only a clean parse is taken: on a syntax error, a number or name long enough to breach a
limit, or parts nested deeply, this gives up (None) and `parse` takes the tree path,
whose error recovery and limit checks say exactly what they always said.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import MethodType
from typing import Any

from lark import Lark, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import LexerThread
from lark.parsers.lalr_parser import _Parser
from lark.tree import Meta

from ..base.diagnostics import Diagnostic
from ..base.limits import Limits
from .lalr import get_parser
from .model import Part, Scheme
from .transform import ModelBuilder, collection_paused

__all__ = ["parse_directly"]

#: Parts nested deeper than this are left to the tree path even within `max_nesting`: it
#: reports nesting too deep for Python's stack, which the later (recursive) stages need.
_DEEPEST_DIRECT = 50


class Built:
    """What one reduction leaves on the parser's stack: the value its method made and the
    text it covers. It is also the `meta` that method is given (a node's span is read from
    `line`, `column`, `end_line` and `end_column`, as from Lark's own position record)."""

    __slots__ = ("column", "end_column", "end_line", "line", "value")
    empty = False

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.value: Any = None


class _Breach(Exception):
    """A token or a nesting that a limit may refuse: the tree path checks it exactly."""


#: One rule's shape: its name, whether it is inlined into its parent (`_name`), whether a
#: lone child stands for it (`?name` without an alias), which children are kept (index,
#: inlined?) and which kept children are tokens whose length a limit bounds.
_Shape = tuple[str, bool, bool, tuple[tuple[int, bool], ...], tuple[int, ...]]


@lru_cache(maxsize=1)
def _shapes(parser: Lark) -> tuple[tuple[Any, _Shape], ...]:
    """Each rule of the grammar with its shape, worked out once per parser."""
    shapes = []
    for rule in parser.rules:
        name = rule.alias or rule.options.template_source or rule.origin.name
        kept = tuple(
            (index, not symbol.is_term and symbol.name.startswith("_"))
            for index, symbol in enumerate(rule.expansion)
            if rule.options.keep_all_tokens
            or not (symbol.is_term and getattr(symbol, "filter_out", False))
        )
        bounded = tuple(index for index, _ in kept if rule.expansion[index].is_term
                        and rule.expansion[index].name != "STRING")
        inlined = name.startswith("_")
        single = bool(rule.options.expand1) and not rule.alias
        shapes.append((rule, (name, inlined, single, kept, bounded)))
    return tuple(shapes)


def _callback(builder: ModelBuilder, shape: _Shape, longest: int,
              depths: dict[int, int]) -> Callable[[list[Any]], Any]:
    """The function the parser calls when it reduces a rule of this shape."""
    name, inlined, single, kept, bounded = shape
    method: Any = getattr(builder, name, None)
    plain = type(method) is MethodType
    nested_part = name == "part"
    if single and kept == ((0, False),) and not bounded:
        # `?statement: indicator`: the one child stands for the rule and covers the
        # same text, so it is passed on as it is.
        return _passed_on
    if inlined and kept and kept[0] == (0, True):
        return _grown(kept[1:], bounded, longest)

    def reduce(raw: list[Any]) -> Built:
        for index in bounded:
            if len(raw[index]) > longest:
                raise _Breach
        first, last = raw[0], raw[-1]
        built = Built(first.line, first.column, last.end_line, last.end_column)
        children: list[Any] = []
        for index, expand in kept:
            child = raw[index]
            if expand:
                if children:
                    children += child.value
                else:  # a run of statements grows from the left: take it over, not copied
                    children = child.value
            elif type(child) is Built:
                children.append(child.value)
            else:
                children.append(child)
        if inlined:
            built.value = children
        elif single and len(children) == 1:
            built.value = children[0]
        elif plain:
            built.value = method(built, children)
            if nested_part:
                depth = 1 + max((depths[id(item)] for item in built.value.items
                                 if type(item) is Part), default=0)
                depths[id(built.value)] = depth
                if depth > _DEEPEST_DIRECT:
                    raise _Breach
        elif method is not None:
            built.value = method.visit_wrapper(method, name, children, built)
        else:
            meta = Meta()  # type: ignore[no-untyped-call]
            meta.empty = False
            meta.line, meta.column = built.line, built.column
            meta.end_line, meta.end_column = built.end_line, built.end_column
            built.value = Tree(name, children, meta)
        return built

    return reduce


def _passed_on(raw: list[Any]) -> Any:
    return raw[0]


def _grown(rest: tuple[tuple[int, bool], ...], bounded: tuple[int, ...],
           longest: int) -> Callable[[list[Any]], Built]:
    """For a run of statements (`__goal_star: __goal_star goal_stmt`): the run so far,
    which nothing else holds, grown by the next statement rather than copied."""

    def grow(raw: list[Any]) -> Built:
        for index in bounded:
            if len(raw[index]) > longest:
                raise _Breach
        built: Built = raw[0]
        values = built.value
        for index, expand in rest:
            child = raw[index]
            if expand:
                values += child.value
            elif type(child) is Built:
                values.append(child.value)
            else:
                values.append(child)
        last = raw[-1]
        built.end_line = last.end_line
        built.end_column = last.end_column
        return built

    return grow


def parse_directly(text: str, limits: Limits) -> tuple[Scheme, list[Diagnostic]] | None:
    """The model of rulebook `text` (already cleaned of forbidden characters) and the
    problems found in its words, built during the parse; None when the text has a syntax
    error or anything a limit may refuse, for the tree path to report."""
    parser = get_parser()
    builder = ModelBuilder()
    longest = min(limits.max_name_length, limits.max_digits)
    depths: dict[int, int] = {}
    callbacks = {rule: _callback(builder, shape, longest, depths)
                 for rule, shape in _shapes(parser)}
    frontend: Any = parser.parser
    lalr = _Parser(frontend.parser._parse_table, callbacks)
    try:
        with collection_paused():
            built = lalr.parse(LexerThread.from_text(frontend.lexer, text), "rulebook")
    except (UnexpectedInput, _Breach):
        return None
    if max(depths.values(), default=0) > limits.max_nesting:
        return None
    scheme = built.value
    assert isinstance(scheme, Scheme)
    return scheme, builder.diagnostics
