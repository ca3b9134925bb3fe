"""What an editor asks, answered from the text: the word under the cursor and what it
names, hover text, completion, and the analysis of a document the server keeps.

Plain functions of (text, line, character) that return model data, testable without a
client. Lines and characters are 0-based code points.
"""

from __future__ import annotations

import re
from fractions import Fraction

from attrs import frozen

from ..base.diagnostics import CquinError, Diagnostic, has_errors
from ..base.span import Span
from ..semantics.money import percent_text
from ..semantics.wording import rule_rows, rule_sentence
from ..syntax.model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    PERIOD_NAMES,
    REPORTING_FREQUENCIES,
    Goal,
    Indicator,
    Item,
    Scheme,
    find_item,
    item_lists,
    walk_items,
)

#: Seconds an edited document waits for the next edit before it is checked.
DEBOUNCE_SECONDS = 0.2

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_PERIOD_AFTER = re.compile(r"\s+(Q[1-4]|H[12]|M1[0-2]|M[1-9]|year)\b")
_GOAL_DECLARATION = re.compile(r"^[^\S\n]*goal\s+([A-Za-z][A-Za-z0-9_]*)", re.MULTILINE)
#: The characters of a word or path being typed.
_TYPED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")

#: Words that follow a keyword where the grammar only says NAME.
_NAMED_AFTER: dict[str, tuple[str, ...]] = {
    "domain": DOMAINS,
    "domains": DOMAINS,
    "status": NEGOTIATION_STATUSES,
    "reported": REPORTING_FREQUENCIES,
    "period": PERIOD_NAMES,
}
_AFTER_KEYWORD = re.compile(r"\b(domain|domains|status|reported|period)\s+(?:\w+\s*,\s*)*\Z")
_AFTER_FRAMEWORK = re.compile(r"(?:^|\n)[^\S\n]*framework\s+\Z")
_AFTER_EXPECT = re.compile(r"\bexpect\s+\Z")

#: Offered when the parser cannot say (the text before the cursor does not lex).
_STATIC_KEYWORDS = (
    "scheme goal indicator part period example expect domain weight value combine pay "
    "linear from to when otherwise measure percent number evidence baseline gate "
    "minimum denominator national local source definition exclusions lead rationale "
    "status reported year provider commissioner framework contract cquin outturn deemed "
    "achieved"
)

#: Hover text for the keywords of the scheme-wide shapes.
KEYWORD_HOVER: dict[str, str] = {
    "deemed": (
        '**deemed achieved "reason"** (scheme header or framework): every goal is deemed '
        "met and pays in full, whatever is measured (a suspended year such as 2020/21). "
        "Statuses read *deemed met*; measurements are shown but change no money."
    ),
    "gate": (
        "**gate** on an indicator: unless its attainment is 1, its goal (or part) pays "
        "nothing. On a goal, instead of `weight`/`value`: a *scheme gate* (pre-qualification, "
        "a control total) with no money and no domain needed; unless it is met, no goal of "
        "the scheme pays."
    ),
    "commissioner": (
        '**commissioner "…"** in the header names a party; on a goal, one of the header\'s '
        "commissioners, who funds that goal. Results then give money per commissioner "
        "(goals naming none count under the first)."
    ),
}


# ---- what the cursor is on -----------------------------------------------------------


@frozen
class Target:
    """A goal, or an indicator or part of it, that a word in the document names."""

    goal: Goal
    path: tuple[str, ...] = ()
    period: str | None = None
    item: Item | None = None

    @property
    def name(self) -> str:
        return ".".join((self.goal.code, *self.path))

    @property
    def span(self) -> Span:
        return self.item.span if self.item is not None else self.goal.span


def word_at(line_text: str, character: int) -> tuple[str, int, int, int] | None:
    """The dotted word under the cursor: (word, start, end, which segment the cursor is in)."""
    for match in _WORD.finditer(line_text):
        if match.start() <= character <= match.end():
            segment = line_text[match.start():character].count(".")
            return match.group(), match.start(), match.end(), segment
    return None


def _lines(text: str) -> list[str]:
    return text.split("\n")


def find_target(scheme: Scheme, text: str, line: int, character: int) -> Target | None:
    """What the word at (line, character) names: a goal, part or indicator, or None."""
    lines = _lines(text)
    if not 0 <= line < len(lines):
        return None
    line_text = lines[line]
    found = word_at(line_text, character)
    if found is None:
        return None
    word, _, end, segment = found
    number = line + 1
    goals = {goal.code: goal for goal in scheme.goals}
    declared = _declared_here(scheme, number, word)
    if declared is not None:
        return declared
    parts = word.split(".")
    goal = goals.get(parts[0])
    if goal is None:
        return None
    path = tuple(parts[1 : segment + 1]) if segment else ()
    if not path:
        return Target(goal)
    period_match = _PERIOD_AFTER.match(line_text, end)
    period = period_match.group(1) if period_match else None
    for period_name, items in item_lists(goal):
        if period is not None and period_name not in (period, "year"):
            continue
        item = find_item(items, path)
        if item is not None:
            return Target(goal, path, period_name if goal.periods else None, item)
    return None


