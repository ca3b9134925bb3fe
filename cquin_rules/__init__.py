"""cquin-rules: CQUIN schemes as text, checked, tested and exact to the penny.

    >>> import cquin_rules
    >>> rulebook = cquin_rules.load("rulebooks/northshire-2018-19/rulebook.cquin")
    >>> result = rulebook.evaluate("rulebooks/northshire-2018-19/data.csv")
    >>> result.to_dict()["earned"]
    '1700000.00'

These names are the public API; everything else may change between versions. `Result`,
`Measurements` and `EarnedFunction` are imported on first use, so `import cquin_rules`
stays quick for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import Rulebook, diagnose, load, loads, read_measurements
from .base.diagnostics import CquinError, Diagnostic
from .base.limits import Limits

if TYPE_CHECKING:
    from .engine.earned_code import EarnedFunction
    from .engine.measurements import Measurements
    from .engine.result import Result

__all__ = [
    "CquinError",
    "Diagnostic",
    "EarnedFunction",
    "Limits",
    "Measurements",
    "Result",
    "Rulebook",
    "diagnose",
    "load",
    "loads",
    "read_measurements",
]


def __getattr__(name: str) -> Any:
    if name == "Result":
        # lazy: `import cquin_rules` does not load the evaluator for a type name
        from .engine.result import Result

        return Result
    if name == "EarnedFunction":
        # lazy: `import cquin_rules` does not load the code generator for a type name
        from .engine.earned_code import EarnedFunction

        return EarnedFunction
    if name == "Measurements":
        # lazy: `import cquin_rules` does not load the evaluator for a type name
        from .engine.measurements import Measurements

        return Measurements
    raise AttributeError(f"module 'cquin_rules' has no attribute {name!r}")
