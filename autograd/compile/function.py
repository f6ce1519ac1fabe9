"""`compile_function`: a Python function of Values, compiled once per branch it takes.

`compile_graph` compiles one recorded graph, which holds one branch of the program that recorded
it. `compile_function(fn, parameters)` records `fn` itself, inside `record_guards`, on the first
sample it is called with, and keeps that graph with its guards; a later sample that breaks one of
them (takes another branch) is traced again, and that graph is kept too, one per set of branches,
as torch.compile keeps one graph per set of guards. So `fn` may branch on its inputs and still
run compiled:

    >>> from autograd import Value, compile_function
    >>> w = Value(0.5, label="w")
    >>> def leaky(x):
    ...     h = w * x
    ...     return h if h > 0 else 0.01 * h
    >>> compiled = compile_function(leaky, parameters=[w])
    >>> compiled([2.0]), compiled([-2.0])  # ((outputs), (d/dw,)) per sample
    (((1.0,), (2.0,)), ((-0.01,), (-0.02,)))
    >>> len(compiled.branches)
    2

A batch is split by branch: each kept graph takes the rows whose guards it keeps, in one run of
its batch code; the rows no graph takes are traced (the first of them) and handed to the new
graph; the outputs come back in the rows' order and the gradient is summed over all rows.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Union

import numpy as np

from autograd.compile.runtime import REDUCTIONS, CompiledGraph
from autograd.compile.trace import Trace
from autograd.engine import Value
from autograd.graph import topological_order
from autograd.guards import GuardError, record_guards

# Union, not |: evaluated at run time, and Python 3.10 is supported.
Result = Union[Value, tuple[Value, ...]]  # noqa: UP007


class Branch:
    """One traced set of branches: its compiled graph, and which of the function's inputs and
    parameters the graph reads (a branch may leave some out)."""

    def __init__(self, graph: CompiledGraph, inputs: list[int], parameters: list[int]) -> None:
        self.graph = graph
        self.inputs = inputs
        self.parameters = parameters

    def __repr__(self) -> str:
        return f"Branch({self.graph!r})"


class CompiledFunction:
    """`fn` compiled per branch: call it on one sample or a batch, as a `CompiledGraph`.

    The parameters' values are their current `data`, read at each call. `branches` are the graphs
    traced so far, each with its guards (``branches[0].graph.source`` shows the first).
    """

    def __init__(self, fn: Callable[..., Result], parameters: Sequence[Value]) -> None:
        if not callable(fn):
            raise TypeError(f"compile_function takes a function, not {type(fn).__name__}")
        self.fn = fn
        self.parameters = tuple(parameters)
        self.branches: list[Branch] = []
        self.inputs: int | None = None  # numbers per sample, set by the first call

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", "function")
        return f"CompiledFunction({name}, {len(self.branches)} branches traced)"

    # -------------------------------------------------------------- tracing
    def _input_names(self, count: int) -> list[str]:
        """The function's own argument names, so that generated code and errors read like it."""
        try:
            names = [
                p.name
                for p in inspect.signature(self.fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):  # a builtin or a callable without a signature
            names = []
        return names[:count] if len(names) >= count else [f"x{i}" for i in range(count)]

    def _trace(self, sample: Sequence[float]) -> Branch:
        """Record `fn` on one sample, with its comparisons, and compile that graph."""
        inputs = [Value(x, label=name) for name, x in zip(self._input_names(len(sample)), sample)]
        with record_guards() as guards:
            result = self.fn(*inputs)
        loss, *outputs = result if isinstance(result, tuple) else (result,)
        if not isinstance(loss, Value):
            raise TypeError(
                "compile_function: fn must return a Value (the loss), or a tuple of Values "
                f"beginning with it; it returned {type(loss).__name__}"
            )
        # What this branch reads: the graph, and what its comparisons read.
        compared = [value for guard in guards for value in guard.values]
        reached = set(topological_order([loss, *outputs, *compared]))
        used_inputs = [i for i, value in enumerate(inputs) if value in reached]
        used_parameters = [i for i, value in enumerate(self.parameters) if value in reached]
        graph = CompiledGraph(
            Trace(
                loss,
                [inputs[i] for i in used_inputs],
                [self.parameters[i] for i in used_parameters],
                outputs,
                guards,
            )
        )
        if len(graph.guards or ()) != len(guards):
            raise ValueError(
                "compile_function: fn compared a Value that reads none of its inputs and is not "
                "among the parameters; declare it in parameters=, or compare its .data"
            )
        branch = Branch(graph, used_inputs, used_parameters)
        self.branches.append(branch)
        return branch

    # -------------------------------------------------------------- running
    def __call__(
        self, data: Sequence[float] | np.ndarray, *, reduction: str = "sum"
    ) -> tuple[tuple[float | np.ndarray, ...], tuple[float, ...] | np.ndarray]:
        """``(outputs, gradients)`` as `CompiledGraph` gives them, for one sample (a list, tuple
        or 1-D array) or a batch (2-D array): every row computed by the graph of its branches."""
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
        parameters = np.array([p.data for p in self.parameters], dtype=float)
        width = data.shape[-1] if isinstance(data, np.ndarray) else len(data)
        if self.inputs is None:
            self.inputs = width
        elif width != self.inputs:
            raise ValueError(
                f"{self!r} takes {self.inputs} inputs per sample, as on its first call; got {width}"
            )
        if isinstance(data, np.ndarray) and data.ndim == 2:
            if reduction == "none":
                rows = [self._one_sample(row, parameters) for row in data.tolist()]
                by_output = zip(*(outputs for outputs, _ in rows))
                per_sample = np.array([grads for _, grads in rows]).reshape(len(rows), -1)
                return tuple(np.array(column) for column in by_output), per_sample
            columns, gradients = self._batch(data.astype(float), parameters)
            return columns, gradients / len(data) if reduction == "mean" else gradients
        sample = data.tolist() if isinstance(data, np.ndarray) else list(data)
        outputs, grads = self._one_sample(sample, parameters)
        return outputs, tuple(grads.tolist())

    def _one_sample(
        self, sample: list[float], parameters: np.ndarray
    ) -> tuple[tuple[float, ...], np.ndarray]:
        """The first traced graph whose guards the sample keeps, else a new trace."""
        for branch in self.branches:
            try:
                return self._run_one(branch, sample, parameters)
            except GuardError:
                continue
        return self._run_one(self._trace(sample), sample, parameters)

    def _run_one(
        self, branch: Branch, sample: list[float], parameters: np.ndarray
    ) -> tuple[tuple[float, ...], np.ndarray]:
        outputs, grads = branch.graph(
            [sample[i] for i in branch.inputs], parameters[branch.parameters].tolist()
        )
        full = np.zeros(len(self.parameters))  # a parameter this branch does not read: 0
        full[branch.parameters] = grads
        return tuple(float(o) for o in outputs), full

    def _batch(
        self, data: np.ndarray, parameters: np.ndarray
    ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Each known graph takes the rows it keeps; a row none keeps is traced, and its graph
        takes it and every other row it keeps. Outputs in the rows' order, gradients summed."""
        results = _BatchResults(len(data), len(self.parameters))
        pending = np.arange(len(data))
        for branch in list(self.branches):
            if pending.size:
                pending = results.take(branch, data, pending, parameters)
        while pending.size:
            first, pending = pending[0], pending[1:]
            branch = self._trace(data[first].tolist())
            # The row it was traced on keeps its guards in the engine's floats: exactly.
            results.store(first, *self._run_one(branch, data[first].tolist(), parameters))
            if pending.size:
                pending = results.take(branch, data, pending, parameters)
        assert results.columns is not None  # a batch has one row at least
        return tuple(results.columns), results.gradients


class _BatchResults:
    """The outputs of a batch, filled in row by row as the branches take them."""

    def __init__(self, samples: int, parameters: int) -> None:
        self.samples = samples
        self.columns: list[np.ndarray] | None = None
        self.gradients = np.zeros(parameters)

    def store(self, row: int, outputs: tuple[float, ...], gradients: np.ndarray) -> None:
        self._columns(len(outputs))
        assert self.columns is not None
        for column, output in zip(self.columns, outputs):
            column[row] = output
        self.gradients += gradients

    def _columns(self, count: int) -> None:
        if self.columns is None:
            self.columns = [np.full(self.samples, np.nan) for _ in range(count)]

    def take(
        self, branch: Branch, data: np.ndarray, pending: np.ndarray, parameters: np.ndarray
    ) -> np.ndarray:
        """Run `branch` on the pending rows; store those that keep its guards, return the rest."""
        kept, outputs, gradients = _rows_kept(
            branch.graph, data[pending][:, branch.inputs], parameters[branch.parameters]
        )
        self._columns(len(outputs))
        assert self.columns is not None
        for column, output in zip(self.columns, outputs):
            column[pending[kept]] = output[kept]
        self.gradients[branch.parameters] += gradients
        left: np.ndarray = pending[~kept]
        return left


def _rows_kept(
    graph: CompiledGraph, rows: np.ndarray, parameters: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray]:
    """Which rows keep the graph's guards, the outputs (meaningful where kept), and the gradient
    summed over the kept rows."""
    try:
        kept, outputs, gradients = graph.batch_numbers(rows, parameters)
    except GuardError as error:
        # A row on another branch met a domain error first (a log of a negative number that its
        # own branch never takes); the readable code named every row off this graph's branches.
        # Run the others.
        kept = np.ones(len(rows), dtype=bool)
        kept[list(error.samples)] = False
        indices = np.flatnonzero(kept)
        inner_kept, inner_outputs, gradients = _rows_kept(graph, rows[indices], parameters)
        kept[indices] = inner_kept
        outputs = tuple(np.full(len(rows), np.nan) for _ in inner_outputs)
        for output, inner in zip(outputs, inner_outputs):
            output[indices] = inner
    if kept is None:  # a graph without guards keeps every row
        kept = np.ones(len(rows), dtype=bool)
    return kept, outputs, gradients


def compile_function(
    fn: Callable[..., Result], parameters: Sequence[Value] = ()
) -> CompiledFunction:
    """Compile `fn`, a function of one Value per input that returns the loss (or a tuple: the loss
    first, then further outputs), once per branch it takes; see the module docstring.

    `parameters` are the Values `fn` reads besides its arguments (a model's weights); gradients
    are with respect to them, in order. Calls read their current `data`.
    """
    return CompiledFunction(fn, parameters)
