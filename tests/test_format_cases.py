"""The formatter's layout, case by case: each folder of tests/format_cases/ holds
`input.cquin` and the `expected.cquin` that `cquin fmt` must write. A new case is a new
folder, not new code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_formatter import comments, fmt, same_meaning

CASES = sorted(path for path in (Path(__file__).parent / "format_cases").iterdir()
               if (path / "input.cquin").exists())


def start_of(case: Path) -> str:
    return "framework_file" if case.name.startswith("framework") else "rulebook"


def test_there_are_cases() -> None:
    """The folder holds the cases (so the parametrised tests below cannot pass empty)."""
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_input_formats_to_expected(case: Path) -> None:
    """`input.cquin` formats to exactly `expected.cquin`, which is a fixed point, keeps
    every comment and means the same."""
    start = start_of(case)
    written = (case / "input.cquin").read_text(encoding="utf-8")
    expected = (case / "expected.cquin").read_text(encoding="utf-8")
    assert fmt(written, start) == expected
    assert fmt(expected, start) == expected
    assert comments(expected, start) == comments(written, start)
    same_meaning(written, expected, start)
