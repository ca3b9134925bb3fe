"""Finding a framework: the built-in years shipped as package data, or a framework file.

An unknown name is E305 with the nearest built-in: the one for the same year when the
name ends in a year (`nhs_england_2010_11` finds `dh_2010_11`), else the closest spelling.
"""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from attrs import evolve

from ..base.diagnostics import CquinError, Diagnostic
from ..base.limits import read_limited
from ..base.span import NOWHERE, Span
from ..syntax.parser import decode, start_for
from .framework import Framework
from .parse import parse_framework

__all__ = ["builtin_frameworks", "load_framework", "nearest_builtin"]


@lru_cache(maxsize=1)
def _builtins() -> tuple[Framework, ...]:
    folder = files("cquin_rules").joinpath("frameworks").joinpath("builtin")
    found = []
    for resource in folder.iterdir():
        if not resource.name.endswith(".cquin"):
            continue
        text = resource.read_text(encoding="utf-8")
        framework, diagnostics = parse_framework(text, f"builtin_frameworks/{resource.name}")
        if framework is None:
            raise CquinError(diagnostics, text)  # a broken package, not a user's mistake
        found.append(evolve(framework, origin=f"builtin:{framework.name}"))
    return tuple(sorted(found, key=lambda f: f.name))


def builtin_frameworks() -> list[Framework]:
    """The frameworks shipped with the package, sorted by name."""
    return list(_builtins())


def _looks_like_path(ref: str, base_dir: Path | None) -> bool:
    if "/" in ref or os.sep in ref or ref.endswith(".cquin"):
        return True
    return (Path(base_dir) / ref if base_dir else Path(ref)).is_file()


def load_framework(
    ref: str,
    base_dir: Path | None,
    *,
    span: Span | None = None,
    origin: str = "<text>",
    is_path: bool | None = None,
) -> tuple[Framework | None, list[Diagnostic]]:
    """The framework `ref` names: a built-in name, or a framework file (relative paths are
    taken against `base_dir`, or the working directory when it is None).

    An unknown name, an unreadable file or a file that is not a framework file (its first
    statement is not `framework`) is E305 at `span` in the file `origin` (the rulebook that
    named it); problems inside a framework file are reported against that file's own path.
    `is_path` forces the reading of `ref`: True is a header's `framework "PATH"`, held to
    the language reference §3 (relative, inside the rulebook's folder tree, a `.cquin`
    file); False is its `framework NAME`, always a name; None (the command line) decides
    by its shape.
    """
    at = span or NOWHERE
    from_header = is_path is True
    if is_path is None:
        is_path = _looks_like_path(ref, base_dir)
    if not is_path:
        for framework in _builtins():
            if framework.name == ref:
                return framework, []
        beside = (Path(base_dir) if base_dir else Path()) / f"{ref}.cquin"
        return None, [_unknown(ref, at, origin, beside if beside.is_file() else None)]
    if from_header:  # a header's `framework "PATH"`: the language reference §3 says what it may be
        refused = _refused_header_path(ref, base_dir)
        if refused is not None:
            return None, [_not_a_framework(refused, at, origin, from_header)]
    path = Path(ref)
    shown = ref
    if base_dir is not None and not path.is_absolute() and Path(base_dir) != Path("."):
        path = Path(base_dir) / path
        shown = os.fspath(path)
    try:
        # Only a regular file, and no more than the file-size limit: a FIFO named as the
        # framework is refused rather than waited on, /dev/zero rather than read for ever.
        data, too_large = read_limited(path)
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [
            Diagnostic(
                "E305",
                f"cannot read the framework file {shown}: {reason}",
                at,
                "give a built-in framework's name (see `cquin frameworks`) or the path of a "
                "framework file, relative to the rulebook when named in it",
                origin,
            )
        ]
    if data is None:
        return None, [d.at(shown) for d in too_large]
    text, _ = decode(data, shown)
    # Only a framework file is parsed, so only a framework file's lines are ever shown in a
    # diagnostic: any other file named here (a password file, a secret) is never echoed.
    if text is None:
        return None, [_not_a_framework(f"{shown} is not a framework file: it is not UTF-8 "
                                       "text", at, origin, from_header)]
    if start_for(text) != "framework_file":
        return None, [_not_a_framework(f"{shown} is not a framework file: its first "
                                       "statement is not `framework`", at, origin, from_header)]
    return parse_framework(text, shown)


_PATH_HINT = ("give a built-in framework's name (see `cquin frameworks`) or the path of a "
              "framework file")


def _not_a_framework(message: str, span: Span, origin: str, from_header: bool) -> Diagnostic:
    hint = _PATH_HINT
    if from_header:
        hint += ": a `.cquin` file in the rulebook's folder (or below it), relative to it"
    return Diagnostic("E305", message, span, hint, origin)


def _refused_header_path(ref: str, base_dir: Path | None) -> str | None:
    """Why a header's `framework "PATH"` may not be read, or None when it may: a path is
    relative, stays inside the rulebook's folder tree (symbolic links followed) and names a
    `.cquin` file (the language reference §3)."""
    path = Path(ref)
    if path.is_absolute():
        return f"the framework path {ref} is not relative to the rulebook's folder"
    if path.suffix != ".cquin":
        return f"the framework path {ref} does not name a .cquin file"
    folder = Path(base_dir) if base_dir is not None else Path()
    try:
        inside = (folder / path).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symbolic-link loop
        inside = False
    if not inside:
        return f"the framework path {ref} leads outside the rulebook's folder"
    return None


def _year_of(name: str) -> tuple[str, ...]:
    """`2017`, `18` from `nhs_england_2017_18`: the year a framework name ends in."""
    return tuple(name.rsplit("_", 2)[-2:])


def nearest_builtin(ref: str) -> str | None:
    """The built-in a mistyped name most likely means: the same year's, else the one
    starting in the same year (`…_2017_19` is the 2017–19 scheme's first year), else the
    closest spelling, else None."""
    names = [f.name for f in _builtins()]
    year = _year_of(ref)
    same_year = [name for name in names if _year_of(name) == year]
    same_start = [name for name in names if len(year) == 2 and _year_of(name)[0] == year[0]]
    if same_year or same_start:
        return (same_year or same_start)[0]
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown(ref: str, span: Span, origin: str, beside: Path | None) -> Diagnostic:
    names = [f.name for f in _builtins()]
    near = nearest_builtin(ref)
    hint = f"did you mean {near}? " if near else ""
    if beside is not None:
        hint = f'to use the file {beside.name}, write `framework "{beside.name}"`. '
    hint += "The built-in frameworks are " + ", ".join(names)
    hint += "; or give the path of a framework file"
    return Diagnostic("E305", f"unknown framework `{ref}`", span, hint, origin)
