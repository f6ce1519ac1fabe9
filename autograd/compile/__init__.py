"""Compile a recorded graph once into straight-line code: readable backprop, replayed with numpy.

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
    >>> print(compiled.source.splitlines()[0])  # print(compiled.source) shows it all
    def forward_backward(x, y, w, b):
    >>> (loss_value, prediction), (d_w, d_b) = compiled([2.0, 1.0])  # one sample, plain floats

The same compiled graph runs on a batch, a 2-D numpy array with one row per sample and one column
per input; the parameters are shared, each output comes back as an array with one entry per sample,
and each parameter's gradient is summed over the samples (``reduction="mean"`` averages it,
``reduction="none"`` keeps one row per sample). For batches the graph is regrouped: operations of
the same kind that do not depend on each other become one numpy call (`CompiledGraph.batch_source`
shows that code), so a layer of 256 multiplications is one call, not 256.

Every derivative comes from the engine's own table, `autograd.DERIVATIVES`: each rule is run once on
stand-ins that record its arithmetic as source text instead of computing it, so each rule is still
written in one place only. Contributions to a Value used several times are added in the order the
engine adds them, so one sample gives exactly the engine's floats.

Limits:

* The trace is of one run. A Python ``if`` (or ``max``, a loop bound...) that looked at a Value's
  data while the graph was recorded is baked in: the compiled code takes the same branch for every
  sample. Use the engine's operations (``relu``, ``abs``) for data-dependent choices; they are
  compiled with their derivatives.
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

from autograd.compile.runtime import REDUCTIONS, CompiledGraph
from autograd.compile.trace import Trace
from autograd.engine import Value

__all__ = ["REDUCTIONS", "CompiledGraph", "compile_graph"]


def compile_graph(
    loss: Value,
    inputs: Sequence[Value],
    parameters: Sequence[Value],
    *,
    outputs: Sequence[Value] = (),
) -> CompiledGraph:
    """Compile the graph recorded behind `loss` into straight-line forward and backward code.

    `inputs` are the leaves that hold per-sample data (their values in the trace are examples),
    `parameters` the leaves shared by all samples; the gradients are those of `loss` with respect
    to each parameter. `outputs` are further Values to compute along (predictions, say); they are
    returned after the loss and are not differentiated. See the module docstring for the limits.
    """
    return CompiledGraph(Trace(loss, inputs, parameters, outputs))
