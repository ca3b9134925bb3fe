"""What the tests share: where things are, and the conformance cases as pytest parameters.

A conformance case whose feature has not landed is listed in PENDING with the issue that
builds it and the tests that fail until then. Those tests carry a strict xfail: once the
feature works the case passes, the xfail fails, and the entry goes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RULEBOOKS = ROOT / "rulebooks"
CONFORMANCE = TESTS / "conformance"
#: The shared conformance set and spec, beside the clone (CI lays it there); may be absent.
SHARED = ROOT.parent / "shared"

_ALL = {"conformance.check", "conformance.eval", "parse", "check", "evaluate", "batch",
        "explain", "spreadsheet", "reports"}
PENDING: dict[str, tuple[str, set[str]]] = {
    "27-as-of": ("issue 13: evaluation as of a month", {"conformance.eval", "evaluate"}),
}


def expectations(case: Path) -> dict[str, Any]:
    """The case's expect.json."""
    return dict(json.loads((case / "expect.json").read_text(encoding="utf-8")))


def conformance_cases() -> list[Path]:
    """Every case folder, in order."""
    return sorted(path for path in CONFORMANCE.iterdir() if (path / "expect.json").exists())


def evaluated_cases() -> list[Path]:
    """Cases with data that evaluate cleanly."""
    return [
        case for case in conformance_cases()
        if (case / "data.csv").exists() and expectations(case).get("eval", {}).get("exit") == 0
    ]


def case_params(cases: list[Path], test: str) -> list[Any]:
    """pytest parameters for `cases`; a pending case gets a strict xfail when `test` fails on it."""
    params = []
    for case in cases:
        reason, failing = PENDING.get(case.name, ("", set()))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if test in failing else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params
