"""What the `example` blocks exercise (`cquin test --coverage`), and what they never reach.

A rulebook's examples are its tests; this says which of its branches they try, each with
the line it is on:

- every row of every pay rule (the row `minimum denominator` implies too), and each of a
  straight line's three bands: nothing, a share part way, in full;
- every period block (reached when an example measures something in it);
- every gate, indicator or scheme gate, both ways: met, and not met;
- every `combine all` and `at least K` both ways (paid, nothing paid), and for every
  `combine minimum` each item being the weakest.

Which row an indicator reached is worked out with the same compiled rule the evaluator
applied (`rules.CompiledRule.apply`); groups are combined again from the example's own
indicator attainments with `semantics.combine`, so nothing here can disagree with the
evaluator. A group's branches count only for examples that measure something in it:
an example about another goal exercises nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from attrs import frozen

from ..engine.result import IndicatorResult, Result
from ..semantics.combine import combine, gated
from ..semantics.compile import (
    CompiledIndicator,
    CompiledItem,
    CompiledPart,
    CompiledScheme,
    key_name,
)
from ..semantics.rules import Linear, Observation
from ..semantics.wording import (
    band_words,
    combine_branch_words,
    gate_words,
    weakest_words,
)
from ..syntax.model import Combine, CombineMode, LinearPay, Located
from .examples import run_examples

BranchKey = tuple[Any, ...]


@frozen
class Branch:
    """One way through the rulebook, where it is, and the examples that go that way."""

    line: int
    subject: str
    words: str
    reached_by: tuple[str, ...]

    @property
    def reached(self) -> bool:
        return bool(self.reached_by)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "subject": self.subject, "words": self.words,
                "reached_by": list(self.reached_by)}


@frozen
class Coverage:
    """A rulebook's branches in source order, each with the examples that reach it."""

    path: str
    examples: int
    branches: tuple[Branch, ...]

    @property
    def missed(self) -> list[Branch]:
        return [branch for branch in self.branches if not branch.reached]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "examples": self.examples,
                "branches": [branch.to_dict() for branch in self.branches]}

    def to_text(self) -> str:
        """`path: the 2 examples reach 9 of 16 branches`, then each branch by line: reached
        (and by which examples) or never."""
        reached = len(self.branches) - len(self.missed)
        examples = (f"the {self.examples} examples reach" if self.examples != 1
                    else "the 1 example reaches")
        lines = [f"{self.path}: {examples} {reached} of {len(self.branches)} branches"]
        for branch in self.branches:
            mark = "reached" if branch.reached else "never  "
            where = f"line {branch.line}"
            by = ""
            if branch.reached:
                by = "  (" + ", ".join(f'"{name}"' for name in branch.reached_by) + ")"
            lines.append(f"  {mark}  {where:<9} {branch.subject}: {branch.words}{by}")
        return "\n".join(lines) + "\n"


class _Branches:
    """The branches of one compiled scheme, in source order, and who reaches each."""

    def __init__(self) -> None:
        self.found: dict[BranchKey, tuple[int, str, str]] = {}
        self.reached: dict[BranchKey, list[str]] = {}

    def add(self, key: BranchKey, line: int, subject: str, words: str) -> None:
        self.found[key] = (line, subject, words)

    def reach(self, key: BranchKey, example: str) -> None:
        names = self.reached.setdefault(key, [])
        if key in self.found and example not in names:
            names.append(example)

    def result(self) -> tuple[Branch, ...]:
        ordered = sorted(self.found.items(), key=lambda item: item[1][0])
        return tuple(Branch(line, subject, words, tuple(self.reached.get(key, ())))
                     for key, (line, subject, words) in ordered)


def coverage(compiled: CompiledScheme, path: str = "<text>") -> Coverage:
    """Run the examples of `compiled` and say which branches each reaches."""
    branches = _Branches()
    _enumerate(compiled, branches)
    outcomes = run_examples(compiled, path)
    for outcome in outcomes:
        if outcome.result is not None:
            _reach(compiled, outcome.result, outcome.name, branches)
    return Coverage(path, len(outcomes), branches.result())


def _line(located: Located[Any] | Combine | None, fallback: int) -> int:
    return located.span.line if located is not None and located.span.line else fallback


# ---- every branch -------------------------------------------------------------------


def _enumerate(compiled: CompiledScheme, branches: _Branches) -> None:
    for goal in compiled.goals:
        node = goal.node
        if goal.is_gate:
            for met in (True, False):
                branches.add(("gate", goal.code, (), "", met), _line(node.gate, node.span.line),
                             goal.code, gate_words(met))
        combine_line = _line(node.combine, node.span.line)
        if goal.periods:
            for period in goal.periods:
                line = period.node.span.line
                branches.add(("period", goal.code, period.name), line,
                              f"{goal.code} period {period.name}", "measured in an example")
                _items(branches, period.items, period.combine, period.at_least,
                       (goal.code, period.name), f"{goal.code} {period.name}",
                       _line(period.node.combine, combine_line))
        else:
            _items(branches, goal.items, goal.combine, goal.at_least, (goal.code, "year"),
                   goal.code, combine_line)


