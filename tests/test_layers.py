"""The package's layers, kept by a test: data flows one way, from text to reports.

    base → syntax → semantics → {check, frameworks, engine} → {tools, reports} → api → lsp → cli

A module may import from its own subpackage and from any layer below its own; never from a
layer above, nor from a sibling in its own tier (check, frameworks and engine know nothing of
each other; nor do tools and reports). The package's `__init__` (the declared public API)
stands just above `api`, and `__main__` just above `cli`.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cquin_rules"
TIERS: list[set[str]] = [
    {"base"},
    {"syntax"},
    {"semantics"},
    {"check", "frameworks", "engine"},
    {"tools", "reports"},
    {"api"},
    {"__init__"},
    {"jsonrpc"},
    {"lsp"},
    {"cli"},
    {"__main__"},
]


def unit_of(module: tuple[str, ...]) -> str:
    """A module's layer unit: its subpackage, or its own name at the top of the package."""
    return module[0]


def tier_of(unit: str) -> int:
    return next(index for index, tier in enumerate(TIERS) if unit in tier)


def modules() -> list[tuple[tuple[str, ...], Path]]:
    return sorted(
        (tuple(path.relative_to(PACKAGE).with_suffix("").parts), path)
        for path in PACKAGE.rglob("*.py")
    )


def imported(module: tuple[str, ...], path: Path) -> list[tuple[int, tuple[str, ...]]]:
    """Every cquin_rules module `path` imports (at any depth), as package-relative parts."""
    here = module[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - (node.level - 1)] if node.level > 1 else here)
                target = [*base, *(node.module.split(".") if node.module else [])]
                if node.module is None:
                    found += [(node.lineno, (*target, alias.name)) for alias in node.names]
                    continue
                found.append((node.lineno, tuple(target)))
            elif node.module and node.module.split(".")[0] == "cquin_rules":
                found.append((node.lineno, tuple(node.module.split(".")[1:])))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cquin_rules":
                    found.append((node.lineno, tuple(alias.name.split(".")[1:])))
    return [(line, target) for line, target in found if target]


def violations() -> list[str]:
    problems = []
    for module, path in modules():
        unit = unit_of(module)
        for line, target in imported(module, path):
            other = unit_of(target)
            if other == unit:
                continue
            if tier_of(other) > tier_of(unit):
                problems.append(f"{path.name}:{line}: {'.'.join(module)} ({unit}) imports the "
                                f"higher layer {'.'.join(target)}")
            elif tier_of(other) == tier_of(unit):
                problems.append(f"{path.name}:{line}: {'.'.join(module)} imports its sibling "
                                f"{'.'.join(target)}")
    return problems


def test_every_module_has_a_layer() -> None:
    """Every module and subpackage of cquin_rules belongs to exactly one tier."""
    units = {unit_of(module) for module, _ in modules()}
    placed = set().union(*TIERS)
    assert units <= placed, f"modules with no layer: {sorted(units - placed)}"
    assert sum(len(tier) for tier in TIERS) == len(placed)


def test_data_flows_one_way() -> None:
    """No module imports from a layer above its own, or from a sibling in its tier."""
    assert violations() == []


@pytest.mark.parametrize(
    ("importer", "imported_module", "allowed"),
    [
        (("engine", "evaluate"), ("semantics", "compile"), True),
        (("semantics", "compile"), ("engine", "evaluate"), False),
        (("check", "scheme"), ("engine", "result"), False),
        (("tools", "explain"), ("reports", "html"), False),
        (("cli",), ("lsp",), True),
    ],
)
def test_the_rule_itself(
    importer: tuple[str, ...], imported_module: tuple[str, ...], allowed: bool
) -> None:
    """The rule tells a permitted import from a forbidden one (so the test can fail)."""
    a, b = unit_of(importer), unit_of(imported_module)
    assert (a == b or tier_of(b) < tier_of(a)) is allowed


def import_cycle(package: str) -> list[str]:
    """A cycle of imports among the modules of subpackage `package`, or [] when none."""
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for module, path in modules():
        if module[0] != package:
            continue
        node = module[:-1] if module[-1] == "__init__" else module
        targets = {target for _line, target in imported(module, path) if target[0] == package}
        graph.setdefault(node, set()).update(targets)
    state: dict[tuple[str, ...], str] = {}
    trail: list[tuple[str, ...]] = []

    def visit(node: tuple[str, ...]) -> list[str]:
        state[node] = "open"
        trail.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [".".join(n) for n in trail[trail.index(target):]] + [".".join(target)]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        trail.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


@pytest.mark.parametrize(
    "package", sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists())
)
def test_no_subpackage_has_an_import_cycle(package: str) -> None:
    """Within each subpackage modules import one another one way: no cycles, at any depth of
    the code (the two cycles issue 11 found, frameworks and parser/tables, are gone)."""
    assert import_cycle(package) == []


def test_a_cycle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cycle finder reports two modules that import each other (so the test can fail)."""
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "a.py").write_text("from .b import x\n", "utf-8")
    (tmp_path / "frameworks" / "b.py").write_text("def f():\n    from .a import y\n", "utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    assert import_cycle("frameworks") == ["frameworks.a", "frameworks.b", "frameworks.a"]


def unexplained_imports(path: Path) -> list[int]:
    """The lines of imports inside a function of `path` that say nowhere why they are there.

    An import inside a function is explained by a comment on its line or the line above
    it; a run of such imports (only blank lines between them) shares the comment above its
    first one. Module-level imports need no word: that is where imports belong.
    """
    text = path.read_text("utf-8")
    lines = [re.sub(r"#\s*(type:\s*ignore|noqa)\S*", "", line) for line in text.splitlines()]
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [inner for inner in ast.walk(node)
                      if isinstance(inner, (ast.Import, ast.ImportFrom))]
    unexplained = []
    explained_until = 0
    for node in sorted(set(found), key=lambda node: node.lineno):
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        gap = lines[explained_until:node.lineno - 1] if explained_until else ["x"]
        if "#" in lines[node.lineno - 1] or above.startswith("#") or not any(
                line.strip() for line in gap):
            explained_until = node.end_lineno or node.lineno
        else:
            unexplained.append(node.lineno)
            explained_until = 0
    return unexplained


def test_function_level_imports_say_why() -> None:
    """An import inside a function is there for a reason it states: start-up time (a heavy
    or rarely used module loaded on first use) or a cycle it avoids; otherwise it belongs at
    the top of the module."""
    problems = [f"{path.relative_to(PACKAGE.parent)}:{line}"
                for _module, path in modules() for line in unexplained_imports(path)]
    assert problems == []


def test_an_unexplained_import_is_found(tmp_path: Path) -> None:
    """The import rule tells a bare function-level import from an explained run."""
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n"
        "    # lazy: heavy\n"
        "    import json\n"
        "\n"
        "    import csv\n"
        "    return json, csv\n"
        "\n"
        "\n"
        "def g():\n"
        "    x = 1\n"
        "    import zipfile\n"
        "    import io  # type: ignore[import]\n"
        "    return x, zipfile, io\n", "utf-8")
    assert unexplained_imports(module) == [11, 12]
