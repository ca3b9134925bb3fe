"""The Python API: load a rulebook, check it, evaluate it, run its examples.

Every stage reports problems as `Diagnostic`s; the API raises `CquinError` (carrying
all of them) where a caller cannot go on, so embedding tools never parse text output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from .base.diagnostics import CquinError, Diagnostic, has_errors, sort_key
from .base.limits import Limits
from .syntax.model import Scheme

if TYPE_CHECKING:
    from .engine.batch import BatchResult
    from .engine.measurements import Measurements
    from .engine.result import Result
    from .frameworks.framework import Framework
    from .semantics.compile import CompiledScheme
    from .tools.examples import ExampleOutcome
    from .tools.explain import Explanation



@frozen
class Source:
    """A file's text and the name diagnostics call it by."""

    path: str
    text: str


def read_source(
    path: str | os.PathLike[str], limits: Limits | None = None
) -> tuple[Source | None, list[Diagnostic]]:
    """Read and decode a file (None and E003 when it is larger than the limit); OSError
    propagates (the CLI makes it exit 2)."""
    from .base.limits import read_limited
    from .syntax.parser import decode

    name = os.fspath(path)
    data, diagnostics = read_limited(name, limits)
    if data is None:
        return None, diagnostics
    text, diagnostics = decode(data, name)
    return (Source(name, text) if text is not None else None), diagnostics


class Rulebook:
    """A parsed rulebook that has no syntax errors; `check()` says whether it is sound."""

    def __init__(
        self,
        scheme: Scheme,
        source: Source,
        diagnostics: list[Diagnostic],
        limits: Limits | None = None,
    ) -> None:
        self.scheme = scheme
        self.source = source
        self.parse_diagnostics = diagnostics
        self.limits = limits
        self._checked: dict[str | None, list[Diagnostic]] = {}
        self._evaluated: Scheme | None = None
        self._compiled: CompiledScheme | None = None

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def folder(self) -> Path | None:
        """The rulebook's folder, against which a header's `framework "PATH"` is read."""
        return None if self.path == "<text>" else Path(self.path).resolve().parent

    def check(self, framework: str | None = None) -> list[Diagnostic]:
        """Every problem found by parsing and checking, errors and warnings, in file order.

        `framework` (a built-in name or a path) is checked instead of the one the header
        names, as `cquin check --framework` does: the command line wins. The model is
        frozen, so each answer is worked out once and kept (evaluating checks first).
        """
        from .check.scheme import check
        from .frameworks.step import check_against_framework

        if framework not in self._checked:
            found = list(self.parse_diagnostics)
            found += [d.at(self.path) for d in check(self.scheme)]
            found += check_against_framework(
                self.scheme, command_line=framework, base_dir=self.folder, path=self.path
            )[1]
            self._checked[framework] = sorted(found, key=sort_key)
        return list(self._checked[framework])

    def framework(self) -> Framework | None:
        """The framework the header names, if any and if it loads."""
        from .frameworks.step import check_against_framework

        if self.scheme.header.framework is None:
            return None
        return check_against_framework(self.scheme, base_dir=self.folder, path=self.path)[0]

    def evaluated_scheme(self) -> Scheme:
        """The scheme as it is evaluated: under a framework that says `deemed achieved`
        (the one the header names), as if the header said so (section 8)."""
        from .frameworks.step import deemed_under

        if self._evaluated is None:
            if self.scheme.header.framework is None or self.scheme.header.deemed_achieved:
                self._evaluated = self.scheme
            else:
                self._evaluated = deemed_under(self.scheme, self.framework())
        return self._evaluated

    def compiled(self) -> CompiledScheme:
        """The evaluated scheme compiled, once per Rulebook: the model is frozen, so every
        `evaluate` call reuses it (compiling costs ten times an evaluation)."""
        from .semantics.compile import compile_scheme

        if self._compiled is None:
            self._compiled = compile_scheme(self.evaluated_scheme())
        return self._compiled

    def evaluate(
        self,
        measurements: Measurements | Mapping[str, object] | str | os.PathLike[str]
        | list[Any] | tuple[Any, ...],
        *,
        strict: bool = False,
        as_of: str | int | None = None,
    ) -> Result:
        """The money each goal earns for `measurements`: a `Measurements`, a mapping such as
        `{"FLU.uptake": "68%", "REC.plan Q2": "achieved"}`, or a path to a CSV/JSON file;
        or a list of them, the quarterly returns in order (a later value for the same
        indicator and period replaces an earlier one; the result names the files and holds
        each indicator's trajectory across them).

        `as_of` (`"M6"`, `"Q2"`, or a month 1–12) evaluates the year so far: periods that
        end later are not yet due, and the result holds the to-date figures beside the
        year-end ones. Raises CquinError when the rulebook has errors or the measurements
        do; ValueError for an `as_of` that is not a month or a quarter.
        """
        from .engine.evaluate import evaluate
        from .engine.returns import evaluate_returns
        from .semantics.as_of import as_of_month

        month = None if as_of is None else as_of_month(as_of)
        self._require_clean()
        scheme = self.compiled()
        if isinstance(measurements, (list, tuple)):
            returns = [self._named_measurements(item, index)
                       for index, item in enumerate(measurements, start=1)]
            return evaluate_returns(scheme, returns, strict=strict, path=self.path, as_of=month)
        if isinstance(measurements, (str, os.PathLike)):
            return evaluate_returns(scheme, [self._named_measurements(measurements, 1)],
                                    strict=strict, path=self.path, as_of=month)
        return evaluate(scheme, measurements, strict=strict, path=self.path, as_of=month)

    def _named_measurements(self, item: Any, position: int) -> tuple[str, Measurements]:
        """A return as (the name reports give it, its measurements)."""
        from .engine.measurements import Measurements

        if isinstance(item, (str, os.PathLike)):
            return os.fspath(item), read_measurements(item, self, limits=self.limits)
        if isinstance(item, Measurements):
            name = next((m.origin.path for m in item.values() if m.origin), f"return {position}")
            return name, item
        read, diagnostics = Measurements.from_mapping(item, self.compiled(),
                                                      f"return {position}")
        if read is None:
            raise CquinError(diagnostics)
        return f"return {position}", read

    def evaluate_many(self, columns: Mapping[Any, Any], *, size: int | None = None
                      ) -> BatchResult:
        """Many measurement sets at once: `columns` maps an indicator (`"FLU.uptake"`) to
        one value per set (`batch.Scaled`, `batch.Counts`, a boolean or integer numpy
        array, or a sequence of values as `evaluate` takes them). Gives every set's earned
        pennies per goal, exactly as `evaluate` would (see `batch.py`).

        Raises CquinError when the rulebook has errors or a column does.
        """
        from .engine.batch import evaluate_many

        self._require_clean()
        return evaluate_many(self.compiled(), columns, size=size)

    def explain(
        self, measurements: Measurements | Mapping[str, object] | str | os.PathLike[str],
        *, as_of: str | int | None = None,
    ) -> Explanation:
        """Why each number in `evaluate(measurements)` is what it is (see `explain.py`);
        `as_of` as for `evaluate`.

        Raises CquinError when the rulebook has errors or the measurements do.
        """
        from .semantics.as_of import as_of_month
        from .tools.explain import explain

        month = None if as_of is None else as_of_month(as_of)
        self._require_clean()
        if isinstance(measurements, (str, os.PathLike)):
            measurements = read_measurements(measurements, self, limits=self.limits)
        return explain(self.evaluated_scheme(), measurements, as_of=month)

    def run_examples(self) -> list[ExampleOutcome]:
        """The outcome of every `example` block (section 11)."""
        from .tools.examples import run_examples

        self._require_clean()
        return run_examples(self.evaluated_scheme(), self.path)

    def _require_clean(self) -> None:
        diagnostics = self.check()
        if has_errors(diagnostics):
            raise CquinError([d for d in diagnostics if d.severity == "error"], self.source.text)


