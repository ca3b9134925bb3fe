"""Reading the template workbook back into rulebook text, each line remembering its cell."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attrs import evolve

from ...base.diagnostics import Diagnostic, has_errors
from ...base.limits import Limits, current, text_size
from ...base.workbooks import open_workbook, read_workbook, why_not_a_workbook
from ...check.scheme import check
from ...frameworks.step import check_against_framework
from ...syntax import printer
from ...syntax.model import (
    DOMAINS,
    NEGOTIATION_STATUSES,
    PERIOD_NAMES,
    REPORTING_FREQUENCIES,
)
from ...syntax.parser import parse
from .cells import (
    ImportError_,
    Origin,
    _at,
    _bad,
    _Builder,
    _decimal_text,
    _goal_cell,
    _identifier,
    _money,
    _origin,
    _percent,
    _quantity,
    _Read,
    _Row,
    _Warnings,
    _word,
)
from .consistency import (
    _consistency,
)
from .goal_money import entered_money
from .pay_cells import (
    _inferred_measure,
    _pay_text,
)
from .template import (
    BY_KEY,
    COLUMNS,
    EXAMPLES_SHEET,
    GOALS_SHEET,
    HEADER_TITLES,
    IDENTIFIER,
    SCHEME_ROWS,
    SCHEME_SHEET,
    SCHEME_TITLES,
    _normal,
    is_total,
)


def _sheet(book: Any, name: str) -> Any | None:
    for sheet in book.worksheets:
        if sheet.title.strip().lower() == name.lower():
            return sheet
    return None


def _formulas(book: Any, sheets: Sequence[Any], path: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    cell.value is not None and not isinstance(cell.value, str | int | float)
                    and type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula")
                ):
                    origin = Origin(sheet.title, cell.row, cell.column, "formula")
                    found.append(_at(
                        "E703", origin,
                        "holds a formula; cquin never evaluates formulas",
                        "replace the formula by its value (copy, then paste values only)", path))
    return found


def import_workbook(
    path: str, *, base_dir: Path | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """Rulebook text read from the template at `path`, and every problem found.

    The text is None when there are errors. `base_dir` is the folder the rulebook will be
    written to: a `framework "PATH"` is read against it and the scheme checked against the
    framework, as `cquin check` will. OSError propagates (the file could not be read); a
    file that is not a workbook raises ValueError.
    """
    data, too_large = read_workbook(path)
    if data is None:
        return None, too_large
    try:
        book = open_workbook(data)
    except Exception as error:  # a corrupt zip can raise OSError(EINVAL) from a seek
        raise ValueError(f"{path} is not an Excel workbook (.xlsx): "
                         f"{why_not_a_workbook(error)}") from None
    builder = _Builder(path)
    goals = _sheet(book, GOALS_SHEET) or _find_template(book)
    scheme_sheet = _sheet(book, SCHEME_SHEET)
    examples = _sheet(book, EXAMPLES_SHEET)
    whole = Origin(GOALS_SHEET, 1, 1, "workbook")
    if goals is None:
        builder.problem("E702", whole, "no sheet holds the template (a row titled "
                        "\"Goal number\", \"Goal name\", \"Quality domain\", …)")
    if scheme_sheet is None:
        builder.problem("E702", Origin(SCHEME_SHEET, 1, 1, "sheet"),
                        "the workbook has no Scheme sheet (the scheme's name and money)",
                        "add a sheet named Scheme with rows such as `Scheme`, `CQUIN value (£)`")
    sheets = [s for s in (goals, scheme_sheet, examples) if s is not None]
    builder.diagnostics += _formulas(book, sheets, path)
    if has_errors(builder.diagnostics):
        return None, builder.diagnostics
    warnings = _Warnings(path)
    carried: dict[str, list[_Row]] = {}
    indicator_rows: list[tuple[str, str, tuple[str, ...], _Row]] = []
    try:
        _read_scheme(scheme_sheet, builder)
    except ImportError_ as error:
        builder.diagnostics.append(error.diagnostic.at(path))
    try:
        carried, indicator_rows = _read_goals(goals, builder, warnings)
    except ImportError_ as error:
        builder.diagnostics.append(error.diagnostic.at(path))
    if examples is not None:
        _read_examples(examples, builder)
    if has_errors(builder.diagnostics):
        return None, builder.diagnostics + warnings
    text = "\n".join(builder.lines) + "\n"
    scheme, parsed = parse(text, path, _room_for(text))
    found = [_relocate(d, builder) for d in parsed]
    if scheme is None or has_errors(found):
        return None, found + warnings
    parsed_goals = scheme.goals
    rows_of = carried | _rows_by_goal(indicator_rows)
    scheme, money_found = entered_money(scheme, rows_of, path)
    found += money_found
    entered = {g.code for g, before in zip(scheme.goals, parsed_goals, strict=True)
               if g != before}
    found += _consistency(scheme, carried, indicator_rows, builder, entered)
    found += [_relocate(d.at(path), builder) for d in check(scheme)]
    if base_dir is not None:
        framework_found = check_against_framework(scheme, base_dir=base_dir, path=path)[1]
        found += [_relocate(d, builder) if d.path == path else d for d in framework_found]
    if has_errors(found):
        return None, found + warnings
    canonical = printer.print_scheme(scheme)
    name = Path(path).name
    return f"# Imported from {name} by `cquin import-xlsx`.\n{canonical}", found + warnings


def _rows_by_goal(indicators: list[tuple[str, str, tuple[str, ...], _Row]]
                  ) -> dict[str, list[_Row]]:
    rows: dict[str, list[_Row]] = {}
    for code, _, _, row in indicators:
        rows.setdefault(code, []).append(row)
    return rows


def _relocate(diagnostic: Diagnostic, builder: _Builder) -> Diagnostic:
    """A diagnostic about the built text, said of the cell its line came from."""
    origin = builder.origin_of(diagnostic.span.line)
    if origin is None:
        return diagnostic.at(builder.path)
    located = _at(diagnostic.code, origin, diagnostic.message, diagnostic.hint, builder.path)
    return located


def _find_template(book: Any) -> Any | None:
    for sheet in book.worksheets:
        if _header_row(sheet) is not None:
            return sheet
    return None


def _header_row(sheet: Any) -> tuple[int, dict[int, str]] | None:
    """The row (among the first ten) that titles the template's columns, and its columns."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 10)):
        keys = {cell.column: HEADER_TITLES[_normal(cell.value)]
                for cell in row
                if isinstance(cell.value, str) and _normal(cell.value) in HEADER_TITLES}
        if "goal_number" in keys.values() and "goal_name" in keys.values():
            return row[0].row, keys
    return None


