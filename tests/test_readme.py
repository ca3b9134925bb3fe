"""The README is part of the product: its example rulebook and API snippet must work."""

from __future__ import annotations

import re
from pathlib import Path

import cquin_rules

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    """The fenced code blocks whose info string is `language` ("" for a bare fence)."""
    fences = re.findall(r"^```(\w*)\n(.*?)^```$", README, flags=re.DOTALL | re.MULTILINE)
    return [body for info, body in fences if info == language]


def test_readme_rulebook_checks_and_its_example_passes() -> None:
    """The language tour's rulebook checks clean and its example's expectations hold."""
    (text,) = [block for block in _blocks("") if block.lstrip().startswith("scheme")]
    rulebook = cquin_rules.loads(text, "README.md")
    assert [d for d in rulebook.check() if d.severity == "error"] == []
    outcomes = rulebook.run_examples()
    assert outcomes and all(outcome.passed for outcome in outcomes), outcomes


def test_readme_api_snippet_runs() -> None:
    """The Python API snippet runs as written from the project folder."""
    import os

    (snippet,) = _blocks("python")
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parents[1])
    try:
        exec(compile(snippet, "README.md", "exec"), {})  # the README's own code, not input
    finally:
        os.chdir(here)