def loads(text: str, path: str = "<text>", *, limits: Limits | None = None) -> Rulebook:
    """Parse rulebook text. Raises CquinError on syntax errors or a breached limit (E003;
    `limits` defaults to the environment's, see docs/limits.md); call `check()` for the
    rest."""
    from .syntax.parser import parse

    scheme, diagnostics = parse(text, path, limits)
    if scheme is None or any(d.code in ("E001", "E002", "E003") for d in diagnostics):
        raise CquinError(diagnostics, text)
    return Rulebook(scheme, Source(path, text), diagnostics, limits)


def diagnose(
    text: str, path: str = "<text>", framework: str | None = None, *, limits: Limits | None = None
) -> list[Diagnostic]:
    """Every problem in rulebook text, errors and warnings, in file order.

    The one place diagnostics are assembled: `cquin check` prints these and the language
    server publishes them, so an editor and the command line never disagree. `framework`
    overrides the header's, as `--framework` does. A framework file is checked as one.
    """
    from .syntax.parser import start_for

    if start_for(text) == "framework_file":
        from .frameworks.parse import parse_framework

        return sorted(parse_framework(text, path)[1], key=sort_key)
    try:
        return loads(text, path, limits=limits).check(framework)
    except CquinError as error:
        return sorted(error.diagnostics, key=sort_key)


def load(path: str | os.PathLike[str], *, limits: Limits | None = None) -> Rulebook:
    """Load and check the rulebook file at `path` (rulebook text goes to `loads`).

    Raises CquinError when the rulebook has errors (run `check()` for warnings) or breaks
    a limit (E003; `limits` defaults to the environment's, see docs/limits.md); OSError
    when the file cannot be read.
    """
    source, diagnostics = read_source(path, limits)
    if source is None:
        raise CquinError(diagnostics)
    rulebook = loads(source.text, source.path, limits=limits)
    rulebook._require_clean()
    return rulebook


def read_measurements(
    path: str | os.PathLike[str], rulebook: Rulebook, *, limits: Limits | None = None
) -> Measurements:
    """Measurements from a CSV or JSON file (section 10); CquinError lists every bad row,
    or the limit (file size, rows, digits) the file breaks (E003)."""
    from .engine.reading import read_measurements as read

    measurements, diagnostics = read(os.fspath(path), rulebook.scheme,
                                     limits=limits or rulebook.limits)
    if measurements is None:
        raise CquinError(diagnostics)
    return measurements