def _declared_here(scheme: Scheme, line: int, word: str) -> Target | None:
    """The goal, part or indicator whose declaration on `line` names `word`."""
    for goal in scheme.goals:
        if goal.span.line == line and goal.code == word:
            return Target(goal)
        for period_name, items in item_lists(goal):
            for path, item in walk_items(items):
                if item.span.line == line and item.name == word:
                    return Target(goal, path, period_name if goal.periods else None, item)
    return None


# ---- hover ---------------------------------------------------------------------------


def hover_markdown(scheme: Scheme, target: Target, clean: bool) -> str:
    """Title, money available (when the scheme checks clean) and the rule in words."""
    goal = target.goal
    item = target.item
    money = _money(scheme, target) if clean else None
    if item is None:
        lines = [f"**goal {goal.code}**: {goal.title}", ""]
        share = (
            f"weight {percent_text(goal.weight.value)}" if goal.weight is not None
            else f"value {_pounds(goal.value.value)}" if goal.value is not None else ""
        )
        domains = ", ".join(goal.domains.value) if goal.domains else ""
        gate = "scheme gate: no money; unless met, no goal pays" if goal.is_gate else ""
        funder = f"commissioner {goal.commissioner.value}" if goal.commissioner else ""
        lines.append(" · ".join(x for x in (goal.scope_kind, domains, share, gate, funder)
                                if x))
        if money is not None:
            lines += ["", f"Available: **{_pounds(money)}**"]
        lines.append("")
        for period, items in item_lists(goal):
            for path, found in walk_items(items):
                if isinstance(found, Indicator):
                    when = f" ({period})" if goal.periods else ""
                    lines.append(f"- `{'.'.join(path)}`{when}: {_rule_summary(found)}")
        return "\n".join(lines)
    kind = "indicator" if isinstance(item, Indicator) else "part"
    title = f": {item.title}" if item.title else ""
    period = f" ({target.period})" if target.period else ""
    lines = [f"**{kind} {target.name}**{period}{title}", ""]
    facts = []
    if isinstance(item, Indicator):
        facts.append(f"measure {item.measure_kind}")
        if item.is_gate:
            facts.append("gate")
    if item.weight is not None:
        facts.append(f"weight {percent_text(item.weight.value)}")
    elif item.value is not None:
        facts.append(f"value {_pounds(item.value.value)}")
    facts.append(f"in goal {goal.code}: {goal.title}")
    lines.append(" · ".join(facts))
    if money is not None:
        lines += ["", f"Available: **{_pounds(money)}**"]
    if isinstance(item, Indicator) and item.pay is not None:
        # lazy: loaded on first use, keeping the server's start-up short
        from ..semantics.compile import rule_text

        lines += ["", f"Rule (line {item.pay.span.line}): `{rule_text(item.pay)}`", "",
                  rule_in_words(item)]
    return "\n".join(lines)


def _rule_summary(indicator: Indicator) -> str:
    # lazy: loaded on first use, keeping the server's start-up short
    from ..semantics.compile import rule_text

    return f"`{rule_text(indicator.pay)}`" if indicator.pay else "no rule"


def rule_in_words(indicator: Indicator) -> str:
    """The rule as the reports say it (`wording.rule_sentence`), minimum denominator and all."""
    return rule_sentence(rule_rows(indicator))


def _money(scheme: Scheme, target: Target) -> Fraction | None:
    """The goal's available money, or the share of it an item carries."""
    # lazy: loaded on first use, keeping the server's start-up short
    from ..semantics.compile import CompiledItem, CompiledPart, compile_scheme

    compiled = compile_scheme(scheme).goal(target.goal.code)
    if compiled is None:
        return None
    if not target.path:
        return compiled.available
    if compiled.periods:
        periods = [p for p in compiled.periods if p.name == target.period]
        if not periods:
            return None
        money = periods[0].share * compiled.available
        items: tuple[CompiledItem, ...] = periods[0].items
    else:
        money, items = compiled.available, compiled.items
    for depth in range(len(target.path)):
        name = target.path[depth]
        found = next((item for item in items if item.path[-1] == name), None)
        if found is None:
            return None
        money *= found.weight
        items = found.items if isinstance(found, CompiledPart) else ()
    return money



