"""Training with a compiled loss: what ``fit(..., compile=True)`` uses.

`CompiledLoss` records a model's loss on one sample once, with the sample's features and its
targets as the inputs of the graph (a class id becomes a one-hot row of inputs, which
`cross_entropy` reads as class probabilities), compiles it with `autograd.compile_graph`, and from
then on runs every batch through the compiled batch code: a 2-D array, one row per sample, the
features and the targets side by side. The gradients land in each parameter's `.grad`, so the
usual optimisers update the parameters in place, as after ``loss.backward()``.

One recording serves every target because nn's losses never branch on a target's value; Python
code in the model or the loss that branches on a Value's data is baked into the recording (see
`autograd.compile`). Before compiling, `_check_loss` runs the loss's checks of every target once
and makes sure that the loss of a batch is the mean of its samples' losses, as the batch code
assumes.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import cast

import numpy as np

from autograd import CompiledGraph, Value, compile_graph, record_guards
from nn.checks import Row
from nn.losses import Loss, loss_on_stand_ins, takes_rows
from nn.module import Module
from nn.optim import Optimizer


class CompiledLoss:
    """`loss` of `model` on one sample, compiled once with the targets as inputs.

    >>> from nn import MLP, SGD, mse_loss, people
    >>> X, y = people()
    >>> model = MLP(2, [2, 1], seed=0)
    >>> compiled = CompiledLoss(model, mse_loss, X.tolist(), y.tolist())
    >>> before = compiled.train_step(SGD(model.parameters(), lr=0.1), X.tolist(), y.tolist())
    >>> compiled.run(compiled.rows(X.tolist(), y.tolist()))[0] < before
    True
    """

    def __init__(self, model: Module, loss: Loss, xs: Sequence[Row], ts: Sequence[Row]) -> None:
        self.model = model
        self.parameters = model.parameters()
        features = [Value(x, label=f"x{i}") for i, x in enumerate(_row(xs[0]))]
        # A model of yours may branch on a comparison (a hand-written relu): each is kept as a
        # guard, and a sample on another branch raises GuardError instead of getting these numbers.
        with record_guards() as guards:
            output = model(features)
            self.outputs = [output] if isinstance(output, Value) else list(output)
            # One target number beside several outputs is a class id: a one-hot row of inputs.
            self.classes = (
                len(self.outputs) if _is_number(ts[0]) and len(self.outputs) > 1 else None
            )
            _check_loss(loss, len(self.outputs), ts)
            if self.classes is not None:
                names = [f"y_true{j}" for j in range(self.classes)]
            elif _is_number(ts[0]):
                names = ["y_true"]
            else:
                names = [f"y_true{j}" for j in range(len(_row(ts[0])))]
            targets = [Value(0.0, label=name) for name in names]
            if self.classes is None and not takes_rows(loss):
                value = loss(targets, self.outputs)
            else:  # the sample's row of class probabilities beside its row of logits
                value = loss([targets], [self.outputs])
        if not isinstance(value, Value):
            raise TypeError(f"the loss must return a Value, not {type(value).__name__}")
        self.graph = compile_graph(
            value, [*features, *targets], self.parameters, outputs=self.outputs, guards=guards
        )

    def rows(self, xs: Sequence[Row], ts: Sequence[Row]) -> np.ndarray:
        """The samples as the compiled graph takes them: features, then targets, per row."""
        features = np.array([_row(x) for x in xs], dtype=float)
        if self.classes is None:
            targets = np.array([_row(t) for t in ts], dtype=float)
        else:
            targets = np.eye(self.classes)[_class_ids(ts, self.classes)]
        return np.hstack([features, targets])

    # ------------------------------------------------------------------ training
    def train_step(self, optimizer: Optimizer, xs: Sequence[Row], ts: Sequence[Row]) -> float:
        """Zero the gradients, compute the batch's mean loss and its gradients, step; return the
        loss before the step (as `nn.training.train_step` does)."""
        return self.step(optimizer, self.rows(xs, ts))

    def step(self, optimizer: Optimizer, rows: np.ndarray) -> float:
        """`train_step` on samples already laid out by `rows`."""
        optimizer.zero_grad()
        if len(rows) == 1:  # one sample: its loss and gradients, no array of outputs to build
            (loss, *_), grads = self.graph(rows[0].tolist())
            value = cast(float, loss)
        else:
            value, _, grads = self.run(rows)
        for parameter, g in zip(self.parameters, grads, strict=True):
            parameter.grad = parameter.grad + g
        optimizer.step()
        return value

    def run(self, rows: np.ndarray) -> tuple[float, np.ndarray, list[float]]:
        """Mean loss, the model's outputs (samples x outputs) and the mean gradients."""
        if len(rows) == 1:  # one sample, the article's training: the engine's floats exactly
            (value, *outputs), grads = self.graph(rows[0].tolist())
            return cast(float, value), np.array([outputs]), list(grads)
        # A batch (a 2-D array) gives an array per output and an array of gradients.
        (values, *outputs), grads = self.graph(rows, reduction="mean")
        mean_grads: list[float] = cast(np.ndarray, grads).tolist()
        return float(cast(np.ndarray, values).mean()), np.column_stack(outputs), mean_grads


