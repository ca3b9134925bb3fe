"""Money as section 7 defines it: exact until the penny, half up, and always adding up."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ..syntax.model import Header, Pounds, ShareOfContract

PENNY = Fraction(1, 100)


def round_half_up(amount: Fraction, unit: Fraction = PENNY) -> Fraction:
    """Round to a whole number of `unit`s, halves away from zero (£500.005 is £500.01)."""
    units = abs(amount) / unit
    whole = int(units + Fraction(1, 2))
    return whole * unit if amount >= 0 else -whole * unit


def contract_base(header: Header) -> Fraction | None:
    """What `P% of contract` is taken on: the outturn when given (DH §39), else the contract."""
    if header.outturn_value is not None:
        return header.outturn_value.value
    if header.contract_value is not None:
        return header.contract_value.value
    return None


def exact_amount(amount: Pounds | ShareOfContract | None, header: Header) -> Fraction | None:
    """An amount before rounding; None when a share of a contract that is not given."""
    if amount is None:
        return None
    if isinstance(amount, Pounds):
        return amount.amount
    base = contract_base(header)
    return None if base is None else amount.share * base


def cquin_value_exact(header: Header) -> Fraction | None:
    return exact_amount(header.cquin_value.value if header.cquin_value else None, header)


def national_value_exact(header: Header) -> Fraction | None:
    """The national value before rounding (default £0)."""
    if header.national_value is None:
        return Fraction(0)
    return exact_amount(header.national_value.value, header)


def split_largest_remainder(total: Fraction, shares: Sequence[Fraction]) -> list[Fraction]:
    """Round `shares` to pennies so that they add up to `total` (itself whole pennies).

    Each share is rounded down; the pennies left over go, one each, to the shares with
    the largest fraction of a penny left (ties to the one written first).
    """
    floors = [Fraction(int(share / PENNY)) * PENNY if share >= 0 else round_half_up(share)
              for share in shares]
    left_over = int(round_half_up(total - sum(floors, Fraction(0))) / PENNY)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    result = list(floors)
    for i in order[: max(0, left_over)]:
        result[i] += PENNY
    return result


def decimal_places(value: Fraction, places: int) -> str:
    """`value` rounded half up to `places` decimals, as plain text (`0.533333`)."""
    unit = Fraction(1, 10**places)
    rounded = round_half_up(value, unit)
    sign = "-" if rounded < 0 else ""
    scaled = abs(int(rounded / unit))
    if places == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def money(amount: Fraction) -> str:
    """Money for machines: `3000000.00`."""
    return decimal_places(amount, 2)


def pounds(amount: Fraction) -> str:
    """Money for people: `£3,000,000.00` (`-£1,000.00` when negative)."""
    text = decimal_places(abs(amount), 2)
    whole, pence = text.split(".")
    return f"{'-' if amount < 0 else ''}£{int(whole):,}.{pence}"


def finite_places(value: Fraction) -> int | None:
    """How many decimal places write `value` exactly (`0.125` needs 3), or None when no
    finite decimal does (1/3). Everything a person writes in a rulebook or measurement
    file is a finite decimal, and so is every sum and product of such numbers."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives) if denominator == 1 else None


def exact_decimal(value: Fraction, max_places: int = 6) -> str:
    """`value` as a short exact decimal when it has one (`0.68`), else to `max_places`: for
    numbers the program works out. A number a person wrote goes through `as_written`."""
    for places in range(max_places + 1):
        if (value * 10**places).denominator == 1:
            return decimal_places(value, places)
    return decimal_places(value, max_places)


def as_written(value: Fraction, endless_places: int = 6) -> str:
    """A number quoted exactly, in as few places as it needs (`12.34567`, `-3`): what a
    person wrote, or a sum or product of such numbers. Only a value with no finite decimal
    (which nobody can write, such as a share part way along a line) is rounded, to
    `endless_places`."""
    places = finite_places(value)
    return decimal_places(value, endless_places if places is None else places)


def percent_as_written(share: Fraction, endless_places: int = 6) -> str:
    """A share quoted exactly as a percent: 0.1234567 is `12.34567%`."""
    return f"{as_written(share * 100, endless_places)}%"


def exact_pounds(amount: Fraction) -> str:
    """Money before rounding to the penny, exact: `£1,234.50`, `£1.9999999`; an amount
    with no finite decimal is rounded to six places and marked `…`."""
    places = finite_places(amount)
    if places is not None and places <= 2:
        return pounds(amount)
    text = as_written(abs(amount))
    whole, _, tail = text.partition(".")
    return f"{'-' if amount < 0 else ''}£{int(whole):,}.{tail}{'…' if places is None else ''}"


def percent_text(share: Fraction, max_places: int = 6) -> str:
    """A fraction of one as people write a percent: 5/8 is `62.5%` (see exact_decimal)."""
    return f"{exact_decimal(share * 100, max_places)}%"


def earned_percent(earned: Fraction, available: Fraction) -> str:
    """Earned as a percentage of available, one decimal place, half up (`56.7`)."""
    if available == 0:
        return "0.0"
    return decimal_places(earned / available * 100, 1)
