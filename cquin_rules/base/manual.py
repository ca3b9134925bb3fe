"""Where the manual is: one base that every help text and hint names a page by.

The manual is the `docs/` folder of the cquin-rules repository, built into a site with
MkDocs. Until the site has a public address, a page is named by its path in the
repository (`docs/forecast.md`); publishing it means changing `MANUAL_BASE` alone.
"""

from __future__ import annotations

from pathlib import Path

#: The base every page of the manual is named under.
MANUAL_BASE = "docs/"


def page(name: str) -> str:
    """The address of one page of the manual, e.g. `page("forecast")`."""
    return f"{MANUAL_BASE}{name}.md"


def local_copies() -> list[Path]:
    """The manual on this machine: the sources beside an editable install (a checkout),
    and the built site when one has been built there."""
    checkout = Path(__file__).resolve().parents[2]
    found = [checkout / "docs" / "index.md", checkout / "site" / "index.html"]
    return [path for path in found if path.is_file()]
