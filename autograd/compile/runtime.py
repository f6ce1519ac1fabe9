"""The last stage: `CompiledGraph`, which loads the generated code and runs it on your data.

Calls are checked here, once, before any generated code runs: the generated functions trust what
they are given.
"""

from __future__ import annotations

import linecache
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from itertools import count
from typing import Any, Union, overload

import numpy as np

from autograd.compile.batch import check_array_rules, write_batch
from autograd.compile.plan import Coefficients, make_plan, plan_text
from autograd.compile.source import write_source
from autograd.compile.trace import Trace
from autograd.engine import Value
from autograd.guards import GuardError
from autograd.numbers import as_float
from autograd.operations import OPERATIONS

# Union, not |: these aliases are evaluated at run time, and Python 3.10 is supported.
Outputs = tuple[Union[float, np.ndarray], ...]  # noqa: UP007
Grads = Union[tuple[float, ...], np.ndarray]  # noqa: UP007
REDUCTIONS = ("sum", "mean", "none")

_SOURCE_IDS = count(1)
# A batch with samples * operations below this many times the plan's steps runs sample by sample.
# Measured: the readable code takes about 0.1 us per operation and sample, a step of the batch
# code about 15 us whatever its size; the article's network crosses over near 50 samples, a
# 2-16-16-1 MLP near 2 (.venv/bin/python benchmarks/bench_compile.py --sections b).
_SAMPLE_BY_SAMPLE = 150
_PLAIN_SEQUENCES = (list, tuple)


def _load(
    source: str, function: str, namespace: dict[str, object], what: str
) -> Callable[..., Any]:
    """Compile generated source; register it with linecache so tracebacks show its lines."""
    filename = f"<compiled graph {next(_SOURCE_IDS)}: {what}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = dict(namespace)
    exec(compile(source, filename, "exec"), scope)
    loaded: Callable[..., Any] = scope[function]  # type: ignore[assignment]
    return loaded


