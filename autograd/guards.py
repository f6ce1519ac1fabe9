"""Guards: the comparisons a graph's branches depended on, kept so that compiled code checks them.

A Python ``if`` on a Value (``x if x > 0 else 0.01 * x``, ``max(a, b)``) chooses which operations
are recorded; the graph itself keeps no trace of the choice. Inside ``with record_guards() as
guards:`` each comparison on a Value is kept as a `Guard`: the Values compared, the operator and
what it returned. `compile_graph(..., guards=guards)` then checks, for every sample, that each
comparison of its graph gives what it gave in the trace, and raises `GuardError` when it does not:
a sample on another branch never gets the trace's numbers.

Why a block, not always: a Guard keeps the Values it compared alive, and with them their graphs. A
training loop compares millions of times, so a log that is always on would keep every sample's
graph; a log that forgot old entries could not tell `compile_graph` which guards it lost. Outside
a block a comparison only reads the data (and costs nothing more); inside one, the log lives as
long as you keep it. `no_grad` records no guard, as it records no operation.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:  # the engine imports this module: Value is needed only for types here
    from autograd.engine import Value

    Compared = Union[Value, float]  # noqa: UP007


class Guard(NamedTuple):
    """One comparison made while guards were recorded: ``left symbol right`` gave `result`.

    A reflected comparison is kept as Python ran it: ``0 < x`` runs ``x > 0``. `filename` and
    `line` say where it was written (the line that made it, ``max(a, b)`` included).
    """

    left: Value
    symbol: str
    right: Compared
    result: bool
    filename: str
    line: int

    @property
    def values(self) -> tuple[Value, ...]:
        """The Values compared (one, or two)."""
        return (self.left,) if isinstance(self.right, (int, float)) else (self.left, self.right)

    @property
    def written_at(self) -> str:
        """Where the comparison was made, as written: "model.py, line 12: if h > 0:"."""
        place = f"{os.path.basename(self.filename)}, line {self.line}"
        code = linecache.getline(self.filename, self.line).strip()
        return f"{place}: {code}" if code else place


class GuardLog(list[Guard]):
    """The guards recorded in one `record_guards` block, in the order the comparisons ran."""


class _OpenLogs(threading.local):
    def __init__(self) -> None:
        self.logs: list[GuardLog] = []


_open_logs = _OpenLogs()
# How many blocks are open in all threads together: a comparison reads this plain global first,
# and looks at its thread's logs only when some thread records.
open_blocks = 0
_open_blocks_lock = threading.Lock()


@contextmanager
def record_guards() -> Iterator[GuardLog]:
    """Keep every comparison made on a Value in this block (this thread), for `compile_graph`.

    >>> from autograd import Value, compile_graph, record_guards
    >>> x = Value(2.0, label="x")
    >>> with record_guards() as guards:
    ...     y = x if x > 0 else 0.01 * x
    >>> compiled = compile_graph(y * y, inputs=[x], parameters=[], guards=guards)
    >>> compiled([-1.0])
    Traceback (most recent call last):
    ...
    autograd.guards.GuardError: this sample (x=-1.0) takes another branch than the trace: ...

    The log keeps the compared Values (and what they were computed from) alive as long as you keep
    it: open a block around the recording of the graph you will compile, not around a training
    loop. Blocks nest; a comparison goes into every open one.
    """
    global open_blocks
    log = GuardLog()
    _open_logs.logs.append(log)
    with _open_blocks_lock:
        open_blocks += 1
    try:
        yield log
    finally:
        _open_logs.logs.pop()  # this block's: blocks of one thread close innermost first
        with _open_blocks_lock:
            open_blocks -= 1


def keep(left: Value, symbol: str, right: Compared, result: bool) -> None:
    """Add a comparison to this thread's open logs, if any. Called by the engine's comparisons
    (only while some block is open); the frame two up is the line that compared."""
    logs = _open_logs.logs
    if not logs:
        return
    caller = sys._getframe(2)
    guard = Guard(left, symbol, right, result, caller.f_code.co_filename, caller.f_lineno)
    for log in logs:
        log.append(guard)


class GuardError(ValueError):
    """A sample takes another branch than the trace: a comparison gives another truth value.

    Nothing is returned for the call. `comparison` is the comparison as the generated code writes
    it, `traced` its truth value in the trace (the sample's is the other), `written_at` where it
    was made; for a call on a batch, `sample` is the index of the first row that breaks a guard,
    `row` its inputs and `samples` the indices of every such row, so you can handle them yourself.
    """

    def __init__(
        self,
        comparison: str,
        traced: bool,
        written_at: str = "",
        *,
        row: dict[str, float] | None = None,
        sample: int | None = None,
        samples: tuple[int, ...] = (),
    ) -> None:
        self.comparison = comparison
        self.traced = traced
        self.written_at = written_at
        self.row = row
        self.sample = sample
        self.samples = samples
        super().__init__(self._message())

    def _message(self) -> str:
        numbers = ""
        if self.row is not None:
            numbers = " (" + ", ".join(f"{name}={x!r}" for name, x in self.row.items()) + ")"
        who = "this sample" if self.sample is None else f"sample {self.sample} of the batch"
        where = f", written at {self.written_at}" if self.written_at else ""
        message = (
            f"{who}{numbers} takes another branch than the trace: {self.comparison} is "
            f"{not self.traced} for it, {self.traced} in the trace{where}"
        )
        if len(self.samples) > 1:
            shown = ", ".join(map(str, self.samples[:10]))
            more = ", ..." if len(self.samples) > 10 else ""
            message += f"; {len(self.samples)} samples of the batch do: [{shown}{more}]"
        if self.sample is not None:
            message += (
                ". Nothing is returned for the batch: run those rows apart, or compile the "
                "function with autograd.compile_function, which traces each branch"
            )
        return message
