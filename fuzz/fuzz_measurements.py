"""Fuzz the measurements reader: any bytes as CSV or JSON (JSON when the text starts with
`[`) against the Northshire rulebook; what is read is evaluated and rendered in every
format."""

from __future__ import annotations

import _harness

try:
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    instrumented = atheris.instrument_imports()
except ImportError:
    import contextlib

    instrumented = contextlib.nullcontext()

with instrumented:
    from cquin_rules.api import load
    from cquin_rules.engine.evaluate import evaluate
    from cquin_rules.engine.measurements import parse_measurements
    from cquin_rules.reports import render

SCHEME = load(_harness.ROOT / "rulebooks" / "northshire-2018-19" / "rulebook.cquin").scheme


def test_one(data: bytes) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    measurements, diagnostics = parse_measurements(text, "fuzz", SCHEME)
    assert (measurements is None) == bool(diagnostics)
    if measurements is not None:
        result = evaluate(SCHEME, measurements)
        for form in ("json", "html", "csv", "markdown", "table"):
            render(result, form)


if __name__ == "__main__":
    _harness.run(test_one, ("rulebooks/northshire-2018-19/data.csv", "fuzz/seeds/*.json"))
