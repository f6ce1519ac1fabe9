"""`fit`'s progress display: a bar with the epoch, the loss and the time left, redrawn in place.

Where it appears, as Keras's ``verbose=1`` does:

* in a Jupyter notebook (JupyterLab, Notebook, VS Code, Colab: anything running an IPython
  kernel), one HTML output updated in place through IPython's display handles;
* on a terminal, one line on stderr, rewritten with a carriage return and as wide as the terminal;
* nowhere when output goes to a file, a pipe or a test's capture, unless ``progress=True`` asks for
  it (then the line goes to stderr).

Why not ``tqdm.auto``, the usual choice: in a notebook its bar is an ipywidgets widget. Without
ipywidgets (``pip install jupyterlab`` does not bring it) it warns "IProgress not found" in red and
falls back to a text bar on stderr; with it, the saved notebook, nbconvert's HTML and a web view
of the file show the bar only if widget state was saved and a script loads from the network. An
HTML output needs nothing but the kernel, and its last state stays in the file as plain HTML. On a
terminal a line of our own does what tqdm's does for one bar, without a new dependency.
"""

from __future__ import annotations

import html
import importlib
import math
import os
import sys
import time
from typing import Any, Protocol, TextIO


class Progress:
    """Shows `fit`'s progress: `update` after every epoch, `clear` before printing a report line,
    `close` at the end. ``enabled``: None shows it where someone watches, True always, False never.
    """

    INTERVAL = 0.25  # seconds between redraws: fast epochs do not flood a terminal or a notebook

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total = total
        self.view = _choose_view(enabled)
        self.start = time.monotonic()
        self.latest: tuple[int, float | None, float | None, float | None] = (0, None, None, None)
        self.undrawn = False  # the latest figures have not been drawn yet
        self.last_draw = -math.inf
        self._draw(self.start)  # the empty bar at once: a slow first epoch shows training runs

    def update(
        self, done: int, loss: float, val_loss: float | None, val_accuracy: float | None
    ) -> None:
        """The figures after `done` epochs; drawn unless the last drawing is very recent."""
        self.latest = (done, loss, val_loss, val_accuracy)
        self.undrawn = True
        now = time.monotonic()
        if done == self.total or now - self.last_draw >= self.INTERVAL:
            self._draw(now)

    def clear(self) -> None:
        """Take the line off a terminal so that a printed report does not land after it."""
        if self.view is not None:
            self.view.clear()
            self.last_draw = -math.inf  # draw again at the next update

    def close(self) -> None:
        """Draw the last figures (early stopping or an error can end training between draws)."""
        if self.view is not None:
            if self.undrawn:
                self._draw(time.monotonic())
            self.view.close()

    def _draw(self, now: float) -> None:
        if self.view is None:
            return
        done, loss, val_loss, val_accuracy = self.latest
        count = f"epoch {done:>{len(str(self.total))}}/{self.total}"
        figures = []
        if loss is not None:
            figures.append(f"loss {loss:.4g}")
        if val_loss is not None:
            accuracy = "" if val_accuracy is None else f" ({val_accuracy:.0%})"
            figures.append(f"val {val_loss:.4g}{accuracy}")
        elapsed = now - self.start
        if done == self.total:
            figures.append(_duration(elapsed))
        elif done > 0:
            remaining = elapsed / done * (self.total - done)
            figures.append(f"{_duration(elapsed)}, about {_duration(remaining)} left")
        self.view.draw(done / self.total, count, "  ".join(figures))
        self.last_draw = now
        self.undrawn = False


class _View(Protocol):
    def draw(self, fraction: float, count: str, figures: str) -> None: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


def _choose_view(enabled: bool | None) -> _View | None:
    if enabled is False:
        return None
    display = _notebook_display()
    if display is not None:
        return _NotebookView(display)
    if enabled or sys.stderr.isatty():
        return _TerminalView(sys.stderr)
    return None


def _notebook_display() -> Any:
    """IPython's `display` when this runs in a Jupyter kernel, else None. A kernel has imported
    IPython already; nothing else here imports it, so `nn` does not depend on it."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    if getattr(shell, "kernel", None) is None:  # None, or IPython's own terminal shell
        return None
    return importlib.import_module("IPython.display").display


class _NotebookView:
    """One HTML output of the notebook, replaced in place at every draw."""

    def __init__(self, display: Any) -> None:
        self.display = display
        self.handle: Any = None

    def draw(self, fraction: float, count: str, figures: str) -> None:
        bundle = {
            "text/plain": f"{count}  {figures}",  # for a frontend that shows no HTML
            "text/html": (
                '<div style="font-family: monospace; white-space: pre">'
                f"{html.escape(count)} "
                f'<progress value="{fraction:.4f}" max="1" style="width: 16em; '
                f'vertical-align: middle"></progress>  {html.escape(figures)}</div>'
            ),
        }
        if self.handle is None:
            self.handle = self.display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)

    def clear(self) -> None:
        pass  # printed reports go below the output, which stays where it is

    def close(self) -> None:
        pass


class _TerminalView:
    """One line of `stream`, redrawn with a carriage return, never wider than the terminal
    (a line that wraps could no longer be redrawn)."""

    BAR_WIDTH = (10, 30)  # the bar's least and greatest width in characters

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = 0  # the width of the line on screen
        self.widest = 0  # the widest text so far: the bar makes room for it once, then keeps still
        try:
            "\u2588".encode(stream.encoding or "ascii")
            self.fill = "\u2588"  # a full block
        except (UnicodeEncodeError, LookupError):  # an ASCII-only console or a StringIO
            self.fill = "#"

    def draw(self, fraction: float, count: str, figures: str) -> None:
        columns = _columns(self.stream) - 1  # the last column would wrap on some terminals
        self.widest = max(self.widest, len(count) + len(figures))
        width = min(self.BAR_WIDTH[1], columns - self.widest - 5)
        if width >= self.BAR_WIDTH[0]:
            filled = int(fraction * width)
            line = f"{count} |{self.fill * filled}{' ' * (width - filled)}|  {figures}".rstrip()
        else:  # too narrow for a bar
            line = f"{count}  {figures}".rstrip()[:columns]
        self.stream.write("\r" + line + " " * (self.shown - len(line)))
        self.stream.flush()
        self.shown = len(line)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")  # the last line stays on screen
            self.stream.flush()
            self.shown = 0


def _columns(stream: TextIO) -> int:
    """The terminal's width (read at every draw: the window may change), 80 when unknown."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):  # no file descriptor, or not a terminal
        return 80


def _duration(seconds: float) -> str:
    """``0.6s``, ``42s``, ``2m05s``, ``1h02m``: short enough for one line."""
    if seconds < 9.95:
        return f"{seconds:.1f}s"  # the article's whole training takes about a second
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
