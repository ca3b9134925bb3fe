"""The `cquin` command: a thin layer over the API that turns outcomes into exit codes.

`app` holds the command group and what the commands share; each other module holds the
commands of one kind of work, registered on the group when imported here.
"""

from __future__ import annotations

from . import negotiation, results, rulebooks, spreadsheets
from .app import main

__all__ = ["main"]
_COMMANDS = (negotiation, results, rulebooks, spreadsheets)
