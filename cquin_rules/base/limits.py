"""The limits on what `cquin` will read, in one place, so hostile input meets a clear E003
instead of exhausting memory, the stack or Python's integer conversion.

Each limit has a default generous for any real scheme, an environment variable for the
command line and a field of `Limits` for the API (`load(path, limits=Limits(...))`).
The environment is read whenever no `Limits` is given, so one mechanism serves both.
See docs/limits.md.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from attrs import fields, frozen

from .diagnostics import Diagnostic
from .span import Span

if TYPE_CHECKING:
    from lark import Token, Tree

__all__ = [
    "ENVIRONMENT",
    "Limits",
    "current",
    "digit_count",
    "exceeded",
    "file_size_problem",
    "read_limited",
    "text_size",
    "tree_problems",
    "workbook_problem",
]


@frozen
class Limits:
    """How much `cquin` reads before it stops with E003; every field is a positive number."""

    #: Bytes in one rulebook, framework, measurements or workbook file.
    max_file_size: int = 10_000_000
    #: Levels of `part` inside one goal (a part in a part in a part …).
    max_nesting: int = 100
    #: Digits in one number (`£120,000,000` has 9; `140/200` has 6).
    max_digits: int = 100
    #: Characters in one name (a goal code, an indicator, part or period name).
    max_name_length: int = 100
    #: Rows (or JSON objects) in one measurements file.
    max_rows: int = 100_000
    #: Cells a workbook's sheet may span (rows × columns from A1 to its farthest cell or
    #: declared dimension): the workbook reader builds every cell of that rectangle.
    max_cells: int = 2_000_000
    #: Scenarios one forecast samples (`cquin forecast --scenarios`).
    max_scenarios: int = 100_000_000
    #: Bytes in one message to the language server (`cquin lsp`): a document as large as
    #: `max_file_size` fits, however its JSON escapes it (up to six bytes a character).
    max_message_size: int = 64_000_000

    def __attrs_post_init__(self) -> None:
        for field in fields(Limits):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{field.name} must be a whole number of at least 1, "
                                 f"not {value!r}")
        most = sys.get_int_max_str_digits()
        if most and self.max_digits > most:
            raise ValueError(f"max_digits cannot be above {most:,}, Python's own limit on "
                             "turning text into whole numbers")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, with any `CQUIN_MAX_…` variable set in `environ` (or the process's
        environment). ValueError names a variable that is not a whole number."""
        environ = os.environ if environ is None else environ
        chosen: dict[str, int] = {}
        for name, variable in ENVIRONMENT.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                value = int(text.replace(",", "").replace("_", ""))
            except ValueError:
                value = 0
            if value < 1:
                raise ValueError(f"{variable} must be a whole number of at least 1, "
                                 f"not {text!r}")
            chosen[name] = value
        if not chosen and cls is Limits:
            return _DEFAULTS  # frozen, so one is shared: the API reads limits every call
        return cls(**chosen)


_DEFAULTS = Limits()

#: The environment variable that raises (or lowers) each limit.
ENVIRONMENT = {
    "max_file_size": "CQUIN_MAX_FILE_SIZE",
    "max_nesting": "CQUIN_MAX_NESTING",
    "max_digits": "CQUIN_MAX_DIGITS",
    "max_name_length": "CQUIN_MAX_NAME_LENGTH",
    "max_rows": "CQUIN_MAX_ROWS",
    "max_cells": "CQUIN_MAX_CELLS",
    "max_scenarios": "CQUIN_MAX_SCENARIOS",
    "max_message_size": "CQUIN_MAX_MESSAGE_SIZE",
}


def current(limits: Limits | None) -> Limits:
    """`limits`, or the defaults as the environment sets them."""
    return limits if limits is not None else Limits.from_environment()


def exceeded(
    limit: str, limits: Limits, message: str, span: Span, path: str = "<text>"
) -> Diagnostic:
    """E003 for a breached limit, with a hint that names how to raise it."""
    value = getattr(limits, limit)
    return Diagnostic(
        "E003",
        message,
        span,
        f"the limit is {value:,}; if this input is genuine, raise it with the environment "
        f"variable {ENVIRONMENT[limit]} or the API's limits=Limits({limit}=…)",
        path,
    )


def file_size_problem(
    size: int, limits: Limits, path: str = "<text>", span: Span | None = None
) -> Diagnostic | None:
    """E003 when a file of `size` bytes is larger than `max_file_size`."""
    if size <= limits.max_file_size:
        return None
    return exceeded("max_file_size", limits, f"the file is {size:,} bytes, larger than "
                    f"{limits.max_file_size:,} bytes", span or Span(1, 0, 1, 0), path)


def text_size(text: str, ceiling: int) -> int:
    """The size of `text` in UTF-8 bytes, exact up to `ceiling` (encoding a huge text only
    to refuse it would double the memory it holds)."""
    if len(text) * 4 <= ceiling:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if len(text) > ceiling:
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))


