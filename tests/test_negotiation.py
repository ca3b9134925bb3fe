"""Negotiation: `cquin diff` (drafts compared in meaning and money), `cquin status` (the
colour view) and `cquin check --for-signature` (E510)."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from attrs import evolve
from click.testing import CliRunner
from hypothesis import given, note, settings
from hypothesis import strategies as st
from strategies import (
    _slip_items,
    indicator_keys,
    measurements_for,
    schemes,
)

import cquin_rules
from cquin_rules.cli import main
from cquin_rules.engine.evaluate import evaluate
from cquin_rules.engine.measurements import Measurement, Measurements
from cquin_rules.reports.status import status_view
from cquin_rules.syntax.formatter import format_text
from cquin_rules.syntax.model import Scheme, goal_indicators
from cquin_rules.syntax.printer import measured, print_scheme
from cquin_rules.tools.diff import compare_money, meaning_changes

ROOT = Path(__file__).resolve().parents[1]
RULEBOOKS = sorted(ROOT.glob("rulebooks/*/rulebook.cquin"))
NORTHSHIRE = ROOT / "rulebooks" / "northshire-2018-19"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _relaid(text: str) -> str:
    """The same rulebook laid out badly and commented on every line."""
    return "\n".join(f"   {line}    # a note" if line.strip() else line
                     for line in text.split("\n")) + "\n"


# ---- diff: laws ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(schemes(examples=True))
def test_a_scheme_diffed_with_itself_or_its_formatted_copy_shows_no_change(
        scheme: Scheme) -> None:
    """Layout and comments are not meaning: a draft against itself, against a copy laid
    out badly with a comment on every line, and against that copy formatted, shows no
    change (and the API says nothing changed)."""
    text = print_scheme(scheme)
    relaid = _relaid(text)
    formatted, problems = format_text(relaid)
    assert formatted is not None, problems
    note(relaid)
    original = cquin_rules.loads(text)
    assert meaning_changes(scheme, scheme) == []
    for copy in (relaid, formatted):
        comparison = original.diff(cquin_rules.loads(copy))
        assert comparison.changes == ()
        assert not comparison.changed


def _slipped(scheme: Scheme, index: int, target: int) -> Scheme:
    """The scheme with one indicator's 100% rows paying 90%: a different draft."""
    goal = scheme.goals[index]
    if goal.periods:
        seen: list[int] = []
        goal = evolve(goal, periods=tuple(
            evolve(p, items=_slip_items(p.items, target, seen)) for p in goal.periods))
    else:
        goal = evolve(goal, items=_slip_items(goal.items, target, []))
    return evolve(scheme, goals=tuple(goal if i == index else g
                                      for i, g in enumerate(scheme.goals)))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_money_differences_are_the_differences_of_two_evaluations(data: st.DataObject
                                                                  ) -> None:
    """On the same measurements, each goal's difference is the new draft's earned minus
    the old's, the totals are those of the two evaluations and add up, and the money is
    said to change exactly when some goal's money does."""
    old = data.draw(schemes())
    index = data.draw(st.integers(0, len(old.goals) - 1))
    target = data.draw(st.integers(0, len(goal_indicators(old.goals[index])) - 1))
    new = _slipped(old, index, target)
    values = data.draw(measurements_for(old))
    given_values = Measurements(tuple((k, Measurement(v)) for k, v in values.items()))
    before, after = evaluate(old, given_values), evaluate(new, given_values)
    money = compare_money(before, after)
    for row, was, now in zip(money.goals, before.goals, after.goals, strict=True):
        assert row.difference == now.earned - was.earned
    assert money.old_total == before.earned and money.new_total == after.earned
    assert money.difference == after.earned - before.earned
    assert sum((g.difference for g in money.goals), Fraction(0)) == money.difference
    assert money.changed == any(was.earned != now.earned
                                for was, now in zip(before.goals, after.goals, strict=True))
    assert (meaning_changes(old, new) == []) == (old == new)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_the_api_diff_evaluates_each_draft_as_evaluate_does(data: st.DataObject) -> None:
    """`Rulebook.diff(other, measurements=…)` pays each draft what `evaluate` pays it."""
    scheme = data.draw(schemes())
    values = data.draw(measurements_for(scheme, full=True))
    mapping = {".".join((goal, *path)) + ("" if period == "year" else f" {period}"):
               measured(value) for (goal, path, period), value in values.items()}
    note(repr(mapping))
    assert len(mapping) == len(indicator_keys(scheme))
    book = cquin_rules.loads(print_scheme(scheme))
    comparison = book.diff(book, measurements=mapping)
    expected = book.evaluate(mapping)
    assert comparison.money is not None and not comparison.changed
    assert [g.new_earned for g in comparison.money.goals] == [g.earned for g in expected.goals]
    assert comparison.money.new_total == expected.earned


