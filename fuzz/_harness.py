"""What the atheris harnesses share: the seed corpus (every shipped file) and the run loop.

Run a harness by hand (atheris is not a project dependency):

    pip install atheris
    python fuzz/fuzz_parse.py -atheris_runs=100000 -timeout=10

Any libFuzzer flag may follow (`-max_total_time=600`, `-jobs=4`, a corpus folder). A crash
is written to `crash-…` in the working directory; replay it with `python fuzz/fuzz_parse.py
crash-…`. See docs/security.md.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seeds(*patterns: str) -> list[bytes]:
    """The bytes of every file under the project matching `patterns`."""
    return [path.read_bytes() for pattern in patterns for path in sorted(ROOT.glob(pattern))]


def run(test_one: Callable[[bytes], None], seed_patterns: tuple[str, ...]) -> None:
    """Fuzz `test_one` with libFuzzer, starting from the seed files unless a corpus folder
    (or a crash file to replay) is named on the command line."""
    try:
        import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        sys.exit("atheris is not installed: pip install atheris (see docs/security.md)")
    arguments = list(sys.argv)
    if not any(not argument.startswith("-") for argument in arguments[1:]):
        corpus = Path(tempfile.mkdtemp(prefix="cquin-fuzz-corpus-"))
        for number, data in enumerate(seeds(*seed_patterns)):
            (corpus / f"seed-{number}").write_bytes(data)
        arguments.append(str(corpus))
    atheris.Setup(arguments, test_one)
    atheris.Fuzz()


def bug(output: str) -> bool:
    """True when command-line output shows a bug rather than an answer."""
    return "Traceback" in output or "internal error" in output
