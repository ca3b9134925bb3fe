"""The Python API: load a rulebook, check it, evaluate it, run its examples.

Every stage reports problems as `Diagnostic`s; the API raises `CquinError` (carrying
all of them) where a caller cannot go on, so embedding tools never parse text output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from .base.diagnostics import CquinError, Diagnostic, has_errors, sort_key
from .base.limits import Limits, read_limited
from .syntax.model import Scheme

if TYPE_CHECKING:
    from .engine.batch import BatchResult
    from .engine.earned_code import EarnedFunction
    from .engine.measurements import Measurements
    from .engine.result import Result
    from .frameworks.framework import Framework
    from .reports.status import StatusView
    from .semantics.compile import CompiledScheme
    from .tools.contract_schedule import ContractSchedule
    from .tools.coverage import Coverage
    from .tools.diff import Comparison
    from .tools.examples import ExampleOutcome
    from .tools.explain import Explanation
    from .tools.targets import Targets



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
    # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
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
        self._checked: dict[tuple[str | None, bool], list[Diagnostic]] = {}
        self._evaluated: Scheme | None = None
        self._compiled: CompiledScheme | None = None
        self._earned: EarnedFunction | None = None
        #: Whether check() found no errors: asked once (the model is frozen), then kept.
        self._clean = False

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def folder(self) -> Path | None:
        """The rulebook's folder, against which a header's `framework "PATH"` is read."""
        return None if self.path == "<text>" else Path(self.path).resolve().parent

    def check(self, framework: str | None = None, *, for_signature: bool = False
              ) -> list[Diagnostic]:
        """Every problem found by parsing and checking, errors and warnings, in file order.

        `framework` (a built-in name or a path) is checked instead of the one the header
        names, as `cquin check --framework` does: the command line wins. `for_signature`
        adds E510 for every goal not yet agreed or with no lead (`--for-signature`). The
        model is frozen, so each answer is worked out once and kept (evaluating checks
        first).
        """
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .check.scheme import check
        from .frameworks.step import check_against_framework

        asked = (framework, for_signature)
        if asked not in self._checked:
            found = list(self.parse_diagnostics)
            found += [d.at(self.path) for d in check(self.scheme)]
            found += check_against_framework(
                self.scheme, command_line=framework, base_dir=self.folder, path=self.path
            )[1]
            if for_signature:
                # lazy: only `--for-signature` asks for it
                from .check.signature import check_for_signature

                found += [d.at(self.path) for d in check_for_signature(self.scheme)]
            self._checked[asked] = sorted(found, key=sort_key)
        return list(self._checked[asked])

    def framework(self) -> Framework | None:
        """The framework the header names, if any and if it loads."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .frameworks.step import check_against_framework

        if self.scheme.header.framework is None:
            return None
        return check_against_framework(self.scheme, base_dir=self.folder, path=self.path)[0]

    def evaluated_scheme(self) -> Scheme:
        """The scheme as it is evaluated: under a framework that says `deemed achieved`
        (the one the header names), as if the header said so (section 8)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
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
        if self._compiled is None:
            # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
            from .semantics.compile import compile_scheme

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
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.evaluate import evaluate

        month = None
        if as_of is not None:
            # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
            from .semantics.as_of import as_of_month

            month = as_of_month(as_of)
        self._require_clean()
        scheme = self.compiled()
        if isinstance(measurements, Mapping):
            return evaluate(scheme, measurements, strict=strict, path=self.path, as_of=month)
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.returns import evaluate_returns

        if isinstance(measurements, (list, tuple)):
            returns = [self._named_measurements(item, index)
                       for index, item in enumerate(measurements, start=1)]
            return evaluate_returns(scheme, returns, strict=strict, path=self.path, as_of=month)
        if isinstance(measurements, (str, os.PathLike)):
            return evaluate_returns(scheme, [self._named_measurements(measurements, 1)],
                                    strict=strict, path=self.path, as_of=month)
        return evaluate(scheme, measurements, strict=strict, path=self.path, as_of=month)

    def earned_function(self) -> EarnedFunction:
        """Each goal's earned pennies as one compiled function, made once per Rulebook: for
        hot loops and other tools that need only the money. Call it with exact values by
        indicator name (a Fraction or int for a number or a percent as its fraction of 1,
        a `(numerator, denominator)` tuple of ints, True/False for evidence, None for not
        reported; every indicator named); it returns a tuple of pennies in goal order, the
        same as `evaluate` gives (see `engine/earned_code.py`). Raises CquinError when the
        rulebook has errors; the function raises CquinError naming a bad or missing value.
        """
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.earned_code import earned_function

        if self._earned is None:
            self._require_clean()
            self._earned = earned_function(self.compiled())
        return self._earned

    def earned_pennies(self, values: Mapping[str, object]) -> dict[str, int]:
        """Each goal's earned pennies by goal code, from exact values as `earned_function`
        takes them: `{"FLU.uptake": Fraction(68, 100), "CMA.community": (140, 200),
        "AED.attendances": 212, "REC.plan Q2": True, ...}`."""
        pennies = self.earned_function()(values)
        return dict(zip((goal.code for goal in self.compiled().goals), pennies, strict=True))

    def _named_measurements(self, item: Any, position: int) -> tuple[str, Measurements]:
        """A return as (the name reports give it, its measurements)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
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
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.batch import evaluate_many

        self._require_clean()
        return evaluate_many(self.compiled(), columns, size=size)

    def explain(
        self, measurements: Measurements | Mapping[str, object] | str | os.PathLike[str],
        *, as_of: str | int | None = None,
    ) -> Explanation:
        """Why each number in `evaluate(measurements)` is what it is (see `tools/explain`);
        `as_of` as for `evaluate`.

        Raises CquinError when the rulebook has errors or the measurements do.
        """
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .semantics.as_of import as_of_month
        from .tools.explain import explain

        month = None if as_of is None else as_of_month(as_of)
        self._require_clean()
        if isinstance(measurements, (str, os.PathLike)):
            measurements = read_measurements(measurements, self, limits=self.limits)
        return explain(self.evaluated_scheme(), measurements, as_of=month)

    def targets(
        self,
        measurements: Measurements | Mapping[str, object] | str | os.PathLike[str]
        | list[Any] | tuple[Any, ...],
        *,
        as_of: str | int | None = None,
        estimates: str | os.PathLike[str] | None = None,
        scenarios: int = 10_000,
        seed: int = 0,
    ) -> Targets:
        """What it would take, and what is at risk (see `tools/targets.py`): for every
        indicator not fully met, each payment step above it, the value that reaches it and
        the money it adds; and the goals below full payment as of the month, with their
        leads. `measurements` as for `evaluate` (a list is the returns in order); with an
        `estimates` file, goals whose forecast P50 (`scenarios`, `seed`) falls short are at
        risk too.

        Raises CquinError when the rulebook, the measurements or the estimates have errors;
        ValueError for an `as_of` that is not a month or a quarter.
        """
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.returns import combine_returns
        from .semantics.as_of import as_of_month
        from .tools.forecast import forecast, read_estimates
        from .tools.targets import find_targets

        month = None if as_of is None else as_of_month(as_of)
        self._require_clean()
        compiled = self.compiled()
        items = list(measurements) if isinstance(measurements, (list, tuple)) else [measurements]
        returns = [self._named_measurements(item, index)
                   for index, item in enumerate(items, start=1)]
        named = any(isinstance(item, (str, os.PathLike)) for item in items)
        files = tuple(name for name, _ in returns) if named else ()
        outlook: tuple[dict[str, Fraction], str] | None = None
        if estimates is not None:
            found, diagnostics = read_estimates(os.fspath(estimates), compiled)
            if found is None:
                raise CquinError(diagnostics)
            outcome = forecast(compiled, found, scenarios, seed)
            outlook = ({goal.code: goal.p50 for goal in outcome.goals},
                       f"{scenarios:,} scenarios from {os.fspath(estimates)}, seed {seed}")
        return find_targets(compiled, combine_returns([m for _, m in returns]), as_of=month,
                            data_files=files, forecast=outlook)

    def run_examples(self) -> list[ExampleOutcome]:
        """The outcome of every `example` block (section 11)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .tools.examples import run_examples

        self._require_clean()
        return run_examples(self.evaluated_scheme(), self.path)

    def negotiation(self) -> StatusView:
        """Each goal's status colour, lead and money, and the money by colour (`cquin
        status`); a draft whose money does not yet add up is shown as it stands."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .reports.status import status_view

        return status_view(self.scheme)

    def diff(
        self, newer: Rulebook, *,
        measurements: Mapping[str, object] | str | os.PathLike[str] | None = None,
        estimates: str | os.PathLike[str] | None = None,
        scenarios: int = 10_000, seed: int = 0,
    ) -> Comparison:
        """What changes from this draft to `newer`, in meaning (layout and comments are not
        compared); with `measurements` (a mapping or a CSV/JSON file), what each draft
        pays goal by goal on them; with `estimates` (a CSV file, see `forecast.py`), each
        draft's forecast with the same `seed` and `scenarios`. A CSV row naming an
        indicator only one draft has is dropped for the other.

        Drafts with errors (weights that do not yet add up) are compared in meaning; money
        needs both to check clean. Raises CquinError when data is given and either
        rulebook has errors, or the data does; OSError when a file cannot be read.
        """
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.measurements import read_data_file
        from .tools.diff import compare, read_for_both
        from .tools.forecast import forecast, parse_estimates

        if measurements is not None or estimates is not None:
            self._require_clean()
            newer._require_clean()
        results = None
        if isinstance(measurements, Mapping):
            results = (self.evaluate(measurements), newer.evaluate(measurements))
        elif measurements is not None:
            name = os.fspath(measurements)
            if name.lower().endswith((".xlsx", ".xlsm")):
                results = (self.evaluate(name), newer.evaluate(name))
            else:
                read = self._read_for_both(newer, name)
                results = (self.evaluate(read[0]), newer.evaluate(read[1]))
        forecasts = None
        if estimates is not None:
            name = os.fspath(estimates)
            text, problems = read_data_file(name, self.limits)
            if text is None:
                raise CquinError(problems)
            old_compiled = self.compiled()
            new_compiled = newer.compiled()
            both, problems = read_for_both(text, name, (old_compiled, new_compiled),
                                           parse_estimates)
            if both is None:
                raise CquinError(problems)
            forecasts = (forecast(old_compiled, both[0], scenarios, seed),
                         forecast(new_compiled, both[1], scenarios, seed))
        return compare(self.scheme, newer.scheme, self.path, newer.path,
                       results=results, forecasts=forecasts)

    def _read_for_both(self, newer: Rulebook, name: str) -> tuple[Measurements, Measurements]:
        """A measurements file read for this draft and `newer` (see `diff.read_for_both`)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .engine.measurements import parse_measurements, read_data_file
        from .tools.diff import read_for_both

        text, problems = read_data_file(name, self.limits)
        if text is None:
            raise CquinError(problems)

        def parse(text: str, path: str, scheme: Scheme
                  ) -> tuple[Measurements | None, list[Diagnostic]]:
            return parse_measurements(text, path, scheme, limits=self.limits)

        both, problems = read_for_both(text, name, (self.scheme, newer.scheme), parse)
        if both is None:
            raise CquinError(problems)
        return both
    def contract_schedule(self) -> ContractSchedule:
        """The CQUIN schedule for the contract, as data (`tools.contract_schedule`); render
        it with `contract_schedule_render.to_markdown`/`to_html` or
        `contract_schedule_docx.to_docx`. Raises CquinError when the rulebook has errors
        or the framework it names (for payment terms) cannot be read."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .tools.contract_schedule import contract_schedule

        self._require_clean()
        schedule, found = contract_schedule(self.evaluated_scheme(), self.folder, self.path)
        if has_errors(found):
            raise CquinError([d for d in found if d.severity == "error"], self.source.text)
        return schedule

    def boundary_examples(self, goal: str | None = None) -> str:
        """`example` blocks just below, at and just above every threshold (of one goal, or
        all), with the money expected, in the canonical layout (`tools.boundaries`)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .tools.boundaries import boundary_text

        self._require_clean()
        return boundary_text(self.compiled(), goal)

    def coverage(self) -> Coverage:
        """Which rows, bands, periods, gates and combine branches the `example` blocks
        reach, each with its line (`tools.coverage`)."""
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .tools.coverage import coverage

        self._require_clean()
        return coverage(self.compiled(), self.path)

    def _require_clean(self) -> None:
        if self._clean:
            return
        diagnostics = self.check()
        if has_errors(diagnostics):
            raise CquinError([d for d in diagnostics if d.severity == "error"], self.source.text)
        self._clean = True


def loads(text: str, path: str = "<text>", *, limits: Limits | None = None) -> Rulebook:
    """Parse rulebook text. Raises CquinError on syntax errors or a breached limit (E003;
    `limits` defaults to the environment's, see docs/limits.md); call `check()` for the
    rest."""
    # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
    from .syntax.parser import parse

    scheme, diagnostics = parse(text, path, limits)
    if scheme is None or any(d.code in ("E001", "E002", "E003") for d in diagnostics):
        raise CquinError(diagnostics, text)
    return Rulebook(scheme, Source(path, text), diagnostics, limits)


def diagnose(
    text: str, path: str = "<text>", framework: str | None = None, *, limits: Limits | None = None,
    for_signature: bool = False,
) -> list[Diagnostic]:
    """Every problem in rulebook text, errors and warnings, in file order.

    The one place diagnostics are assembled: `cquin check` prints these and the language
    server publishes them, so an editor and the command line never disagree. `framework`
    overrides the header's, as `--framework` does; `for_signature` adds E510 (as
    `--for-signature` does). A framework file is checked as one.
    """
    # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
    from .syntax.parser import start_for

    if start_for(text) == "framework_file":
        # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
        from .frameworks.parse import parse_framework

        return sorted(parse_framework(text, path)[1], key=sort_key)
    try:
        return loads(text, path, limits=limits).check(framework, for_signature=for_signature)
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
    # lazy: keeps `import cquin_rules` light (start-up time); loaded on first use
    from .engine.reading import read_measurements as read

    measurements, diagnostics = read(os.fspath(path), rulebook.scheme,
                                     limits=limits or rulebook.limits)
    if measurements is None:
        raise CquinError(diagnostics)
    return measurements