# ---- diff: the command --------------------------------------------------------------------


def _draft(tmp_path: Path, old: str, new: str, name: str = "new.cquin") -> Path:
    text = (NORTHSHIRE / "rulebook.cquin").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_diff_names_a_moved_threshold_and_what_it_costs(tmp_path: Path) -> None:
    """A threshold moved: the rule's old and new sentences, the goal's money on the same
    data (to the penny), the totals, and exit 1."""
    new = _draft(tmp_path, "pay linear from 60% to 75%", "pay linear from 60% to 80%")
    code, out, _ = invoke("diff", str(NORTHSHIRE / "rulebook.cquin"), str(new),
                          "--data", str(NORTHSHIRE / "data.csv"))
    assert code == 1
    assert ("FLU.uptake: The pay rule changed. Was: Pays a straight-line share, nothing at "
            "60% or worse and all at 75% or better. Now: Pays a straight-line share, "
            "nothing at 60% or worse and all at 80% or better.") in out
    flu = next(line for line in out.splitlines() if line.startswith("FLU "))
    assert flu.split()[-3:] == ["£320,000.00", "£240,000.00", "-£80,000.00"]
    total = next(line for line in out.splitlines() if line.startswith("total "))
    assert total.split()[-3:] == ["£1,700,000.00", "£1,620,000.00", "-£80,000.00"]
    assert out.rstrip().endswith("The money changes.")


