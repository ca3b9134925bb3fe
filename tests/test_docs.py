"""The manual cannot drift from the product: its rulebooks are checked and its shown
command outputs are produced again by the real commands.

Conventions in docs/**/*.md (see docs/index.md, "About this manual"):

- every ```cquin block is a whole rulebook (or framework file) that checks clean, unless
  the line before its fence is `<!-- wrong: CODE [CODE…] -->`: then checking it reports
  exactly those codes;
- a ```console block holds `$ cquin …` lines, each followed by the output it prints
  (stdout and stderr as a terminal shows them); it runs at the repository's top, or in a
  temporary copy of the folder named by a `<!-- cwd: PATH -->` line before its fence;
- a line `--8<-- "PATH"` inside a block is replaced by that file (pymdownx.snippets), so
  a page shows, and the test runs, the real file.
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cquin_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COOKBOOK = DOCS / "cookbook"
SNIPPET = '--8<-- "'
MARKER = re.compile(r"<!--\s*(wrong|cwd):\s*(.*?)\s*-->")


class Block:
    """One fenced block of a page, with the marker comment before it, if any."""

    def __init__(self, page: Path, line: int, language: str, text: str,
                 marker: tuple[str, str] | None) -> None:
        self.page = page
        self.line = line
        self.language = language
        self.text = text
        self.marker = marker
        self.shows: Path | None = None
        """The file the block shows whole (one snippet line): checked where it is, so a
        framework it names by path is found."""

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(DOCS)}:{self.line}"


def _resolve_snippets(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if line.strip().startswith(SNIPPET):
            name = line.strip()[len(SNIPPET):-1]
            lines.append((ROOT / name).read_text(encoding="utf-8").rstrip("\n"))
        else:
            lines.append(line)
    return "\n".join(lines)


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith("```") and len(stripped) > 3:
            indent = lines[index].index("`")
            language = stripped[3:].split()[0].strip("{}.")
            start = index
            index += 1
            body: list[str] = []
            while not lines[index].strip().startswith("```"):
                body.append(lines[index][indent:])
                index += 1
            before = next((lines[i].strip() for i in range(start - 1, -1, -1)
                           if lines[i].strip()), "")
            match = MARKER.fullmatch(before)
            marker = (match.group(1), match.group(2)) if match else None
            block = Block(page, start + 1, language, _resolve_snippets("\n".join(body)), marker)
            if len(body) == 1 and body[0].strip().startswith(SNIPPET):
                block.shows = ROOT / body[0].strip()[len(SNIPPET):-1]
            found.append(block)
        index += 1
    return found


PAGES = sorted(DOCS.rglob("*.md"))
ALL = [block for page in PAGES for block in blocks(page)]
RULEBOOKS = [b for b in ALL if b.language == "cquin"]
CONSOLES = [b for b in ALL if b.language == "console"]
RECIPES = sorted(path.parent for path in COOKBOOK.glob("*/rulebook.cquin"))


def _codes(path: Path) -> list[str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", str(path)])
    assert result.exit_code in (0, 1), result.output
    import json

    return [d["code"] for d in json.loads(result.stdout)["diagnostics"]]


@pytest.mark.parametrize("block", RULEBOOKS, ids=lambda b: b.id)
def test_rulebook_block_checks_as_the_manual_says(block: Block, tmp_path: Path) -> None:
    """A cquin block checks clean, or gives exactly the codes its `wrong:` marker claims."""
    path = block.shows or tmp_path / "rulebook.cquin"
    if block.shows is None:
        path.write_text(block.text + "\n", encoding="utf-8")
    claimed = sorted(block.marker[1].split()) if block.marker and block.marker[0] == "wrong" \
        else []
    assert sorted(set(_codes(path))) == claimed


def _run(command: str) -> str:
    words = shlex.split(command)
    assert words[0] == "cquin", f"only cquin commands are run: {command}"
    result = CliRunner().invoke(main, words[1:])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def _tidy(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


@pytest.mark.parametrize("block", CONSOLES, ids=lambda b: b.id)
def test_console_block_is_what_the_command_prints(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `$ cquin …` line of a console block prints exactly the output shown under it."""
    if block.marker and block.marker[0] == "cwd":
        work = tmp_path / "work"
        shutil.copytree(ROOT / block.marker[1], work)
        monkeypatch.chdir(work)
    else:
        monkeypatch.chdir(ROOT)
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.split("\n"):
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{block.id}: output before any command"
            commands[-1][1].append(line)
    assert commands
    for command, shown in commands:
        assert _tidy(_run(command)) == _tidy("\n".join(shown)), command


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_cookbook_recipe_checks_tests_and_evaluates(
    recipe: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each recipe checks clean, its examples pass, and it evaluates its own data."""
    monkeypatch.chdir(recipe)
    assert _codes(recipe / "rulebook.cquin") == []
    tested = CliRunner().invoke(main, ["test", "rulebook.cquin"])
    assert tested.exit_code == 0 and " 0 failed" in tested.output, tested.output
    evaluated = CliRunner().invoke(main, ["eval", "rulebook.cquin", "data.csv"])
    assert evaluated.exit_code == 0, evaluated.output


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_cookbook_page_shows_its_real_files(recipe: Path) -> None:
    """A recipe's page includes its rulebook and data files, not a copy that could drift."""
    page = (recipe / "index.md").read_text(encoding="utf-8")
    for name in ("rulebook.cquin", "data.csv"):
        assert f'{SNIPPET}docs/cookbook/{recipe.name}/{name}"' in page


def _codes_in_product() -> set[str]:
    """Every diagnostic code written as a string in the package's source."""
    codes: set[str] = set()
    for module in (ROOT / "cquin_rules").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"[EW]\d{3}", node.value):
                codes.add(node.value)
    return codes


