"""The progress display of `fit`: one line on stderr, rewritten in place while training runs."""

from __future__ import annotations

import sys
import time


class Progress:
    """``epoch 120/1000  loss 0.0123  val 0.0150 (97%)  3s, about 22s left``, in place on stderr."""

    DELAY = 1.0  # seconds before an automatic display appears: short runs stay quiet
    INTERVAL = 0.25  # seconds between redraws

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total = total
        self.enabled = enabled
        self.start = time.monotonic()
        self.last_draw = -1.0
        self.shown = False

    def update(
        self, done: int, loss: float, val_loss: float | None, val_accuracy: float | None
    ) -> None:
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
        validation = ""
        if val_loss is not None:
            validation = f"val {val_loss:.4g}  "
            if val_accuracy is not None:
                validation = f"val {val_loss:.4g} ({val_accuracy:.0%})  "
        sys.stderr.write(
            f"\repoch {done}/{self.total}  loss {loss:.4g}  {validation}"
            f"{elapsed:.0f}s, about {remaining:.0f}s left "
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        """Blank the line so that a printed report does not land after it."""
        if self.shown:
            sys.stderr.write("\r" + " " * 90 + "\r")
            sys.stderr.flush()
            self.last_draw = -1.0

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