def test_diff_json_has_exact_money_and_exit_0_when_money_is_unchanged(tmp_path: Path
                                                                      ) -> None:
    """A lead renamed changes meaning but no money: with data, exit 0; without, exit 1."""
    text = (ROOT / "rulebooks/acute-trust-2019-20/rulebook.cquin").read_text("utf-8")
    old = tmp_path / "old.cquin"
    old.write_text(text, encoding="utf-8")
    new = tmp_path / "new.cquin"
    new.write_text(text.replace('lead "Director of Operations"', 'lead "Chief Operating '
                                'Officer"').replace("status amber", "status green"),
                   encoding="utf-8")
    data = str(ROOT / "rulebooks/acute-trust-2019-20/data.csv")
    code, out, _ = invoke("diff", str(old), str(new), "--data", data, "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["changed"] is False
    words = [c["words"] for c in document["changes"] if c["where"] == "DISCH"]
    assert words == ["The lead changed from Director of Operations to Chief Operating "
                     "Officer.", "The status changed from amber (agreed in principle, "
                     "measures in development) to green (agreed)."]
    assert document["money"]["total"]["difference"] == "0.00"
    assert invoke("diff", str(old), str(new))[0] == 1


TWO_GOALS = """\
scheme "Demo" {
  cquin value £100,000
}

goal A "Access" {
  domain safety
  value £60,000
  indicator seen { pay linear from 50% to 90% }
}

goal B "Beds" {
  domain safety
  value £40,000
  indicator used { pay 100% when value >= 80% }
}
"""


def test_diff_goal_removed_keeps_its_data_row_for_the_old_draft(tmp_path: Path) -> None:
    """A goal the new draft drops: the measurements' row for it counts under the old
    draft only (no E103), and the new draft earns nothing for it; a row naming what
    neither draft has is still E103 (exit 2)."""
    old = tmp_path / "old.cquin"
    old.write_text(TWO_GOALS, encoding="utf-8")
    start = TWO_GOALS.index("goal B")
    new = tmp_path / "new.cquin"
    new.write_text(TWO_GOALS[:start].replace("£60,000", "£100,000").rstrip() + "\n",
                   encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("goal,indicator,value\nA,seen,70%\nB,used,85%\n", encoding="utf-8")
    code, out, err = invoke("diff", str(old), str(new), "--data", str(data), "--format",
                            "json")
    assert code == 1, err
    document = json.loads(out)
    goals = {g["code"]: g for g in document["money"]["goals"]}
    assert goals["A"]["old"]["earned"] == "30000.00" and goals["A"]["new"]["earned"] == "50000.00"
    assert goals["B"]["old"]["earned"] == "40000.00" and goals["B"]["new"]["earned"] is None
    assert document["money"]["total"] == {"old": "70000.00", "new": "50000.00",
                                          "difference": "-20000.00"}
    assert any(c["where"] == "B" and c["kind"] == "removed" for c in document["changes"])
    data.write_text("goal,indicator,value\nA,seen,70%\nZ,gone,85%\n", encoding="utf-8")
    code, _, err = invoke("diff", str(old), str(new), "--data", str(data))
    assert code == 2 and "E103" in err


def test_diff_with_estimates_uses_one_seed_for_both(tmp_path: Path) -> None:
    """Estimates: each draft forecast with the same seed; the same draft twice is no
    change, and a moved threshold changes the expected earnings."""
    book = str(NORTHSHIRE / "rulebook.cquin")
    estimates = str(NORTHSHIRE / "estimates.csv")
    code, out, _ = invoke("diff", book, book, "--estimates", estimates, "--scenarios",
                          "500", "--format", "json")
    assert code == 0
    forecast = json.loads(out)["forecast"]
    assert forecast["total"]["old"] == forecast["total"]["new"]
    new = _draft(tmp_path, "pay linear from 60% to 75%", "pay linear from 60% to 80%")
    code, out, _ = invoke("diff", book, str(new), "--estimates", estimates, "--scenarios",
                          "500", "--format", "markdown")
    assert code == 1 and "| **total** |" in out and "seed 0" in out


def test_diff_reads_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`REV:path` is read with `git show`; a revision git cannot show is exit 2, said."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copy(NORTHSHIRE / "rulebook.cquin", tmp_path / "rulebook.cquin")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=a@b.c", "-c", "user.name=A", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("add", "rulebook.cquin")
    git("commit", "-qm", "first draft")
    text = (tmp_path / "rulebook.cquin").read_text("utf-8")
    (tmp_path / "rulebook.cquin").write_text(text.replace("baseline 250", "baseline 260"),
                                             encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("diff", "HEAD:rulebook.cquin", "rulebook.cquin")
    assert code == 1, err
    assert "AED.attendances: The baseline changed from 250 to 260." in out
    code, _, err = invoke("diff", "HEAD:missing.cquin", "rulebook.cquin")
    assert code == 2
    assert "cannot read HEAD:missing.cquin: git show failed" in err


def test_diff_usage_and_read_errors_exit_2(tmp_path: Path) -> None:
    book = str(NORTHSHIRE / "rulebook.cquin")
    assert invoke("diff", book, book, "--data", "x.csv", "--estimates", "y.csv")[0] == 2
    assert invoke("diff", book, str(tmp_path / "absent.cquin"))[0] == 2
    broken = tmp_path / "broken.cquin"
    broken.write_text("scheme {", encoding="utf-8")
    code, _, err = invoke("diff", book, str(broken))
    assert code == 2 and "E001" in err


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.parent.name)
def test_every_shipped_rulebook_diffs_clean_against_itself(rulebook: Path) -> None:
    """Every shipped rulebook against itself: no change of meaning, nor of money on its
    own data, in every format."""
    code, out, _ = invoke("diff", str(rulebook), str(rulebook))
    assert code == 0 and "No change of meaning" in out
    data = str(rulebook.parent / "data.csv")
    for chosen in ("text", "markdown", "json"):
        code, out, err = invoke("diff", str(rulebook), str(rulebook), "--data", data,
                                "--format", chosen)
        assert code == 0, err
    assert json.loads(out)["money"]["total"]["difference"] == "0.00"


# ---- status -------------------------------------------------------------------------------


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.parent.name)
def test_every_shipped_rulebook_has_a_status_view(rulebook: Path) -> None:
    """Each goal appears with its colour; the money by colour adds up to the goals' money;
    the HTML page runs and loads nothing."""
    scheme = cquin_rules.load(rulebook).scheme
    view = status_view(scheme)
    assert cquin_rules.load(rulebook).negotiation() == view
    assert [g.code for g in view.goals] == [g.code for g in scheme.goals]
    assert sum((amount for _, _, amount in view.totals()), Fraction(0)) == view.total
    for chosen in ("text", "markdown", "html"):
        code, out, err = invoke("status", str(rulebook), "--format", chosen)
        assert code == 0, err
        assert all(goal.code in out for goal in scheme.goals)
    assert "Content-Security-Policy" in out and "<script" not in out.lower()


def test_status_totals_by_colour_and_escapes_html(tmp_path: Path) -> None:
    text = (ROOT / "rulebooks/acute-trust-2019-20/rulebook.cquin").read_text("utf-8")
    code, out, _ = invoke("status", str(ROOT / "rulebooks/acute-trust-2019-20/rulebook.cquin"))
    assert code == 0
    assert "  purple £2,483,160.00   4 goals  national, mandatory" in out
    assert "  amber     £93,118.50   1 goal   agreed in principle, measures in development" \
        in out
    assert "  total  £3,103,950.00   8 goals" in out
    hostile = tmp_path / "hostile.cquin"
    hostile.write_text(text.replace('lead "Director of Operations"',
                                    'lead "<script>alert(1)</script>"'), encoding="utf-8")
    code, out, _ = invoke("status", str(hostile), "--format", "html")
    assert code == 0
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out


# ---- check --for-signature ------------------------------------------------------------------


SIGNATURE = """\
scheme "Demo" {
  cquin value £100,000
}

goal A "Agreed" {
  domain safety
  weight 25%
  lead "Chief Nurse"
  status green
  indicator x { pay 100% when value >= 90% }
}

goal B "In development" {
  domain safety
  weight 25%
  lead "Director of Operations"
  status amber
  indicator x { pay 100% when value >= 90% }
}

goal C "Nobody's" {
  domain safety
  weight 25%
  status purple
  indicator x { pay 100% when value >= 90% }
}

goal D "Undecided" {
  domain safety
  weight 25%
  indicator x { pay 100% when value >= 90% }
}
"""


def test_for_signature_reports_e510_at_each_unready_goal(tmp_path: Path) -> None:
    """Amber, no lead, no status (or both): E510 at the goal's line, naming what is
    missing; green with a lead is ready; without the flag there is no E510."""
    path = tmp_path / "draft.cquin"
    path.write_text(SIGNATURE, encoding="utf-8")
    lines = SIGNATURE.split("\n")
    code, out, _ = invoke("check", "--for-signature", "--format", "json", str(path))
    assert code == 1
    found = [(d["code"], d["line"], d["message"]) for d in json.loads(out)["diagnostics"]]
    at = {goal: lines.index(next(x for x in lines if x.startswith(f"goal {goal} "))) + 1
          for goal in "BCD"}
    assert found == [
        ("E510", at["B"], "goal B is not ready for signature: it is amber (agreed in "
         "principle, measures in development)"),
        ("E510", at["C"], "goal C is not ready for signature: it has no lead"),
        ("E510", at["D"], "goal D is not ready for signature: it has no status and has no "
         "lead"),
    ]
    assert invoke("check", str(path))[0] == 0
    assert [d.code for d in cquin_rules.diagnose(SIGNATURE, for_signature=True)] == ["E510"] * 3


@pytest.mark.parametrize("rulebook", RULEBOOKS, ids=lambda p: p.parent.name)
def test_for_signature_on_every_shipped_rulebook(rulebook: Path) -> None:
    """E510 exactly at the goals that are not green or purple, or have no lead."""
    scheme = cquin_rules.load(rulebook).scheme
    unready = [goal.span.line for goal in scheme.goals
               if goal.status not in ("green", "purple") or not goal.lead]
    code, out, _ = invoke("check", "--for-signature", "--format", "json", str(rulebook))
    lines = [d["line"] for d in json.loads(out)["diagnostics"] if d["code"] == "E510"]
    assert lines == unready
    assert code == (1 if unready else 0)
