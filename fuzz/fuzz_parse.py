"""Fuzz the syntax stage and the checker: any bytes, read as a rulebook and as a framework
file, then formatted. Only diagnostics may come back; an exception is a crash."""

from __future__ import annotations

import _harness

try:
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    instrumented = atheris.instrument_imports()
except ImportError:  # _harness.run says how to install it
    import contextlib

    instrumented = contextlib.nullcontext()

with instrumented:
    from cquin_rules.api import diagnose
    from cquin_rules.frameworks.parse import parse_framework
    from cquin_rules.syntax.formatter import format_text
    from cquin_rules.syntax.parser import decode


def test_one(data: bytes) -> None:
    text, diagnostics = decode(data, "fuzz.cquin")
    if text is None:
        assert [d.code for d in diagnostics] == ["E002"]
        return
    for diagnostic in diagnose(text, "fuzz.cquin"):
        diagnostic.render(text)
    parse_framework(text, "fuzz.cquin")
    format_text(text, "fuzz.cquin")


if __name__ == "__main__":
    _harness.run(test_one, ("rulebooks/*/*.cquin", "tests/conformance/*/rulebook.cquin",
                            "cquin_rules/frameworks/builtin/*.cquin"))