def _read_scheme(sheet: Any, builder: _Builder) -> None:
    titles = {key: title for key, title, _ in SCHEME_ROWS}
    values: dict[str, list[_Read]] = {}
    for row in sheet.iter_rows(min_row=1):
        label = row[0].value if row else None
        value = row[1] if len(row) > 1 else None
        if label is None or _normal(label) in ("item", ""):
            continue
        key = SCHEME_TITLES.get(_normal(label))
        origin = Origin(sheet.title, row[0].row, 2, str(label))
        if key is None:
            raise ImportError_(_at("E704", Origin(sheet.title, row[0].row, 1, "Item"),
                                   f"`{label}` is not a scheme item",
                                   "the items are " + ", ".join(titles.values()), ""))
        read = _Read(value.value if value is not None else None,
                     value.number_format if value is not None else "General", origin)
        if read.blank:
            continue
        if key in values and key != "commissioner":
            raise ImportError_(_at("E104", origin, f"`{label}` is given twice", None, ""))
        values.setdefault(key, []).append(read)

    def one(key: str) -> _Read | None:
        return values.get(key, [None])[0]

    title = one("title")
    if title is None:
        raise ImportError_(_at("E705", Origin(sheet.title, 1, 2, "Scheme"),
                               "the Scheme sheet has no `Scheme` row (the scheme's name)",
                               None, ""))
    builder.add(f"scheme {printer.string(title.text)} {{", title.origin)
    for key in ("provider", "commissioner"):
        for read in values.get(key, []):
            builder.add(f"  {key} {printer.string(read.text)}", read.origin)
    if (year := one("year")) is not None:
        if not re.fullmatch(r"\d{4}/\d{2}", year.text):
            raise _bad(year, f"`{year.text}` is not a financial year", "write it as 2018/19")
        builder.add(f"  year {year.text}", year.origin)
    if (framework := one("framework")) is not None:
        if not IDENTIFIER.match(framework.text):
            raise _bad(framework, f"`{framework.text}` is not a framework's name",
                       "a file goes in the `Framework file` row")
        builder.add(f"  framework {framework.text}", framework.origin)
    if (framework_file := one("framework_file")) is not None:
        builder.add(f"  framework {printer.string(framework_file.text)}", framework_file.origin)
    for key, words in (("contract", "contract value"), ("outturn", "outturn value")):
        if (amount := one(key)) is not None:
            builder.add(f"  {words} {printer.money(_money(amount))}", amount.origin)
    for words, share_key, pounds_key in (("cquin value", "cquin_share", "cquin_pounds"),
                                         ("national value", "national_share", "national_pounds")):
        share, pounds = one(share_key), one(pounds_key)
        if share is not None:
            builder.add(f"  {words} {printer.percent(_percent(share))} of contract", share.origin)
        elif pounds is not None:
            builder.add(f"  {words} {printer.money(_money(pounds))}", pounds.origin)
    if (on_account := one("on_account")) is not None:
        builder.add(f"  payment on account {printer.percent(_percent(on_account))}",
                    on_account.origin)
    if (reconcile := one("reconcile")) is not None:
        months = [m.strip() for m in reconcile.text.replace(";", ",").split(",")]
        if not all(m.isdigit() for m in months):
            raise _bad(reconcile, f"`{reconcile.text}` is not a list of months", "write 6, 9, 12")
        builder.add(f"  reconcile at months {', '.join(months)}", reconcile.origin)
    if (deemed := one("deemed")) is not None:
        builder.add(f"  deemed achieved {printer.string(deemed.text)}", deemed.origin)
    builder.add("}", title.origin)
    builder.scheme_cells = {key: reads[0] for key, reads in values.items()}


