"""As of a month (section 6, "As of a date"): which periods are due so far.

One definition, shared by `cquin eval --as-of`, `cquin explain --as-of` and
`cquin schedule --month`: a period is due as of contract month m (1 = April) once it has
ended, that is when its last month (`model.PERIOD_END_MONTH`) is m or earlier. A period
that ends later is **not yet due**: neither paid nor failed. `year` ends in month 12, so a
year-assessed item is not yet due until M12.
"""

from __future__ import annotations

from ..syntax.model import PERIOD_END_MONTH

MONTHS = 12
AS_OF_NAMES = (*(f"M{m}" for m in range(1, MONTHS + 1)), "Q1", "Q2", "Q3", "Q4")
"""What `--as-of` accepts: a month, or a quarter meaning its last month."""
MONTH_NAMES = ("April", "May", "June", "July", "August", "September", "October",
               "November", "December", "January", "February", "March")
"""Contract months, April first (the NHS financial year)."""


def is_due(period: str, month: int) -> bool:
    """Whether `period` (`Q2`, `H1`, `M5`, `year`) has ended by contract month `month`."""
    return PERIOD_END_MONTH[period] <= month


def as_of_month(text: str | int) -> int:
    """The contract month `--as-of` names: `M6` → 6, `Q2` → 6 (its last month); a whole
    number 1–12 is taken as the month itself. ValueError, saying what is accepted, otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        if 1 <= text <= MONTHS:
            return text
        raise ValueError(f"the month must be 1 to 12, not {text}")
    name = str(text).strip()
    upper = name.upper()
    if upper in AS_OF_NAMES:
        return PERIOD_END_MONTH[upper]
    raise ValueError(
        f"{name!r} is not a month or a quarter: write M1 to M12 (M1 is April) or Q1 to Q4"
    )


def month_name(month: int) -> str:
    """`M6`: how a result names the month it is as of."""
    return f"M{month}"


def month_words(month: int) -> str:
    """`M6 (September)`: the month for a reader."""
    return f"M{month} ({MONTH_NAMES[month - 1]})"
