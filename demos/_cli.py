"""What every demo's command line shares: the common options, one-line errors, the output folder.

A demo's mistakes in its arguments end with ``error: ...`` on one line of stderr and exit status 2,
like argparse's own errors, never with a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, NoReturn

USAGE_ERROR = 2  # the exit status argparse uses for bad arguments
WRITE_ERROR = 1  # a file the demo produces could not be written (a full disk, say)
INTERRUPTED = 130  # the shell's status for a program stopped by Ctrl-C
MAX_EPOCHS = 1_000_000  # beyond that a demo would run for hours and keep a loss history of GBs
MAX_POINTS = 100_000
MAX_WIDTH = 1024  # neurons in a hidden layer


def fail(message: str, status: int = USAGE_ERROR) -> NoReturn:
    """Stop the demo with ``error: message`` on stderr and exit `status` (2: bad arguments)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``error: --epochs must be ...``) and status 2."""

    def error(self, message: str) -> NoReturn:
        # argparse says "argument --epochs: must be ..."; ours reads "--epochs must be ...".
        fail(re.sub(r"^argument (\S+): (?=must )", r"\1 ", message))


def count(low: int, high: int | None = None, why: str = "") -> Callable[[str], int]:
    """An argparse `type` for a whole number from `low` to `high`; `why` explains `low`.

    Checked while the arguments are parsed, so a bad value stops the demo before it does anything.
    """

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}{why}, not {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, not {value:,}")
        return value

    return whole_number


def folder(text: str) -> Path:
    """An argparse `type` for an output folder: an empty name would mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder (use . for the current one), not ''")
    return Path(text)


def make_parser(
    demo: str,
    description: str,
    *,
    epochs: int,
) -> argparse.ArgumentParser:
    """A parser for ``python -m demos.<demo>`` with the options every demo takes.

    They are --epochs (`epochs` by default, at most `MAX_EPOCHS`), --seed (0) and --out
    (out/<demo>). A demo's own options should check their values with a `type` (`count`), so that
    all checks come first.
    """
    parser = Parser(
        prog=f"python -m demos.{demo}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--epochs", type=count(1, MAX_EPOCHS), default=epochs, help="passes over the training data"
    )
    parser.add_argument(
        "--seed",
        type=count(0),
        default=0,
        help="seed of the random numbers; same seed, same output",
    )
    parser.add_argument(
        "--out", type=folder, default=Path("out", demo), help="folder for the pictures"
    )
    return parser


def add_network_options(
    parser: argparse.ArgumentParser, *, points: int, fewest: int, why: str
) -> None:
    """--points (`points` by default, at least `fewest`: `why`) and --hidden (16,16), for the demos
    that train an MLP on points they generate."""
    parser.add_argument(
        "--points",
        type=count(fewest, MAX_POINTS, why),
        default=points,
        help="points in the data set",
    )
    parser.add_argument(
        "--hidden",
        type=layer_sizes,
        default="16,16",  # argparse passes a text default through `type`
        help="sizes of the hidden layers, comma-separated",
    )


def layer_sizes(text: str) -> list[int]:
    """An argparse `type` for hidden layer sizes: ``"64,64"`` is ``[64, 64]``."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be layer sizes separated by commas, like 16,16; not {text!r}"
        ) from None
    if not all(1 <= size <= MAX_WIDTH for size in sizes):
        raise argparse.ArgumentTypeError(f"must be layer sizes from 1 to {MAX_WIDTH}, not {text!r}")
    return sizes


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse and check the arguments; the output folder exists and is writable afterwards.

    Everything is checked before any training starts, so a typo costs no waiting, and the output
    folder is only made once every argument is known to be good.
    """
    args = parser.parse_args(argv)
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


def refuse_irregular(path: Path) -> None:
    """`fail` if `path` is there but no regular file (a FIFO, a device): a demo writes its files
    by renaming a new file over the old one, which would replace it, as Module.save refuses to."""
    if path.exists() and not path.is_file():  # both follow a symlink to what it names
        fail(f"{str(path)!r} is not a regular file; a demo writes regular files only", WRITE_ERROR)


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Make the file `path` with ``write(file)``, whole or not at all, or `fail` with the reason.

    The bytes go to a temporary file in the same folder, renamed to `path` once complete: a full
    disk or a Ctrl-C leaves any earlier `path` as it was, and no half-written file behind. A FIFO
    or a device at `path` is refused (`refuse_irregular`).
    """
    refuse_irregular(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would hide the picture
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            fail(f"cannot write {str(path)!r}: {error.strerror or error}", WRITE_ERROR)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    """Write a text file the demo produces (see `write_file`)."""
    write_file(path, lambda file: file.write(text.encode("utf-8")))


def run(demo: Callable[[Sequence[str] | None], None], argv: Sequence[str] | None) -> int:
    """Run a demo's body and return its exit status, without a traceback for the usual stops.

    Ctrl-C ends it quietly; so does a reader that stops early (``python -m demos.article | head``).
    """
    if signal.getsignal(signal.SIGINT) is _stop_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from now on, the except below
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


def stop_quietly_while_starting() -> None:
    """Under ``python -m demos.<name>``, let Ctrl-C before `run` exit quietly with status 130.

    Importing numpy and the library takes a moment, before `run` is there to catch Ctrl-C. Called
    when the `demos` package is imported: while Python looks for the module to run, sys.argv[0]
    is "-m", so tests and other importers keep Python's own Ctrl-C handling.
    """
    if sys.argv[:1] == ["-m"]:
        signal.signal(signal.SIGINT, _stop_while_starting)


def _stop_while_starting(signum: int, frame: object) -> NoReturn:
    print("\ninterrupted", file=sys.stderr)
    raise SystemExit(INTERRUPTED)


def heading(title: str) -> None:
    """Print a section heading after a blank line.

    One line, flush left above the indented text of its section: an underline would cost a line
    per section, and the article demo has to fit on about one screen.
    """
    print()
    print(title)


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
