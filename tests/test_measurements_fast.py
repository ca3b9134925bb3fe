"""The quick reading of plain spellings (`measured_values.fast_value`, issue 16) is only a
shortcut: whatever it reads, `measured_value` reads the same; whatever it declines, the
full reader reads (or explains) as before; and a scheme's index is shared, never stale."""

from __future__ import annotations

import gc

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cquin_rules.api import loads
from cquin_rules.engine.measured_values import BadInput, fast_value, measured_value
from cquin_rules.engine.measurement_reader import _INDEXES, Measurements

MEASURES = ("percent", "number", "evidence")

#: Strings near the plain spellings: digits, points, signs, percent, slash, spaces, words.
NEAR = st.one_of(
    st.text(alphabet=st.sampled_from("0123456789./%+- ,e৪"), max_size=12),
    st.sampled_from(["achieved", "not achieved", "yes", "no", "Achieved", " yes",
                     "not  achieved", "100%", "100.0%", "100.01%", "0%", "0/0", "3/2",
                     "2/3", "007", "1e3", ".5", "5.", "=1", "68%%", "1" * 40]),
)


@settings(max_examples=2000, deadline=None)
@given(NEAR, st.sampled_from(MEASURES), st.integers(1, 60))
@example("68.00%", "percent", 1000)
@example("140/200", "percent", 1000)
@example("212", "number", 1000)
@example("achieved", "evidence", 1000)
def test_fast_value_reads_as_the_full_reader_does(raw: str, measure: str, most: int) -> None:
    quick = fast_value(raw, measure, most)  # type: ignore[arg-type]
    if quick is None:
        return
    assert len(raw) <= most  # the digit limit cannot be breached by what it reads
    full = measured_value(raw, measure, "G.i")  # type: ignore[arg-type]
    assert quick == full and type(quick) is type(full)


def test_the_plain_spellings_are_read_quickly() -> None:
    """The shortcut does take the spellings users write (or it would save nothing)."""
    assert fast_value("68%", "percent", 1000) is not None
    assert fast_value("68.25%", "percent", 1000) is not None
    assert fast_value("140/200", "percent", 1000) is not None
    assert fast_value("212", "number", 1000) is not None
    assert fast_value("2.5", "number", 1000) is not None
    assert fast_value("not achieved", "evidence", 1000) is not None
    for declined, measure in (("101%", "percent"), ("3/2", "percent"), ("1/0", "percent"),
                              ("68", "percent"), ("68%", "number"), ("yes", "percent"),
                              (" 68%", "percent"), ("1,000", "number"), ("68%", "evidence")):
        assert fast_value(declined, measure, 1000) is None, declined  # type: ignore[arg-type]
    with pytest.raises(BadInput):
        measured_value("101%", "percent", "G.i")


SCHEME = '''scheme "S" {
  year 2018/19
  cquin value £1,000
}

goal A "a" {
  domain safety
  weight 50%
  indicator p { measure percent  pay linear from 10% to 20% }
}

goal B "b" {
  domain safety
  weight 50%
  indicator n { measure number  pay linear from 4 to 6 }
}
'''


def test_a_name_read_once_is_read_the_same_again_and_mistakes_still_explained() -> None:
    """The second reading of a mapping (names now remembered) gives the same measurements,
    and a bad name or value after a good one is still reported as before."""
    compiled = loads(SCHEME).compiled()
    good = {"A.p": "15%", "B.n": "7"}
    first, _ = Measurements.from_mapping(good, compiled)
    again, _ = Measurements.from_mapping(good, compiled)
    assert first is not None and first == again
    bad = {"A.p": "15%", "A.q": "1%", "B.n": "7%", "A.p Q2": "1%"}
    read, diagnostics = Measurements.from_mapping(bad, compiled)
    assert read is None
    assert [(d.code, d.span.line) for d in diagnostics] == [("E103", 2), ("E604", 3),
                                                             ("E608", 4)]


def test_the_index_lives_as_long_as_its_scheme() -> None:
    """A scheme's index is dropped with the scheme (no growth over many rulebooks)."""
    before = len(_INDEXES)
    for _ in range(20):
        Measurements.from_mapping({"A.p": "15%"}, loads(SCHEME).compiled())
    gc.collect()
    assert len(_INDEXES) <= before + 1
