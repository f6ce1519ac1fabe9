"""Pictures with matplotlib, which is optional: without it a demo still runs and says how to get it.

Figures are made with matplotlib's object-oriented API (`matplotlib.figure.Figure`), never pyplot,
so no window opens and no global backend is switched: saving a PNG uses the Agg renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from demos._cli import fail

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = 'pip install -e ".[demos]"'


def new_figure(what: str, *, width: float, height: float) -> Figure | None:
    """An empty figure of `width` x `height` inches, or None (and a note) without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print(f"No picture of {what}: matplotlib is not installed. To get it: {INSTALL_HINT}")
        return None
    return Figure(figsize=(width, height), layout="constrained")


def save_png(figure: Figure, path: Path) -> None:
    """Write `figure` as a PNG file, or `fail` with the reason."""
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        fail(f"cannot write {str(path)!r}: {error.strerror or error}")
