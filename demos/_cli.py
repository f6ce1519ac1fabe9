"""What every demo's command line shares: the common options, one-line errors, the output folder.

A demo's mistakes in its arguments end with ``error: ...`` on one line of stderr and exit status 2,
like argparse's own errors, never with a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

USAGE_ERROR = 2  # the exit status argparse uses for bad arguments
INTERRUPTED = 130  # the shell's status for a program stopped by Ctrl-C


def fail(message: str) -> NoReturn:
    """Stop the demo with ``error: message`` on stderr and exit status 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(USAGE_ERROR)


def make_parser(
    demo: str, description: str, *, epochs: int, seed: int, out: str
) -> argparse.ArgumentParser:
    """A parser for ``python -m demos.<demo>`` with the options every demo takes.

    They are --epochs, --seed and --out, with the given defaults.
    """
    parser = argparse.ArgumentParser(
        prog=f"python -m demos.{demo}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--epochs", type=int, default=epochs, help="passes over the training data")
    parser.add_argument(
        "--seed", type=int, default=seed, help="seed of the random numbers; same seed, same output"
    )
    parser.add_argument("--out", type=Path, default=Path(out), help="folder for the pictures")
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse and check the common options; the output folder exists and is writable afterwards.

    Everything is checked before any training starts, so a typo costs no waiting.
    """
    args = parser.parse_args(argv)
    if args.epochs < 1:
        fail(f"--epochs must be at least 1, not {args.epochs}")
    if args.seed < 0:
        fail(f"--seed must be 0 or more, not {args.seed}")
    args.out = writable_folder(args.out)
    return args


def writable_folder(path: Path) -> Path:
    """Create `path` if needed and make sure a file can be written in it, or `fail`."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        # Asking the file system is the only reliable test (permissions, read-only mounts, root).
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        fail(f"cannot write to the output folder {str(path)!r}: {error.strerror or error}")
    return path


def write_text(path: Path, text: str) -> None:
    """Write a file the demo produces, or `fail` with the reason (a full disk, say)."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {str(path)!r}: {error.strerror or error}")


def run(demo: Callable[[Sequence[str] | None], None], argv: Sequence[str] | None) -> int:
    """Run a demo's body and return its exit status, without a traceback for the usual stops.

    Ctrl-C ends it quietly; so does a reader that stops early (``python -m demos.article | head``).
    """
    try:
        demo(argv)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit; send the rest nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def heading(title: str) -> None:
    """Print a section heading, underlined, after a blank line."""
    print()
    print(title)
    print("-" * len(title))


def aligned(x: float) -> str:
    """``repr(x)`` padded on the left so that decimal points line up in a column.

    The repr is the shortest text that reads back as exactly the same float, which is how the
    article prints its numbers.
    """
    text = repr(float(x))
    point = text.find(".")
    if point < 0:  # inf or nan
        point = len(text)
    return " " * max(0, 3 - point) + text