def _rows(sheet: Any) -> list[_Row]:
    found = _header_row(sheet)
    if found is None:
        raise ImportError_(_at("E702", Origin(sheet.title, 1, 1, "header"),
                               "no row titles the template's columns (\"Goal number\", "
                               "\"Goal name\", …) in the first ten rows", None, ""))
    header, columns = found
    rows: list[_Row] = []
    for cells in sheet.iter_rows(min_row=header + 1):
        read = {
            columns[cell.column]: _Read(
                cell.value, cell.number_format or "General",
                Origin(sheet.title, cell.row, cell.column, BY_KEY[columns[cell.column]].title))
            for cell in cells if cell.column in columns
        }
        row = _Row(cells[0].row if cells else 0, read)
        if any(not r.blank for r in read.values()):
            rows.append(row)
    return rows


def _read_goals(sheet: Any, builder: _Builder, warnings: list[Diagnostic]
                ) -> tuple[dict[str, list[_Row]], list[tuple[str, str, tuple[str, ...], _Row]]]:
    """Every goal's text from the template rows; returns the carried goals' rows and, for
    each indicator built from columns, (goal, period, path, row)."""
    rows = _rows(sheet)
    groups: list[tuple[str, list[_Row]]] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = row.get("goal_number")
        if number is not None and is_total(number.value):
            continue
        if number is None:
            if not groups:
                raise _bad(next(iter(row.cells.values())),
                           "this row comes before any goal number")
            groups[-1][1].append(row)
            continue
        code = number.text
        if groups and groups[-1][0] == code:
            groups[-1][1].append(row)
            continue
        if code in seen:
            raise ImportError_(_at("E101", number.origin,
                                   f"goal {code} appears again, apart from its rows at row "
                                   f"{seen[code]}", "keep a goal's rows together", ""))
        seen[code] = row.number
        groups.append((code, [row]))
    carried: dict[str, list[_Row]] = {}
    indicators: list[tuple[str, str, tuple[str, ...], _Row]] = []
    for _, group in groups:
        try:
            _goal(group, builder, warnings, carried, indicators)
        except ImportError_ as error:
            builder.diagnostics.append(error.diagnostic.at(builder.path))
    return carried, indicators


