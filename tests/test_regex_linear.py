"""Every regular expression in the package, and every one in the lexer the grammar builds,
runs on adversarial input inside a CPU-time limit (issue 17: a backtracking regex once
made `check` hang on a comment banner).

The expressions are found by reading the package's source: each `re.compile`, `re.match`,
`re.search`, … call has its pattern argument evaluated in its module's namespace, so a
pattern added anywhere is audited without being listed here. The inputs are long runs
(50,000 characters) of every special character and of short mixes, alone and with a
character after them that no pattern ends on, which is what sets off backtracking. The
limit is enforced by the kernel (RLIMIT_CPU) in a child process, so a busy machine cannot
make the test fail and a catastrophic pattern cannot make it hang.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import string
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cquin_rules.syntax.lalr import get_parser

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cquin_rules"
#: The calls whose first argument is a pattern, and where each takes its flags.
FLAGS_AT = {"compile": 1, "match": 2, "search": 2, "fullmatch": 2, "finditer": 2,
            "findall": 2, "split": 3, "sub": 4, "subn": 4}
#: CPU seconds each pattern may take over all the inputs: the slowest linear pattern
#: takes about 1.5 s, the quadratic ones this test found took 7 to 90 s, an exponential
#: one would take years.
BUDGET = 5
LENGTH = 50_000


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


#: How the child runs each kind of use: `match` and `fullmatch` try one position;
#: everything else may try every position, which `finditer` does to the end.
SCANS = {"match": "match", "fullmatch": "fullmatch", "search": "finditer",
         "finditer": "finditer", "findall": "finditer", "split": "finditer",
         "sub": "finditer", "subn": "finditer"}
Pattern = tuple[str, str | bytes, int, list[str]]


def pattern_uses() -> dict[str, set[str]]:
    """For each name a compiled pattern may be bound to, how the package uses it: the
    methods called on it, or every scan when it is used any other way (passed on,
    returned), since then it may be searched anywhere."""
    uses: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        receivers = set()
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.attr in SCANS):
                uses.setdefault(node.value.id, set()).add(SCANS[node.attr])
                receivers.add(id(node.value))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                    and id(node) not in receivers):
                uses.setdefault(node.id, set()).update({"match", "fullmatch", "finditer"})
    return uses


def _bound_name(tree: ast.AST, call: ast.Call) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.value is call and len(node.targets) == 1:
            target = node.targets[0]
            return target.id if isinstance(target, ast.Name) else None
    return None


def package_patterns() -> list[Pattern]:
    """(where, pattern, flags, scans) for every `re.<function>(pattern, …)` call in the
    package; `scans` are the ways the package runs it."""
    found: list[Pattern] = []
    uses = pattern_uses()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        calls = [node for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                 and node.func.attr in FLAGS_AT]
        if not calls:  # not imported: importing `__main__` would run the command line
            continue
        module = importlib.import_module(_module_name(path))
        for node in calls:
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            try:
                pattern = eval(compile(ast.Expression(node.args[0]), where, "eval"),
                               dict(vars(module)))
                at = FLAGS_AT[node.func.attr]
                flag_nodes = [*node.args[at:at + 1],
                              *(k.value for k in node.keywords if k.arg == "flags")]
                flags = 0
                for flag in flag_nodes:
                    flags |= int(eval(compile(ast.Expression(flag), where, "eval"),
                                      dict(vars(module))))
            except NameError as error:  # the pattern is built from local values
                pytest.fail(f"{where}: build the pattern from module-level values so it "
                            f"can be audited ({error})")
            if isinstance(pattern, re.Pattern):
                pattern, flags = pattern.pattern, pattern.flags | flags
            if node.func.attr == "compile":
                name = _bound_name(tree, node)
                scans = uses.get(name, set()) if name else {"match", "fullmatch", "finditer"}
            else:
                scans = {SCANS[node.func.attr]}
            found.append((where, pattern, flags, sorted(scans)))
    return found


def lexer_patterns() -> list[Pattern]:
    """The grammar's terminals, as the lexer matches them: at one position at a time."""
    return [(f"terminal {t.name}", t.pattern.to_regexp(), 0, ["match"])
            for t in get_parser().terminals if t.pattern.type == "re"]


