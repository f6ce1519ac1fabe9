"""Pictures with matplotlib, which is optional: without it a demo still runs and says how to get it.

Figures are made with matplotlib's object-oriented API (`matplotlib.figure.Figure`), never pyplot,
so no window opens and no global backend is switched: saving a PNG uses the Agg renderer.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from demos._cli import write_file

if TYPE_CHECKING:
    from matplotlib.figure import Figure  # pyright: ignore[reportMissingImports]  # optional (demos extra)


def install_hint() -> str:
    """The command that installs matplotlib into the environment running this demo.

    A bare ``pip`` may belong to another Python; this names the running one's, e.g.
    ``.venv/bin/python -m pip install -e ".[demos]"`` (the demos run from the repository's root).
    """
    python = sys.executable
    relative = os.path.relpath(python)
    if not relative.startswith(os.pardir):
        python = relative if os.sep in relative else os.path.join(os.curdir, relative)
    return f'{shlex.quote(python)} -m pip install -e ".[demos]"'


def new_figure(what: str, *, width: float, height: float) -> Figure | None:
    """An empty figure of `width` x `height` inches, or None (and a note) without matplotlib."""
    try:
        from matplotlib.figure import Figure  # pyright: ignore[reportMissingImports]  # optional (demos extra)
    except ImportError:
        print(f"No picture of {what}: matplotlib is not installed. To get it: {install_hint()}")
        return None
    return Figure(figsize=(width, height), layout="constrained")


def save_png(figure: Figure, path: Path) -> None:
    """Write `figure` as a PNG file, whole or not at all, or `fail` with the reason."""
    write_file(path, lambda file: figure.savefig(file, format="png", dpi=120))