def _goal(rows: list[_Row], builder: _Builder, warnings: list[Diagnostic],
          carried: dict[str, list[_Row]],
          indicators: list[tuple[str, str, tuple[str, ...], _Row]]) -> str:
    number = _goal_cell(rows, "goal_number")
    assert number is not None
    code = _identifier(number, "G", warnings)
    text_cell = _goal_cell(rows, "rulebook_text")
    if text_cell is not None:
        _carried_goal(code, text_cell, builder)
        carried[code] = rows
        return code
    name = _goal_cell(rows, "goal_name")
    if name is None:
        raise ImportError_(_at("E705", _origin(rows[0], "goal_name"),
                               f"goal {number.text} has no name", None, ""))
    builder.add(f"goal {code} {printer.string(name.text)} {{", number.origin)
    if (scope := _goal_cell(rows, "scope")) is not None:
        builder.add("  " + _word(scope, ("national", "local")), scope.origin)
    if (commissioner := _goal_cell(rows, "commissioner")) is not None:
        builder.add(f"  commissioner {printer.string(commissioner.text)}", commissioner.origin)
    domain = _goal_cell(rows, "domain")
    if domain is None:
        raise ImportError_(_at("E705", _origin(rows[0], "domain"),
                               f"goal {number.text} has no quality domain",
                               "one or more of " + ", ".join(DOMAINS), ""))
    words = [w.strip().lower() for w in re.split(r"[,;/]|\band\b", domain.text) if w.strip()]
    synonyms = {"patient safety": "safety", "clinical effectiveness": "effectiveness",
                "patient experience": "experience", "user experience": "experience"}
    words = [synonyms.get(w, w) for w in words]
    if not words or any(w not in DOMAINS for w in words):
        raise _bad(domain, f"`{domain.text}` is not a list of quality domains",
                   "use " + ", ".join(DOMAINS))
    builder.add("  domain " + ", ".join(dict.fromkeys(words)), domain.origin)
    weighting = _goal_cell(rows, "goal_weighting")
    value = _goal_cell(rows, "goal_value")
    if weighting is not None:
        builder.add(f"  weight {printer.percent(_percent(weighting))}", weighting.origin)
        if value is not None:
            _money(value)
    elif value is not None:
        builder.add(f"  value {printer.money(_money(value))}", value.origin)
    if (combination := _goal_cell(rows, "combination")) is not None:
        builder.add(f"  combine {_combination(combination)}", combination.origin)
    if (lead := _goal_cell(rows, "lead")) is not None:
        builder.add(f"  lead {printer.string(lead.text)}", lead.origin)
    rationale = _goal_cell(rows, "rationale")
    description = _goal_cell(rows, "goal_description")
    said = [c for c in (description, rationale) if c is not None]
    if said:
        builder.add("  rationale " + printer.string(" — ".join(c.text for c in said)),
                    said[-1].origin)
    if (status := _goal_cell(rows, "status")) is not None:
        builder.add("  status " + _word(status, NEGOTIATION_STATUSES), status.origin)
    periods = [row.get("final_period") for row in rows]
    with_period = [p for p in periods if p is not None]
    if with_period and len(with_period) != len(rows):
        row = rows[periods.index(None)]
        raise ImportError_(_at("E707", _origin(row, "final_period"),
                               f"goal {code} gives a final indicator period on some rows but "
                               "not on this one", "give every row of the goal its period, "
                               "or none", ""))
    names: set[tuple[str, str]] = set()
    for position, row in enumerate(rows, 1):
        if not _has_indicator(row):
            continue
        period = row.get("final_period")
        period_name = "year"
        if period is not None:
            period_name = _period_name(period)
            if any(p == period_name for p, _ in names):
                raise ImportError_(_at(
                    "E707", period.origin,
                    f"goal {code} has a second indicator in period {period_name}",
                    "the columns say one indicator a period; for more, write the goal as "
                    "rulebook text in the last column", ""))
            share = row.get("indicator_weighting")
            if share is None:
                raise ImportError_(_at("E705", _origin(row, "indicator_weighting"),
                                       f"period {period_name} of goal {code} has no share",
                                       "give the period's share of the goal here", ""))
            builder.add(f"  period {period_name} {printer.percent(_percent(share))} {{",
                        share.origin)
        indent = "    " if period is not None else "  "
        indicator = _indicator(row, position, indent, builder, warnings,
                               weighted=period is None)
        if (period_name, indicator) in names:
            raise ImportError_(_at("E102", _origin(row, "indicator_number"),
                                   f"goal {code} has two indicators called {indicator}",
                                   None, ""))
        names.add((period_name, indicator))
        indicators.append((code, period_name, (indicator,), row))
        if period is not None:
            builder.add("  }", period.origin)
    builder.add("}", number.origin)
    return code


