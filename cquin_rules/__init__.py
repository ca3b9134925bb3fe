"""cquin-rules: CQUIN schemes as text, checked, tested and exact to the penny.

    >>> import cquin_rules
    >>> rulebook = cquin_rules.load("rulebooks/northshire-2018-19/rulebook.cquin")
    >>> result = rulebook.evaluate("rulebooks/northshire-2018-19/data.csv")
    >>> result.to_dict()["earned"]
    '1700000.00'
"""

from .api import Rulebook, load, loads, read_measurements
from .base.diagnostics import CquinError, Diagnostic

__all__ = ["CquinError", "Diagnostic", "Rulebook", "load", "loads", "read_measurements"]
