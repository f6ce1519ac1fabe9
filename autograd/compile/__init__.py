"""Compile a recorded graph once into straight-line code: readable backprop, and batches as numpy.

A scalar engine builds the same graph again for every sample and every step. `compile_graph` takes a
graph that was recorded once, with example Values, and writes it out as Python source: one line per
operation for the forward pass, then one line per derivative for the backward pass, named after the
Values' labels, in the style of a hand-derived backprop (``d_L_d_w1 = ...``):

    >>> from autograd import Value, compile_graph
    >>> x, y = Value(2.0, label="x"), Value(1.0, label="y")
    >>> w, b = Value(0.5, label="w"), Value(0.0, label="b")
    >>> y_pred = (w * x + b).sigmoid()
    >>> y_pred.label = "y_pred"
    >>> loss = (y - y_pred) ** 2
    >>> compiled = compile_graph(loss, inputs=[x, y], parameters=[w, b], outputs=[y_pred])
    >>> print(compiled.source.splitlines()[2])  # print(compiled.source) shows it all
    def forward_backward(x, y, w, b):
    >>> (loss_value, prediction), (d_w, d_b) = compiled([2.0, 1.0])  # one sample, plain floats

The same compiled graph runs on a batch, a 2-D numpy array with one row per sample and one column
per input; the parameters are shared, each output comes back as an array with one entry per sample,
and each parameter's gradient is summed over the samples (``reduction="mean"`` averages it,
``reduction="none"`` keeps one row per sample). For batches the graph is planned anew
(`CompiledGraph.plan`): sums of products that read the same operands (a dense layer) become one
matrix product, sums of plain terms one reduction, and the other operations of one kind that do
not depend on each other one numpy call.

A function of Values that branches (``h if h > 0 else 0.01 * h``) compiles with `compile_function`,
which keeps one graph per set of branches and splits a batch between them (module `function`).

The stages, each a module of this package: `trace` (check, order and name the recorded graph),
`expr` (stand-ins that write the engine's derivative rules as source), `source` (the readable
per-sample code), `plan` (the batch plan, a value), `batch` (the plan written as numpy code) and
`runtime` (`CompiledGraph`, which checks calls and runs the code).

Every derivative is the engine's own rule, written out by `expr`: an operation defined with
`define_op` compiles too.

Numbers: one sample gives exactly the engine's floats (contributions to a Value used several times
are added in the engine's order). A batch adds up in another order (matrix products), so each of
its output and gradient vectors is within a relative 1e-12 (normwise) of the engine run sample by
sample; ``reduction="none"`` runs the readable code sample by sample and is exact.

Limits:

* The trace is of one run. A Python ``if`` (or ``max``, a loop bound...) that looked at a Value's
  data while the graph was recorded chose which operations it holds. Record the graph inside
  ``with record_guards() as guards:`` and pass ``guards=guards``: every comparison on a Value is
  then checked for every sample, and a sample that would take another branch raises `GuardError`
  (for a batch, naming every such row; nothing is returned). A batch judges on its own floats,
  which are within 1e-12 of the engine's: a sample that close to a boundary may be judged on the
  other side (``reduction="none"`` judges on the engine's). Without a log nothing is known of the
  branches and nothing is checked (`CompiledGraph.guards` is None); only comparisons are guarded,
  not what else reads ``.data``. `compile_function` traces a function once per branch it takes.
  The engine's operations (``relu``, ``abs``) need no guard.
* Every leaf of the graph must be declared as an input (per-sample data) or a parameter (shared);
  plain numbers in the expressions are constants. Each input must reach an output and each parameter
  must be in the graph; anything else raises `ValueError` when compiling, as does a batch of the
  wrong shape when calling.
* Domain errors are the engine's: a log of a number <= 0, a sqrt of a negative, a division by
  zero, an overflowing exp raise the engine's error, naming the generated line and, in a batch,
  the sample.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.compile.function import CompiledFunction, compile_function
from autograd.compile.runtime import REDUCTIONS, CompiledGraph
from autograd.compile.trace import Trace
from autograd.engine import Value
from autograd.guards import GuardLog

__all__ = ["REDUCTIONS", "CompiledFunction", "CompiledGraph", "compile_function", "compile_graph"]


def compile_graph(
    loss: Value,
    inputs: Sequence[Value],
    parameters: Sequence[Value],
    *,
    outputs: Sequence[Value] = (),
    guards: GuardLog | None = None,
) -> CompiledGraph:
    """Compile the graph recorded behind `loss` into straight-line forward and backward code.

    `inputs` are the leaves that hold per-sample data (their values in the trace are examples),
    `parameters` the leaves shared by all samples; the gradients are those of `loss` with respect
    to each parameter. `outputs` are further Values to compute along (predictions, say); they are
    returned after the loss and are not differentiated. `guards` is the log of a `record_guards`
    block the graph was recorded in: every sample is checked to take the branches of the trace
    (`GuardError` if not). See the module docstring for the limits.
    """
    return CompiledGraph(Trace(loss, inputs, parameters, outputs, guards))