def test_the_audit_sees_the_package_patterns() -> None:
    """The source walk finds patterns in each module that uses `re` (not zero, which would
    make the audit pass by finding nothing)."""
    modules = {where.split(":")[0] for where, *_ in package_patterns()}
    users = {str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*.py")
             if re.search(r"^import re$", path.read_text("utf-8"), re.MULTILINE)}
    assert users and modules == users
    assert len(lexer_patterns()) >= 5


def test_re_is_only_used_as_re() -> None:
    """No `from re import …` or `import re as …`, which the audit's source walk would miss."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("re", "regex"), path
            if isinstance(node, ast.Import):
                assert all(a.name != "re" or a.asname is None for a in node.names), path
                assert all(a.name != "regex" for a in node.names), path


def adversarial_inputs() -> list[str]:
    """Long runs of each special character and of mixes the language's text is made of,
    bare and followed by a NUL, which no pattern ends on."""
    singles = [*string.punctuation, " ", "\t", "\n", "\r", "\f", "a", "Z", "0", "£", "≥",
               "\u00a0", "\x00", "é"]
    mixes = ["a ", "a,", "a, ", "0.", "0,", "0_", "0 ", "0%", "# ", "#\n", " \n", "\r\n",
             "a.", "a\n", "pp", "1pp ", "Q1 ", "M1", "£0,000", "\\\"", '"a', "a to ",
             "domain a, ", "framework\n", "expect ", "linear from 1% to ", "value >= ",
             "goal A\n", "baseline + ", "<=", "# Source: "]
    tails = ["", "\x00"]
    return [(run * (LENGTH // len(run) + 1))[:LENGTH] + tail
            for run in singles + mixes for tail in tails]


_CHILD = textwrap.dedent(
    """
    import json, re, resource, sys
    patterns, inputs, budget = json.load(sys.stdin)
    total = (len(patterns) + 2) * budget
    resource.setrlimit(resource.RLIMIT_CPU, (total, total + 5))
    for where, pattern, flags, scans in patterns:
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (spent + budget, total + 5))
        print(where, flush=True)
        if isinstance(pattern, list):  # a bytes pattern, carried as latin-1 text
            pattern = pattern[1].encode("latin-1")
        compiled = re.compile(pattern, flags)
        for text in inputs:
            if isinstance(pattern, bytes):
                text = text.encode("utf-8")
            for scan in scans:
                result = getattr(compiled, scan)(text)
                if scan == "finditer":
                    for _ in result:
                        pass
    print("done", flush=True)
    """
)


def run_under_limit(patterns: list[Pattern]) -> None:
    """Run every pattern over every input in a child under RLIMIT_CPU; fail naming the
    pattern that was running when the kernel stopped the child."""
    carried = [(where, ["bytes", pattern.decode("latin-1")] if isinstance(pattern, bytes)
                else pattern, flags, scans) for where, pattern, flags, scans in patterns]
    payload: list[Any] = [carried, adversarial_inputs(), BUDGET]
    done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=1800)
    lines = done.stdout.split("\n")
    finished = [line for line in lines if line]
    assert done.returncode == 0 and finished[-1:] == ["done"], (
        f"over {BUDGET} CPU seconds on {LENGTH:,} characters (exit {done.returncode}): "
        f"{finished[-1] if finished else 'before the first pattern'}\n{done.stderr[-1000:]}"
    )


def test_every_package_pattern_is_linear_on_adversarial_input() -> None:
    """Each `re` pattern in cquin_rules finishes the adversarial inputs within the budget."""
    run_under_limit(package_patterns())


def test_every_lexer_pattern_is_linear_on_adversarial_input() -> None:
    """Each regular-expression terminal of the grammar finishes within the budget."""
    run_under_limit(lexer_patterns())


def test_the_limit_stops_a_catastrophic_pattern() -> None:
    """The harness itself: a known exponential pattern is stopped and named."""
    with pytest.raises(AssertionError, match="catastrophe"):
        run_under_limit([("catastrophe", r"(?:#|#)*framework", 0, ["match"])])