# One compiled forward pass per model, kept while the model lives: a model's structure never
# changes, and the graph reads the parameters' current values on every call.
_OUTPUT_GRAPHS: weakref.WeakKeyDictionary[Module, CompiledGraph] = weakref.WeakKeyDictionary()


def compiled_outputs(model: Module, rows: np.ndarray) -> np.ndarray:
    """The model's outputs (samples x outputs) for a batch of feature rows, by compiled code."""
    graph = _OUTPUT_GRAPHS.get(model)
    if graph is None:
        features = [Value(0.0, label=f"x{i}") for i in range(rows.shape[1])]
        with record_guards() as guards:  # as in CompiledLoss
            output = model(features)
        outputs = [output] if isinstance(output, Value) else list(output)
        total = outputs[0]
        for value in outputs[1:]:  # a root to compile from; its gradients are not used
            total = total + value
        graph = compile_graph(total, features, model.parameters(), outputs=outputs, guards=guards)
        _OUTPUT_GRAPHS[model] = graph
    if len(rows) == 1:
        (_, *values), _ = graph(rows[0].tolist())
        return np.array([values])
    (_, *values), _ = graph(rows)
    return np.column_stack(values)


def _check_loss(loss: Loss, output_count: int, ts: Sequence[Row]) -> None:
    """Run the loss's own checks of its targets over all of `ts`, and make sure that the loss of
    a batch is the mean of its samples' losses; on plain numbers, without recording."""

    def on(targets: Sequence[Row]) -> float:
        return loss_on_stand_ins(loss, output_count, targets)

    on(ts)
    first, second = ts[0], ts[min(1, len(ts) - 1)]
    together, alone = on([first, second]), (on([first]) + on([second])) / 2
    if not math.isclose(together, alone, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(
            "compile=True needs a loss that is the mean of per-sample losses (as every loss "
            f"in nn.losses is); on two samples this loss gives {together!r}, but the mean of "
            f"its per-sample values is {alone!r}"
        )


def _class_ids(ts: Sequence[Row], classes: int) -> np.ndarray:
    ids = np.array(ts, dtype=float)
    bad = (ids != np.round(ids)) | (ids < 0) | (ids >= classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"target {i} is {ts[i]!r}: with {classes} outputs and one target per sample, a "
            f"target is a class id, an integer from 0 to {classes - 1}"
        )
    return ids.astype(int)


def _is_number(target: Row) -> bool:
    return not isinstance(target, (list, tuple, np.ndarray))


def _row(x: Row) -> list[float]:
    return x if isinstance(x, list) else [x]