def test_every_diagnostic_code_has_a_section_in_the_manual() -> None:
    """Each code the product can report has its own heading on the diagnostics page."""
    page = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    headings = {line.split()[1] for line in page.split("\n") if line.startswith("### ")}
    assert _codes_in_product() - headings == set()


def test_every_rulebook_code_has_a_wrong_example() -> None:
    """Each code a rulebook can draw (E0xx-E4xx, W5xx) is shown wrong, and then fixed."""
    shown = {code for b in RULEBOOKS if b.marker and b.marker[0] == "wrong"
             for code in b.marker[1].split()}
    rulebook_codes = {c for c in _codes_in_product() if c[1] in "01234" or c.startswith("W5")}
    assert rulebook_codes - shown == set()


def test_the_manual_is_substantial() -> None:
    """The extraction finds the blocks (a broken fence parser would pass vacuously)."""
    assert len(RULEBOOKS) >= 50 and len(CONSOLES) >= 20 and len(RECIPES) >= 12


OUTSIDE = ("../shared", "LANGUAGE.md", "/work/")


@pytest.mark.parametrize(
    "path",
    [ROOT / "README.md", *PAGES, *(ROOT / "cquin_rules").rglob("*.py"),
     *(ROOT / "cquin_rules" / "builtin_frameworks").glob("*.cquin")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_nothing_points_outside_the_repository(path: Path) -> None:
    """The README, the manual and the package never send a reader to a file they lack."""
    text = path.read_text(encoding="utf-8")
    assert [word for word in OUTSIDE if word in text] == []


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])  # type: ignore[attr-defined]
def test_help_names_no_missing_reference(command: str | None) -> None:
    """`--help` cites pages of the manual, never "section N" of a file users do not have."""
    args = ["--help"] if command is None else [command, "--help"]
    text = CliRunner().invoke(main, args).output
    assert "section " not in text and "LANGUAGE" not in text


def test_docs_command_says_where_the_manual_is() -> None:
    """`cquin docs` names the manual's first page and, in a checkout, the local copy."""
    import cquin_rules

    output = CliRunner().invoke(main, ["docs"]).output
    assert "docs/index.md" in output
    if Path(cquin_rules.__file__).resolve().parent.parent == ROOT:  # an editable install
        assert str(DOCS / "index.md") in output


def test_version() -> None:
    """`cquin --version` prints the installed version."""
    from importlib.metadata import version

    assert version("cquin-rules") in CliRunner().invoke(main, ["--version"]).output


def regenerate() -> None:
    """Rewrite every console block's output with what its commands print now (run after a
    deliberate change of output: `python tests/test_docs.py`), then review the diff."""
    import os
    import tempfile

    for page in PAGES:
        lines = page.read_text(encoding="utf-8").split("\n")
        for block in reversed([b for b in blocks(page) if b.language == "console"]):
            home = os.getcwd()
            with tempfile.TemporaryDirectory() as scratch:
                if block.marker and block.marker[0] == "cwd":
                    shutil.copytree(ROOT / block.marker[1], Path(scratch) / "work")
                    os.chdir(Path(scratch) / "work")
                else:
                    os.chdir(ROOT)
                try:
                    new: list[str] = []
                    for line in block.text.split("\n"):
                        if line.startswith("$ "):
                            output = _run(line[2:])
                            new += [line, *(_tidy(output) if output.strip() else [])]
                finally:
                    os.chdir(home)
            end = block.line
            while not lines[end].strip().startswith("```"):
                end += 1
            lines[block.line:end] = new
        page.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    regenerate()
