"""National, local and total pennies of a batch, added from its goal lines chunk by chunk.

`Result` sums goal lines; so does a batch, but while each chunk of goal lines is still in
the cache (adding them again later would read them back from memory). A scope with a
single goal is that goal's column itself (a read-only view), which costs nothing.
"""

from __future__ import annotations

import numpy as np

from ..syntax.model import Scope
from .batch_ints import Array


class Sums:
    """National, local and total pennies, added from the goal lines chunk by chunk (as
    `Result` sums its goal lines). A scope with one goal is that goal's column."""

    def __init__(self, earned: Array, scopes: tuple[Scope, ...] | None, total: int) -> None:
        self.earned = earned
        self.wanted = scopes is not None
        self.columns = {scope: [c for c, s in enumerate(scopes or ()) if s == scope]
                        for scope in ("national", "local")}
        self.sums = {scope: np.empty(total, dtype=np.int64)
                     for scope, columns in self.columns.items() if len(columns) > 1}
        if self.wanted:
            self.sums["total"] = np.empty(total, dtype=np.int64)

    def _part(self, scope: str, rows: slice) -> Array | None:
        columns = self.columns[scope]
        if not columns:
            return None
        if len(columns) == 1:
            part: Array = self.earned[rows, columns[0]]
            return part
        out = self.sums[scope][rows]
        np.add(self.earned[rows, columns[0]], self.earned[rows, columns[1]], out=out)
        for column in columns[2:]:
            np.add(out, self.earned[rows, column], out=out)
        return out

    def add(self, rows: slice) -> None:
        if not self.wanted:
            return
        national, local = self._part("national", rows), self._part("local", rows)
        out = self.sums["total"][rows]
        if national is not None and local is not None:
            np.add(national, local, out=out)
        elif national is not None:
            out[...] = national
        elif local is not None:
            out[...] = local
        else:
            out.fill(0)

    def found(self) -> dict[str, Array]:
        if not self.wanted:
            return {}
        found = dict(self.sums)
        for scope, columns in self.columns.items():
            if len(columns) <= 1:
                line: Array = np.zeros(self.earned.shape[0], dtype=np.int64) \
                    if not columns else self.earned[:, columns[0]]
                line.flags.writeable = False  # a view of `earned`: not to be written
                found[scope] = line
        return found
