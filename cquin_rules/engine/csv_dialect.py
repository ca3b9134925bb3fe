"""CSV as spreadsheets write it: which separator a file uses, and what a comma in a number means.

Excel saves "CSV" with the list separator of the computer's region: a comma in the UK,
a semicolon where the comma is the decimal mark (most of Europe), and a tab for "Unicode
text". The separator is read from the header row (the first row that is not blank): the
one of comma, semicolon and tab that occurs most there, outside quotes; a comma when none
does. A header is short words (goal, indicator, period, value), so this never depends
on the data below it.

A comma inside a number is read only where it cannot be anything else: in a semicolon
file, where the comma is that region's decimal mark, `68,5%` is 68.5%. In a comma or tab
file `68,5%` or `1,234` could be a decimal comma or a thousands separator, so it is
refused with the reason (see `comma_problem`), never read as a guess.
"""

from __future__ import annotations

import re

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

#: A number written with one decimal comma, as a semicolon file's region writes it.
_DECIMAL_COMMA = re.compile(r"\s*([+-]?\d+),(\d+)\s*(%?)\s*\Z")
#: A number with a comma in it: a decimal comma or thousands separators.
_COMMA_NUMBER = re.compile(r"\s*[+-]?\d[\d,]*(\.\d+)?\s*%?\s*\Z")


def separator_of(text: str) -> str:
    """The separator of CSV text, read from its first row that is not blank."""
    for line in text.splitlines():
        if line.strip().strip(",;\t"):
            counts = _counts_outside_quotes(line)
            best = max(SEPARATORS, key=lambda separator: counts[separator])
            return best if counts[best] else ","
    return ","


def _counts_outside_quotes(line: str) -> dict[str, int]:
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def decimal_comma(cell: str, separator: str) -> str:
    """A cell with its decimal comma made a point, in a semicolon file only (`68,5%` is
    `68.5%`); any other cell as it is."""
    if separator != ";":
        return cell
    match = _DECIMAL_COMMA.match(cell)
    if match is None:
        return cell
    whole, fraction, percent = match.groups()
    return f"{whole}.{fraction}{percent}"


def comma_problem(text: str) -> tuple[str, str] | None:
    """Why a number with a comma in it is not read (message, hint), or None when the
    text is not such a number."""
    if "," not in text or not _COMMA_NUMBER.match(text):
        return None
    written = text.strip()
    return (f"{written!r} has a comma in a number, which could be a decimal comma or a "
            "thousands separator",
            "write numbers with a full stop for the decimal point and no thousands "
            "separators (68.5%, 1234); a file saved with semicolons between cells may use "
            "decimal commas")