def _items(branches: _Branches, items: Sequence[CompiledItem], mode: CombineMode,
           at_least: int | None, owner: tuple[Any, ...], subject: str, line: int) -> None:
    weighed = [item for item in items if not item.is_gate]
    if mode in ("all", "at least") and weighed:
        for paid in (True, False):
            branches.add(("combine", owner, paid), line, subject,
                         combine_branch_words(mode, at_least, paid))
    if mode == "minimum" and len(weighed) > 1:
        for item in weighed:
            name = ".".join(item.path)
            branches.add(("weakest", owner, item.path), line, subject, weakest_words(name))
    for item in items:
        if isinstance(item, CompiledPart):
            node = item.node
            _items(branches, item.items, item.combine, item.at_least, (*owner, item.path),
                   f"{subject}.{item.path[-1]}", _line(node.combine, node.span.line))
        else:
            _rows(branches, item)
        if item.is_gate:
            name = key_name((owner[0], item.path, owner[1]))
            gate_line = item.node.span.line
            if isinstance(item, CompiledIndicator) and item.node.gate is not None:
                gate_line = item.node.gate.span.line
            for met in (True, False):
                branches.add(("gate", owner[0], item.path, owner[1], met), gate_line, name,
                             gate_words(met))


def _rows(branches: _Branches, indicator: CompiledIndicator) -> None:
    if indicator.rule is None:
        return
    subject = key_name(indicator.key)
    for index, (row, words) in enumerate(zip(indicator.rule.rows, indicator.rule_rows,
                                             strict=True)):
        if isinstance(row.pays, Linear) and row.source is not None:
            assert isinstance(row.source.payout, LinearPay)
            for band, said in enumerate(band_words(row.source.payout, indicator.node)):
                branches.add(("row", indicator.key, index, band), words.line, subject, said)
        else:
            branches.add(("row", indicator.key, index, None), words.line, subject, words.words)


# ---- what one example reaches ---------------------------------------------------------


def _reach(compiled: CompiledScheme, result: Result, example: str, branches: _Branches) -> None:
    for goal in compiled.goals:
        found = result.goal(goal.code)
        if found is None:
            continue
        indicators = {(i.path, i.period): i for i in found.indicators}
        walk = _Walk(indicators, branches, example)
        if goal.periods:
            measured_any = False
            attainments: list[Fraction] = []
            for period in goal.periods:
                attainment, measured = walk.items(period.items, period.combine,
                                                  period.at_least, (goal.code, period.name))
                if measured:
                    branches.reach(("period", goal.code, period.name), example)
                measured_any = measured_any or measured
                attainments.append(attainment)
            if goal.is_gate and measured_any:
                total = sum((p.share * a for p, a in zip(goal.periods, attainments, strict=True)),
                            Fraction(0))
                branches.reach(("gate", goal.code, (), "", total >= 1), example)
        else:
            attainment, measured = walk.items(goal.items, goal.combine, goal.at_least,
                                              (goal.code, "year"))
            if goal.is_gate and measured:
                branches.reach(("gate", goal.code, (), "", attainment >= 1), example)


class _Walk:
    """Combines one goal's groups again from an example's indicator attainments."""

    def __init__(self, indicators: dict[tuple[tuple[str, ...], str], IndicatorResult],
                 branches: _Branches, example: str) -> None:
        self.indicators = indicators
        self.branches = branches
        self.example = example

    def items(self, items: Sequence[CompiledItem], mode: CombineMode, at_least: int | None,
              owner: tuple[Any, ...]) -> tuple[Fraction, bool]:
        scored = [(item, *self.item(item, owner)) for item in items]
        measured = any(m for _, _, m in scored)
        weighed = [(item.weight, a) for item, a, _ in scored if not item.is_gate]
        combined = combine(mode, at_least, weighed)
        if measured:
            if mode in ("all", "at least") and weighed:
                self.branches.reach(("combine", owner, combined >= 1), self.example)
            if mode == "minimum" and len(weighed) > 1:
                for item, attainment, _ in scored:
                    if not item.is_gate and attainment == combined:
                        self.branches.reach(("weakest", owner, item.path), self.example)
            for item, attainment, item_measured in scored:
                if item.is_gate and item_measured:
                    self.branches.reach(("gate", owner[0], item.path, owner[1],
                                         attainment >= 1), self.example)
        gates = [a for item, a, _ in scored if item.is_gate]
        return gated(combined, gates), measured

    def item(self, item: CompiledItem, owner: tuple[Any, ...]) -> tuple[Fraction, bool]:
        if isinstance(item, CompiledPart):
            return self.items(item.items, item.combine, item.at_least, (*owner, item.path))
        found = self.indicators.get((item.path, item.period))
        if found is None or found.measured is None:
            return Fraction(0), False
        if item.rule is not None:
            attainment, index = item.rule.apply(Observation.of(found.measured))
            row = item.rule.rows[index]
            band = None
            if isinstance(row.pays, Linear) and row.source is not None:
                band = 0 if attainment == 0 else 2 if attainment == 1 else 1
            self.branches.reach(("row", item.key, index, band), self.example)
        return found.attainment, True