def _combination(cell: _Read) -> str:
    """The words after `combine` from the combination cell: weighted, all, minimum or
    `at least N` with N a whole number of 1 or more."""
    words = " ".join(cell.text.lower().split())
    if words in ("weighted", "all", "minimum"):
        return words
    count = words.removeprefix("at least ").strip()
    if words.startswith("at least ") and count.isascii() and count.isdigit() and int(count) > 0:
        return f"at least {int(count)}"
    raise _bad(cell, f"`{cell.text}` is not a way of combining indicators",
               "use weighted (or leave it empty), all, minimum, or at least N")


def _has_indicator(row: _Row) -> bool:
    return any(row.get(column.key) is not None for column in COLUMNS if not column.goal_level)


def _period_name(cell: _Read) -> str:
    text = cell.text
    for name in PERIOD_NAMES:
        if text.lower() == name.lower():
            return name
    raise _bad(cell, f"`{text}` is not a period", "use Q1–Q4, H1, H2, M1–M12 or year")


def _indicator(row: _Row, position: int, indent: str, builder: _Builder,
               warnings: list[Diagnostic], *, weighted: bool) -> str:
    number = row.get("indicator_number")
    if number is not None:
        if "." in number.text and all(IDENTIFIER.match(p) for p in number.text.split(".")):
            raise ImportError_(_at("E707", number.origin,
                                   f"`{number.text}` names an indicator inside a part",
                                   "the columns cannot say parts; write the goal as rulebook "
                                   "text in the last column", ""))
        name = _identifier(number, "i", warnings)
        origin = number.origin
    else:
        name = f"i{position}"
        origin = _origin(row, "indicator_number")
        warnings.append(_at("W703", origin, f"the indicator has no number; it is called `{name}`",
                            "measurements must use this name", builder.path))
    title = row.get("indicator_name")
    head = f"indicator {name}" + (f" {printer.string(title.text)}" if title else "")
    builder.add(f"{indent}{head} {{", origin)
    inner = indent + "  "
    measure = row.get("measure")
    measure_word = _word(measure, ("percent", "number", "evidence")) if measure else None
    rule, pay_rule, rule_origin = _pay_text(row)
    if measure_word is None:
        measure_word = _inferred_measure(pay_rule)
    if measure_word is not None:
        builder.add(f"{inner}measure {measure_word}", measure.origin if measure else rule_origin)
    if (direction := row.get("direction")) is not None:
        word = _word(direction, ("higher", "lower"))
        builder.add(f"{inner}{word} is better", direction.origin)
    if (weight := row.get("indicator_weighting")) is not None and weighted:
        builder.add(f"{inner}weight {printer.percent(_percent(weight))}", weight.origin)
    if (gate := row.get("gate")) is not None and _word(gate, ("gate", "yes", "no")) != "no":
        builder.add(f"{inner}gate", gate.origin)
    if (baseline := row.get("baseline_value")) is not None:
        builder.add(f"{inner}baseline {printer.quantity(_quantity(baseline))}", baseline.origin)
    if (minimum := row.get("minimum_denominator")) is not None:
        count = _decimal_text(minimum.text)
        if count is None or count.denominator != 1 or count < 0:
            raise _bad(minimum, f"`{minimum.text}` is not a whole number")
        builder.add(f"{inner}minimum denominator {int(count)}", minimum.origin)
    for key, words in (("source", "source"), ("exclusions", "exclusions")):
        if (cell := row.get(key)) is not None:
            builder.add(f"{inner}{words} {printer.string(cell.text)}", cell.origin)
    if (frequency := row.get("frequency")) is not None:
        word = _word(frequency, REPORTING_FREQUENCIES,
                     {"annual": "annually", "yearly": "annually", "month": "monthly",
                      "quarter": "quarterly"})
        builder.add(f"{inner}reported {word}", frequency.origin)
    definition = [
        (label, cell) for label, key in (("", "indicator_description"),
                                         ("Numerator: ", "numerator"),
                                         ("Denominator: ", "denominator"),
                                         ("Baseline period: ", "baseline_period"))
        if (cell := row.get(key)) is not None
    ]
    if definition:
        text = ". ".join(label + cell.text.rstrip(".") for label, cell in definition)
        builder.add(f"{inner}definition {printer.string(text)}", definition[0][1].origin)
    if rule is None:
        raise ImportError_(_at("E705", rule_origin, f"indicator {name} has no payment rule",
                               "give the payment threshold, or the rules in the language's "
                               "words (`linear from 60% to 75%`)", ""))
    builder.add(f"{inner}{rule[0]}", rule_origin if len(rule) == 1 else
                Origin(rule_origin.sheet, rule_origin.row, rule_origin.column,
                       rule_origin.title))
    for number_in_cell, line in enumerate(rule[1:], 1):
        inner_origin = Origin(rule_origin.sheet, rule_origin.row, rule_origin.column,
                              rule_origin.title, number_in_cell if line != "}" else None)
        builder.add(f"{inner}  {line}" if line != "}" else f"{inner}}}", inner_origin)
    builder.add(f"{indent}}}", origin)
    return name


