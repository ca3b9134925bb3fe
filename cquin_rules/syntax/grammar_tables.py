"""The parser's LALR tables, built ahead of time from grammar/cquin.lark and shipped as JSON.

Building the tables from the grammar takes about a quarter of a second at every start of
`cquin`; reading them takes a few milliseconds. They are kept in Lark's own serialisation
(`Lark.memo_serialize`, the form `lark.tools.serialize` writes) and read back with
`json.load` and the small decoder below, so nothing read is ever executed. The file
records the SHA-256 of the grammar text, Lark's version and the build options; when any of
them differs (the grammar was edited, another Lark is installed) the tables are ignored and
the parser is built from the grammar, which is slower but otherwise the same.

After editing the grammar, regenerate the file (tests/test_grammar_tables.py fails until
it is):

    python grammar/build_tables.py
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token
from lark.grammar import Rule
from lark.lark import PostLex
from lark.lexer import TerminalDef

__all__ = ["TABLES", "decode", "encode", "grammar_hash", "load", "render"]

#: The shipped tables, next to this module (the wheel includes everything in the package).
TABLES = Path(__file__).with_name("grammar_tables.json")

_SHIFT = 0


def grammar_hash(grammar: str) -> str:
    """The SHA-256 of the grammar text, as recorded in the tables built from it."""
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def load(
    grammar: str,
    options: Mapping[str, object],
    postlex: PostLex,
    path: Path = TABLES,
    *,
    keep_all_tokens: bool = False,
    lexer_callbacks: Mapping[str, Callable[[Token], Token | None]] | None = None,
) -> Lark | None:
    """The parser read from the tables at `path`; None when the file is missing or
    unreadable, or was built from another grammar, another Lark or other options.

    `keep_all_tokens` makes the parser keep keywords and punctuation in its trees, as
    Lark's option of that name does: it is a property of the rules, not of the tables.
    `lexer_callbacks` are Lark's option of that name."""
    try:
        with path.open(encoding="utf-8") as stream:
            stored = json.load(stream)
        if not _matches(stored, grammar, options):
            return None
        data, memo = decode(stored["data"], stored["memo"])
        if keep_all_tokens:
            data["options"]["keep_all_tokens"] = True
            for entry in memo.values():
                if entry.get("__type__") == "Rule":
                    entry["options"]["keep_all_tokens"] = True
        parser: Lark = Lark._load_from_dict(  # type: ignore[no-untyped-call]
            data, memo, postlex=postlex, lexer_callbacks=dict(lexer_callbacks or {})
        )
    except (OSError, ValueError, LookupError, TypeError):
        return None
    return parser


def _matches(stored: Any, grammar: str, options: Mapping[str, object]) -> bool:
    if not isinstance(stored, dict):
        return False
    built_with = stored["data"]["options"]
    return (
        stored.get("grammar_sha256") == grammar_hash(grammar)
        and stored.get("lark_version") == lark.__version__
        and all(built_with.get(name) == value for name, value in options.items())
    )


def decode(data: dict[str, Any], memo: dict[str, Any]) -> tuple[dict[str, Any], dict[int, Any]]:
    """Lark's serialised parser as it was before JSON: JSON keeps object keys as strings
    and arrays as lists, so the integer keys (memo entries, terminal and state numbers)
    and the tuples (parse actions, a rule's empty indices) are put back."""
    restored_memo = {int(key): _memo_entry(entry) for key, entry in memo.items()}
    table = data["parser"]["parser"]
    table["tokens"] = {int(key): name for key, name in table["tokens"].items()}
    table["states"] = {
        int(state): {int(token): tuple(action) for token, action in actions.items()}
        for state, actions in table["states"].items()
    }
    return data, restored_memo


def _memo_entry(entry: dict[str, Any]) -> dict[str, Any]:
    options = entry.get("options")
    if entry.get("__type__") == "Rule" and isinstance(options, dict):
        options["empty_indices"] = tuple(options["empty_indices"])
    return entry


def encode(parser: Lark, grammar: str) -> dict[str, Any]:
    """The tables of a parser built from `grammar`, ready for JSON: Lark's serialisation
    without the postlexer (an object; it is passed again on loading), with the grammar's
    hash and Lark's version."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    memo = {key: _without_widths(entry) for key, entry in memo.items()}
    data = dict(data)
    data["options"] = {name: value for name, value in data["options"].items() if name != "postlex"}
    data["parser"] = dict(data["parser"])
    data["parser"]["parser"] = _canonical(data["parser"]["parser"])
    return {
        "grammar_sha256": grammar_hash(grammar),
        "lark_version": lark.__version__,
        "data": data,
        "memo": memo,
    }


def _without_widths(entry: Any) -> Any:
    """A terminal without the widths of its regular expression, which Lark computes again
    when it needs them: an unbounded width is the `re` module's MAXREPEAT, which differs
    between builds of the same Python (2**64 on one, 2**32 - 1 on Debian's 3.11), so a
    recorded width would tie the file to the Python that wrote it."""
    if isinstance(entry, dict):
        cleared = {"_width": None} if entry.get("__type__") == "PatternRE" else {}
        return {key: _without_widths(value) for key, value in entry.items()} | cleared
    if isinstance(entry, list):
        return [_without_widths(value) for value in entry]
    return entry


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    """The parse table renumbered: terminals in order of name, states in order of first
    reach from the start states. Lark's own numbering varies with Python's string
    hashing, so without this the file would change every time it is written."""
    names = table["tokens"]
    terminals = {name: number for number, name in enumerate(sorted(names.values()))}
    states = table["states"]

    def by_terminal(actions: dict[int, Any]) -> list[tuple[int, Any]]:
        return sorted(actions.items(), key=lambda item: names[item[0]])

    order: dict[int, int] = {}
    waiting = deque(table["start_states"][start] for start in sorted(table["start_states"]))
    while waiting:
        state = waiting.popleft()
        if state in order:
            continue
        order[state] = len(order)
        waiting.extend(arg for _, (action, arg) in by_terminal(states[state]) if action == _SHIFT)
    if len(order) != len(states):
        raise ValueError("some parser states cannot be reached from a start state")
    return {
        "tokens": {number: name for name, number in terminals.items()},
        "states": {
            order[state]: {
                terminals[names[token]]: (action, order[arg] if action == _SHIFT else arg)
                for token, (action, arg) in by_terminal(states[state])
            }
            for state in sorted(states, key=order.__getitem__)
        },
        "start_states": {start: order[state] for start, state in table["start_states"].items()},
        "end_states": {start: order[state] for start, state in table["end_states"].items()},
    }


def render(tables: dict[str, Any]) -> str:
    """The text of the tables file: compact, keys sorted, the same each time."""
    return json.dumps(tables, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