def read_limited(
    path: str | os.PathLike[str], limits: Limits | None = None, span: Span | None = None
) -> tuple[bytes | None, list[Diagnostic]]:
    """A regular file's bytes, or None and E003 when it is larger than `max_file_size` (the
    size is taken before reading, so a 200 MB file is refused at once, and no more than
    the limit is ever read). OSError propagates; files.NotARegularFile for a device, FIFO
    or folder, which could be read without end."""
    # lazy: base.files (and tempfile) load only when a file is read
    from .files import open_regular

    chosen = current(limits)
    name = os.fspath(path)
    with os.fdopen(open_regular(name), "rb") as stream:
        problem = file_size_problem(os.fstat(stream.fileno()).st_size, chosen, name, span)
        if problem is not None:
            return None, [problem]
        data = stream.read(chosen.max_file_size + 1)
    problem = file_size_problem(len(data), chosen, name, span)
    if problem is not None:
        return None, [problem]
    return data, []


def digit_count(value: object) -> int:
    """How many digits `value` takes written out in full: digit characters for text, the
    plain-decimal width for a Decimal (`1E+999` has 1000), the wider part of a fraction
    or of a measured value (`Ratio`, `PercentValue`); 0 for anything else. Never turns
    a huge number into text."""
    if isinstance(value, str):
        return sum(char.isdigit() for char in value)
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return _int_digits(value)
    if isinstance(value, Fraction):
        return max(_int_digits(value.numerator), _int_digits(value.denominator))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return 0
        _, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if exponent >= 0:
            return len(digits) + exponent
        return max(len(digits), -exponent)
    parts = [getattr(value, name) for name in ("value", "numerator", "denominator")
             if hasattr(value, name)]
    return max((digit_count(part) for part in parts), default=0)


def _int_digits(number: int) -> int:
    """Decimal digits of `number`, to within one, from its bit length (no conversion)."""
    return (abs(number).bit_length() * 30103) // 100000 + 1


#: At most this many E003 are reported for one file: one is enough to act on.
_MOST_REPORTED = 20


def tree_problems(tree: Tree[Token], limits: Limits) -> list[Diagnostic]:
    """E003 for parts nested deeper than `max_nesting`, numbers longer than `max_digits`
    and names longer than `max_name_length`, found without recursion (the later stages
    recurse, so this runs before them)."""
    # lazy: lark loads with the parser, not with `import cquin_rules`
    from lark import Tree

    if not _may_breach(tree, limits):
        return []
    found: list[Diagnostic] = []
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 0)]
    deepest_reported = False
    while stack and len(found) < _MOST_REPORTED:
        node, depth = stack.pop()
        if isinstance(node, Tree):
            if node.data == "part":
                depth += 1
                if depth > limits.max_nesting and not deepest_reported:
                    deepest_reported = True
                    line = getattr(node.meta, "line", 1)
                    column = getattr(node.meta, "column", 1)
                    found.append(exceeded(
                        "max_nesting", limits,
                        f"parts are nested more than {limits.max_nesting} levels deep",
                        Span(line, column, line, column + 4)))
            stack.extend((child, depth) for child in reversed(node.children))
            continue
        problem = _token_problem(node, limits)
        if problem is not None:
            found.append(problem)
    return found


def _may_breach(tree: Tree[Token], limits: Limits) -> bool:
    """Whether anything in the tree could breach a limit: a part nested too deeply, or a
    token other than a text longer than the smaller of `max_name_length` and
    `max_digits` (a number has no more digits than characters). When not, which is
    nearly always, `tree_problems` need build nothing for each token."""
    # lazy: lark loads with the parser, not with `import cquin_rules`
    from lark import Tree

    longest = min(limits.max_name_length, limits.max_digits)
    deepest = limits.max_nesting
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data == "part":
            depth += 1
            if depth > deepest:
                return True
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth))
            elif len(child) > longest and child.type != "STRING":
                return True
    return False


def _token_problem(token: Token, limits: Limits) -> Diagnostic | None:
    line = token.line or 1
    column = token.column or 1
    span = Span(line, column, line, column + min(len(token.value), 40))
    if token.type == "NAME":
        if len(token.value) > limits.max_name_length:
            return exceeded("max_name_length", limits,
                            f"a name of {len(token.value):,} characters is longer than "
                            f"{limits.max_name_length:,} characters", span)
        return None
    if token.type == "STRING":
        return None
    digits = digit_count(token.value)
    if digits > limits.max_digits:
        return exceeded("max_digits", limits, f"a number of {digits:,} digits is longer "
                        f"than {limits.max_digits:,} digits", span)
    return None


#: How much larger than `max_file_size` a workbook may be once unpacked: the XML inside
#: an .xlsx compresses about tenfold, so a genuine workbook stays well within this.
WORKBOOK_EXPANSION = 10


def workbook_problem(
    data: bytes, name: str, limits: Limits | None = None
) -> Diagnostic | None:
    """E003 when a workbook's bytes (read with `read_limited`) would unpack to more than
    `WORKBOOK_EXPANSION` times `max_file_size` (a "zip bomb"), by the sizes its zip
    declares (the zip reader never unpacks more than it declares); None when it may be
    opened (a file that is not a zip is left for the workbook reader to refuse)."""
    # lazy: zipfile (and its compressors) load only when a workbook is opened
    import zipfile

    chosen = current(limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except Exception:  # a malformed zip (zipfile raises many kinds): the reader refuses it
        return None
    most = chosen.max_file_size * WORKBOOK_EXPANSION
    if unpacked <= most:
        return None
    return exceeded("max_file_size", chosen, f"the workbook unpacks to {unpacked:,} bytes, "
                    f"more than {most:,} ({WORKBOOK_EXPANSION} times the file size limit)",
                    Span(1, 0, 1, 0), name)