def _carried_goal(code: str, cell: _Read, builder: _Builder) -> None:
    """A goal given whole as rulebook text: it must parse alone as exactly that one goal."""
    text = str(cell.value).replace("\r\n", "\n").strip("\n")
    wrapped = f'scheme "-" {{}}\n{text}\n'
    scheme, found = parse(wrapped, builder.path)
    origin = cell.origin
    if scheme is None or has_errors(found):
        for diagnostic in found:
            line = max(1, diagnostic.span.line - 1)
            inner = Origin(origin.sheet, origin.row, origin.column, origin.title, line)
            builder.diagnostics.append(_at(diagnostic.code, inner, diagnostic.message,
                                           diagnostic.hint, builder.path))
        return
    if len(scheme.goals) != 1 or scheme.examples:
        builder.problem("E707", origin, "must hold exactly one goal block and nothing else")
        return
    if scheme.goals[0].code != code:
        builder.problem("E706", origin, f"holds goal {scheme.goals[0].code}, but the row's goal "
                        f"number is {code}", "make them the same")
        return
    builder.add(text, Origin(origin.sheet, origin.row, origin.column, origin.title, 1))


def _read_examples(sheet: Any, builder: _Builder) -> None:
    for row in sheet.iter_rows(min_row=2, max_col=1):
        cell = row[0]
        if cell.value is None or not str(cell.value).strip():
            continue
        origin = Origin(sheet.title, cell.row, 1, "Example (rulebook text)", 1)
        text = str(cell.value).replace("\r\n", "\n").strip("\n")
        scheme, found = parse(f'scheme "-" {{}}\n{text}\n', builder.path)
        if scheme is None or has_errors(found) or scheme.goals or len(scheme.examples) != 1:
            builder.problem("E707", origin, "must hold exactly one example block",
                            found[0].message if found else None)
            continue
        builder.add(text, origin)


def _room_for(text: str) -> Limits:
    """The limits with room for the text built from a workbook: the workbook was bounded
    when read (file size, unpacked size, cells), and the canonical text of a rulebook
    near the size limit is larger than the rulebook, so its own export must import."""
    chosen = current(None)
    return evolve(chosen, max_file_size=max(chosen.max_file_size,
                                            text_size(text, 1 << 62)))