def _pounds(value: Fraction) -> str:
    # already loaded with the package, so importing it here costs nothing: kept beside its use
    from ..semantics.money import pounds

    return pounds(value)


# ---- completion ----------------------------------------------------------------------


@frozen
class Suggestion:
    """One completion: the word, and what kind of thing it is."""

    label: str
    kind: str  # keyword, goal, indicator, domain, framework, value
    detail: str = ""


def suggestions(text: str, offset: int, scheme: Scheme | None) -> list[Suggestion]:
    """Words that can come at `offset` (a code-point index into `text`)."""
    before = text[:offset]
    start = offset
    while start > 0 and before[start - 1] in _TYPED:
        start -= 1
    word = before[start:]
    head = before[:start]
    if "." in word:
        return _paths_after(word, scheme)
    found: list[Suggestion] = []
    after = _AFTER_KEYWORD.search(head)
    if after:
        kind = "domain" if after.group(1).startswith("domain") else "value"
        return [Suggestion(name, kind) for name in _NAMED_AFTER[after.group(1)]]
    if _AFTER_FRAMEWORK.search(head):
        return _frameworks()
    keywords, names = _keywords_at(text, start)
    found += [Suggestion(keyword, "keyword") for keyword in sorted(keywords)]
    if names and ("expect" in keywords or _AFTER_EXPECT.search(head)):
        codes = [g.code for g in scheme.goals] if scheme else _GOAL_DECLARATION.findall(text)
        titles = {g.code: g.title for g in scheme.goals} if scheme else {}
        found += [Suggestion(code, "goal", titles.get(code, "")) for code in codes]
    return found


def _keywords_at(text: str, offset: int) -> tuple[set[str], bool]:
    """The keywords the grammar accepts at `offset`, and whether a name is accepted there."""
    # lazy: loaded on first use, keeping the server's start-up short
    from ..syntax.parser import start_for
    from ..syntax.syntax_errors import keywords_at

    source = text.removeprefix("\ufeff")
    shift = len(text) - len(source)
    try:
        return keywords_at(source, max(0, offset - shift), start_for(source))
    except Exception:  # the parser cannot say: offer every keyword
        return set(_STATIC_KEYWORDS.split()), True


def _paths_after(word: str, scheme: Scheme | None) -> list[Suggestion]:
    """After `GOAL.` (or `GOAL.part.`): the names that can come next."""
    if scheme is None:
        return []
    parts = word.split(".")
    goal = next((g for g in scheme.goals if g.code == parts[0]), None)
    if goal is None:
        return []
    prefix = tuple(parts[1:-1])
    seen: dict[str, Suggestion] = {}
    for _, items in item_lists(goal):
        for path, item in walk_items(items):
            if len(path) == len(prefix) + 1 and path[:-1] == prefix:
                kind = "indicator" if isinstance(item, Indicator) else "part"
                seen.setdefault(item.name, Suggestion(item.name, kind, item.title or ""))
    return list(seen.values())


def _frameworks() -> list[Suggestion]:
    # lazy: loaded on first use, keeping the server's start-up short
    from ..frameworks.loading import builtin_frameworks

    return [Suggestion(f.name, "framework", f.title) for f in builtin_frameworks()]


# ---- the document, as the server sees it --------------------------------------------


class Analysis:
    """One version of a document: its diagnostics and the model to answer questions with.

    The diagnostics are worked out at once; the model when first asked for (hover,
    completion, the next version's fallback), so the first diagnostics parse once.
    """

    def __init__(self, text: str, path: str, last_good: Scheme | None = None) -> None:
        # already loaded with the package, so importing it here costs nothing: kept beside its use
        from ..api import diagnose

        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = diagnose(text, path)
        self.clean = not has_errors(self.diagnostics)
        self._last_good = last_good
        self._read: tuple[Scheme | None, bool] | None = None

    def _model(self) -> tuple[Scheme | None, bool]:
        if self._read is None:
            # already loaded with the package, so importing it here costs nothing
            from ..api import loads

            try:
                self._read = loads(self.text, self.path).scheme, True
            except CquinError:
                self._read = self._last_good, False
            self._last_good = None
        return self._read

    @property
    def scheme(self) -> Scheme | None:
        """The model of this version, or of the last version that parsed."""
        return self._model()[0]

    @property
    def current(self) -> bool:
        """Whether `scheme` is this version's."""
        return self._model()[1]


def formatted(text: str, path: str) -> str | None:
    """The document as `cquin fmt` writes it; None when it does not parse."""
    # lazy: loaded on first use, keeping the server's start-up short
    from ..syntax.formatter import format_text, start_for

    result, _ = format_text(text, path, start=start_for(text))
    if result is not None and "\r\n" in text:
        result = result.replace("\n", "\r\n")
    return result