class CompiledGraph:
    """A graph compiled by `compile_graph`: call it on one sample or on a batch.

    Attributes: `source` (the readable forward and backward code, run for one sample; it runs on
    its own with ``exec``), `plan` (how a batch runs: matrix products, reductions, grouped
    element-wise steps; ``print(compiled.plan_text)``), `batch_source` (that plan as numpy code),
    `inputs`, `parameters`, `outputs` (the Values of the trace, the loss first), `guards` (the
    comparisons every sample is checked against, `autograd.guards`; None when the graph was
    compiled without a log, and its branches are then unchecked).
    """

    def __init__(self, trace: Trace) -> None:
        self.inputs = trace.inputs
        self.parameters = trace.parameters
        self.outputs = trace.outputs
        self.guards = trace.guards
        self._trace = trace
        check_array_rules(trace.order)
        self.plan = make_plan(trace)
        self.batch_source, namespace = write_batch(self.plan)
        self._batch_forward_backward = _load(
            self.batch_source, "batch_forward_backward", namespace, "batch"
        )
        self._constants = np.array(self.plan.constants, dtype=float)
        self._input_count = len(self.inputs)
        # What the fast path compares the arguments' types with: exactly float, not a subclass
        # (numpy's float64 divides by zero into inf with a warning, where a float raises).
        self._all_floats = [float] * (len(self.inputs) + len(self.parameters))
        self._operations = sum(1 for node in trace.order if not node.is_leaf)
        self._kept = threading.local()
        # The readable code as a function, once `_forward_backward` has made it. A plain attribute
        # for the one-sample fast path: reading it costs half of reading a cached_property.
        self._generated: Callable[..., tuple[Outputs, Grads]] | None = None

    # The readable code is written, and compiled by Python, the first time it is needed: for a
    # large model that takes longer than everything else, and training on batches never needs it.
    @cached_property
    def source(self) -> str:
        """The readable forward and backward code for one sample; runs on its own with exec."""
        return write_source(self._trace)

    @property
    def _forward_backward(self) -> Callable[..., tuple[Outputs, Grads]]:
        if self._generated is None:
            self._generated = _load(self.source, "forward_backward", {}, "forward_backward")
        return self._generated

    @property
    def plan_text(self) -> str:
        """The batch plan, one line per step."""
        return plan_text(self.plan)

    def __repr__(self) -> str:
        return (
            f"CompiledGraph({len(self.inputs)} inputs, {len(self.parameters)} parameters, "
            f"{len(self.outputs)} outputs, {self._operations} operations)"
        )

    # One sample given as a list or tuple gives floats; an array may be a batch.
    @overload
    def __call__(
        self,
        data: Sequence[float],
        parameters: Sequence[float] | np.ndarray | None = None,
        *,
        reduction: str = "sum",
    ) -> tuple[tuple[float, ...], tuple[float, ...]]: ...
    @overload
    def __call__(
        self,
        data: np.ndarray,
        parameters: Sequence[float] | np.ndarray | None = None,
        *,
        reduction: str = "sum",
    ) -> tuple[Outputs, Grads]: ...
    def __call__(
        self,
        data: Sequence[float] | np.ndarray,
        parameters: Sequence[float] | np.ndarray | None = None,
        *,
        reduction: str = "sum",
    ) -> tuple[Outputs, Grads]:
        """Run forward and backward: ``(outputs, gradients)``, the loss first among the outputs.

        `data` is one sample (a list, tuple or 1-D array with one number per input), giving float
        outputs and a tuple of float gradients; or a batch (a 2-D numpy array, one row per sample),
        giving one array per output (an entry per sample) and a numpy array of gradients, one per
        parameter, summed over the batch (``reduction="mean"``: averaged; ``"none"``: an array of
        shape (samples, parameters), computed sample by sample). `parameters` are the values to
        use, in order; by default each parameter Value's current `data`. The parameter Values are
        not modified. (How exact the numbers are: see `autograd.compile`.)
        """
        if parameters is None:  # the parameter Values' own numbers, as a list takes the fast path
            parameters = [parameter.data for parameter in self.parameters]
        # The fast path's class tests narrow nothing for pyright (isinstance would, but costs
        # more on the article's per-sample path): hence its ignores below.
        if (
            data.__class__ in _PLAIN_SEQUENCES
            and parameters.__class__ in _PLAIN_SEQUENCES
            and len(data) == self._input_count
            and reduction in REDUCTIONS
        ):
            # One sample of floats with parameters of floats, the article's training: these are
            # all the checks it needs, made in as few steps as possible, on the very tuple of
            # arguments the generated function is then called with (comparing their types with
            # the list of floats also checks the number of parameters).
            arguments = (*data, *parameters)  # pyright: ignore[reportOptionalIterable]
            if [*map(type, arguments)] == self._all_floats:
                try:
                    return (self._generated or self._forward_backward)(*arguments)
                except GuardError as error:
                    raise self._for_sample(error, arguments[: self._input_count]) from None
                except (ArithmeticError, ValueError) as error:
                    raise _at_generated_line(error, self._engine_error(arguments)) from error
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
        if isinstance(data, np.ndarray) and data.ndim == 2:
            batch = self._checked_batch(data)
            values = self._parameter_values(parameters)
            if reduction == "none":
                return self._run_samples(batch, values.tolist())
            if len(batch) * self._operations < _SAMPLE_BY_SAMPLE * len(self.plan.steps):
                # A few samples of a small graph: the readable code, sample by sample, costs less
                # than numpy's overhead per step of the batch code (and gives exact numbers).
                return self._sample_by_sample(batch, values, reduction)
            return self._run_batch(batch, values, reduction)
        sample = self._checked_sample(data)
        return self._run_sample(sample, self._parameter_values(parameters).tolist())

    def backward(self, data: Sequence[float] | np.ndarray, *, reduction: str = "sum") -> Outputs:
        """Run on `data` with the parameters' current values, add the gradients into their `.grad`.

        Parameters accumulate, as leaves do with `Value.backward`: zero them between steps (an
        optimiser's ``zero_grad``). Returns the outputs, as calling the compiled graph does.
        """
        outputs, grads = self(data, reduction=reduction)
        if reduction == "none" and isinstance(grads, np.ndarray) and grads.ndim == 2:
            grads = grads.sum(axis=0)
        for parameter, gradient in zip(self.parameters, grads):
            parameter.grad = parameter.grad + float(gradient)
        return outputs

    # -------------------------------------------------------------- checks
    def _parameter_values(self, parameters: Sequence[float] | np.ndarray) -> np.ndarray:
        """The parameter values as a float vector: checked as a whole, not number by number."""
        if isinstance(parameters, (str, Value)) or not isinstance(
            parameters, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"parameters must be a list, tuple or 1-D array, not {type(parameters).__name__}"
            )
        array = parameters if isinstance(parameters, np.ndarray) else _as_array(parameters)
        if array.ndim != 1 or array.dtype.kind not in "fiu":
            raise ValueError(
                "parameters must be a 1-D array of real numbers, not an array of shape "
                f"{array.shape} and dtype {array.dtype}"
            )
        if len(array) != len(self.parameters):
            raise ValueError(f"expected {len(self.parameters)} parameter values, got {len(array)}")
        return array.astype(float, copy=False)

    def _checked_sample(self, data: object) -> Sequence[float]:
        sample: Sequence[object]
        if isinstance(data, np.ndarray):
            if data.ndim != 1:
                raise ValueError(
                    "data must be one sample (1-D) or a batch (2-D, one row per sample), "
                    f"not an array of shape {data.shape}"
                )
            sample = data.tolist()
        elif isinstance(data, (Value, str)) or not isinstance(data, Sequence):
            raise TypeError(
                "data must be one sample (a list, tuple or 1-D array of numbers) or a batch "
                f"(a 2-D numpy array), not {type(data).__name__}"
            )
        elif data and isinstance(data[0], (Sequence, np.ndarray)) and not isinstance(data[0], str):
            raise TypeError("a batch must be a 2-D numpy array: pass np.array(rows)")
        else:
            sample = data
        if len(sample) != len(self.inputs):
            raise ValueError(self._shape_message(f"one sample of {len(sample)} numbers"))
        return [x if type(x) is float else as_float(x, "an input") for x in sample]

    def _checked_batch(self, data: np.ndarray) -> np.ndarray:
        if data.dtype.kind not in "fiu":
            raise TypeError(f"a batch must hold real numbers, not dtype {data.dtype}")
        if data.shape[1] != len(self.inputs) or data.shape[0] == 0:
            raise ValueError(self._shape_message(f"a batch of shape {data.shape}"))
        return data

    def _shape_message(self, received: str) -> str:
        columns = ", ".join(self._trace.names[value] for value in self.inputs)
        return (
            f"expected {len(self.inputs)} inputs per sample ({columns}): one sample as a list, or "
            f"a batch of shape (samples >= 1, {len(self.inputs)}); got {received}"
        )

    # -------------------------------------------------------------- running
    def _for_sample(
        self,
        error: GuardError,
        sample: Sequence[float],
        index: int | None = None,
        broken: tuple[int, ...] = (),
    ) -> GuardError:
        """The generated code's GuardError, with the sample's inputs (and place in its batch)."""
        row = {self._trace.names[value]: x for value, x in zip(self.inputs, sample)}
        return GuardError(
            error.comparison, error.traced, error.written_at, row=row, sample=index, samples=broken
        )

    def _run_sample(
        self, sample: Sequence[float], parameters: Sequence[float]
    ) -> tuple[Outputs, Grads]:
        try:
            return self._forward_backward(*sample, *parameters)
        except GuardError as error:
            raise self._for_sample(error, sample) from None
        except (ArithmeticError, ValueError) as error:
            raise _at_generated_line(error, self._engine_error([*sample, *parameters])) from error

    def _engine_error(self, arguments: Sequence[float]) -> Exception | None:
        """The engine's error for one sample the readable code failed on, if its forward raises.

        The readable code writes a power to an integral constant as Python's ``t ** 2.0``, whose
        overflow says only "(34, 'Numerical result out of range')". The engine's forward rules,
        run on the same numbers in the trace's order, raise the engine's error, which names them
        ("power: 1e+200 ** 2.0 is too large for a float").
        """
        trace = self._trace
        values: dict[Value, float] = dict(zip((*trace.inputs, *trace.parameters), arguments))
        try:
            for node in trace.order:
                if node not in values:
                    operands = [values[p] if isinstance(p, Value) else p for p in node.parents]
                    values[node] = OPERATIONS[node.op].forward(*operands)
        except (ArithmeticError, ValueError) as error:
            return error
        return None

    def _run_samples(
        self, data: np.ndarray, parameters: Sequence[float]
    ) -> tuple[Outputs, np.ndarray]:
        """reduction="none": the readable code sample by sample, the engine's floats. Samples
        that break a guard are all found, then named in one GuardError."""
        outputs, grads = [], []
        broken: list[tuple[int, GuardError]] = []
        samples = data.tolist()
        for index, sample in enumerate(samples):
            try:
                sample_outputs, sample_grads = self._run_sample(sample, parameters)
            except GuardError as error:
                broken.append((index, error))
                continue
            except (ArithmeticError, ValueError) as error:
                raise type(error)(f"sample {index} of the batch: {error}") from error
            outputs.append(sample_outputs)
            grads.append(sample_grads)
        if broken:
            first, first_error = broken[0]
            indices = tuple(index for index, _ in broken)
            raise self._for_sample(first_error, samples[first], first, indices) from None
        columns = np.array(outputs, dtype=float).reshape(len(outputs), len(self.outputs)).T
        per_sample = np.array(grads, dtype=float).reshape(len(grads), len(self.parameters))
        return tuple(column.copy() for column in columns), per_sample

    def _buffers(self, samples: int) -> tuple[np.ndarray, np.ndarray]:
        """The work arrays for a batch size, kept between calls (per thread): fresh large arrays
        would cost more in page faults than a small network's whole step."""
        kept = self._kept
        if getattr(kept, "samples", None) != samples:
            kept.values = np.empty((self.plan.value_rows, samples))
            kept.grads = np.empty((self.plan.value_rows, samples))
            kept.samples = samples
        return kept.values, kept.grads

    def _run_batch(
        self, data: np.ndarray, parameters: np.ndarray, reduction: str
    ) -> tuple[Outputs, Grads]:
        kept, outputs, gradients = self.batch_numbers(data, parameters)
        if kept is not None and not kept.all():
            # A sample broke a guard, judged on the batch's floats. The readable code judges on
            # the engine's: it names every sample that breaks one, or (a sample within rounding
            # of a boundary) gives the engine's numbers.
            return self._sample_by_sample(data, parameters, reduction)
        return outputs, gradients / len(data) if reduction == "mean" else gradients

    def batch_numbers(
        self, data: np.ndarray, parameters: np.ndarray
    ) -> tuple[np.ndarray | None, tuple[np.ndarray, ...], np.ndarray]:
        """The batch code on `data`: which samples kept every guard (None: the graph has none),
        the outputs, and the parameters' gradients summed over the samples that kept them.
        Internal: `compile_function` splits batches by branch with it."""
        samples = data.shape[0]
        values, grads = self._buffers(samples)
        values[: len(self.inputs)] = data.T
        coefficients = np.concatenate([parameters, self._constants])
        coefficient_grads = np.zeros(len(coefficients))
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                kept = self._batch_forward_backward(values, grads, coefficients, coefficient_grads)
        except (ArithmeticError, ValueError):
            # An engine function raised, or numpy flagged an inf or nan, which the engine does only
            # for its domain errors. Run the samples one by one to raise the engine's error (or a
            # GuardError), naming the sample; if none raises, the infinities are the engine's too
            # (1e200 * 1e200 is inf for floats as well).
            self._run_samples(data, parameters.tolist())
            coefficient_grads[:] = 0.0
            with np.errstate(all="ignore"):
                kept = self._batch_forward_backward(values, grads, coefficients, coefficient_grads)
        outputs = tuple(
            np.full(samples, coefficients[ref.indices[0]])
            if isinstance(ref, Coefficients)
            else values[ref.rows[0]].copy()  # the buffers are reused by the next call
            for ref in self.plan.outputs
        )
        return kept, outputs, coefficient_grads[: len(self.parameters)]

    def _sample_by_sample(
        self, data: np.ndarray, parameters: np.ndarray, reduction: str
    ) -> tuple[Outputs, Grads]:
        outputs, per_sample = self._run_samples(data, parameters.tolist())
        gradients = per_sample.sum(axis=0)
        return outputs, gradients / len(data) if reduction == "mean" else gradients


def _as_array(numbers: Sequence[object]) -> np.ndarray:
    """A list of parameter values as an array; a value that is no real number is named."""
    for position, value in enumerate(numbers):
        if type(value) is not float:
            as_float(value, f"parameter value {position}")
    return np.array(numbers, dtype=float)


def _at_generated_line(error: Exception, engine_error: Exception | None = None) -> Exception:
    """The same kind of error (the engine's own, when given), its message followed by the
    deepest generated line that raised `error`."""
    where = "the compiled code"
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.startswith("<compiled graph"):
            text = linecache.getline(filename, traceback.tb_lineno).strip()
            where = f"line {traceback.tb_lineno} of the compiled code: {text}"
        traceback = traceback.tb_next
    shown = error if engine_error is None else engine_error
    return type(shown)(f"{shown} (at {where})")
