"""The progress display of `fit`: one line on stderr, rewritten in place while training runs."""

from __future__ import annotations

import sys
import time


class Progress:
    """``epoch 120/1000  loss 0.0123  3s, about 22s left`` rewritten in place on stderr."""

    DELAY = 1.0  # seconds before an automatic display appears: short runs stay quiet
    INTERVAL = 0.25  # seconds between redraws

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total = total
        self.enabled = enabled
        self.start = time.monotonic()
        self.last_draw = -1.0
        self.shown = False

    def update(self, done: int, loss: float) -> None:
        if self.enabled is False:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if self.enabled is None and (elapsed < self.DELAY or not sys.stderr.isatty()):
            return
        if now - self.last_draw < self.INTERVAL and done < self.total:
            return
        self.last_draw = now
        remaining = elapsed / done * (self.total - done)
        sys.stderr.write(
            f"\repoch {done}/{self.total}  loss {loss:.4g}  "
            f"{elapsed:.0f}s, about {remaining:.0f}s left "
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        """Blank the line so that a printed report does not land after it."""
        if self.shown:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()
            self.last_draw = -1.0

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
