"""Training with a compiled loss: what ``fit(..., compile=True)`` uses.

`CompiledLoss` records a model's loss on one sample once, with `autograd.compile_graph`, and from
then on computes losses and gradients by running the generated code, instead of building a graph of
Values for every sample of every step. The gradients land in each parameter's `.grad`, so the usual
optimisers update the parameters in place, as after ``loss.backward()``.

Two things follow from recording one sample's loss:

* The losses of `nn.losses` read targets as plain numbers (and may branch on them), so the target is
  baked into the recording: there is one compiled graph per distinct target (two for 0/1 labels).
  A data set with more than `MAX_TARGETS` distinct targets (a regression) is refused.
* A batch's loss must be the mean of its samples' losses, as it is for every loss in `nn.losses`;
  `CompiledLoss` checks this on a few samples before training and refuses a loss for which it fails.

Python code in the model or the loss that branches on a Value's data is baked into the recording
too (see `autograd.compile`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autograd import CompiledGraph, Value, compile_graph, no_grad
from nn.losses import Loss
from nn.module import Module, Row
from nn.optim import Optimizer

MAX_TARGETS = 32
# Below this many samples, running the straight-line code once per sample beats numpy's per-call
# overhead on a batch.
SMALL_BATCH = 8


class CompiledLoss:
    """`loss` of `model` on one sample, compiled once per distinct target; trains and evaluates.

    >>> from nn import MLP, SGD, mse_loss, people
    >>> X, y = people()
    >>> model = MLP(2, [2, 1], seed=0)
    >>> compiled = CompiledLoss(model, mse_loss, X.tolist(), y.tolist())
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> before = compiled.loss(X.tolist(), y.tolist())
    >>> _ = compiled.train_step(opt, X.tolist(), y.tolist())
    >>> compiled.loss(X.tolist(), y.tolist()) < before
    True
    """

    def __init__(self, model: Module, loss: Loss, xs: Sequence[Row], ts: Sequence[Row]) -> None:
        self.model = model
        self.loss_function = loss
        self.parameters = model.parameters()
        self._graphs: dict[tuple[float, ...], CompiledGraph] = {}
        targets = {_key(t) for t in ts}
        if len(targets) > MAX_TARGETS:
            raise ValueError(
                f"compile=True records the loss once per distinct target, and these data have "
                f"{len(targets)} (more than {MAX_TARGETS}: a regression?); train without compile"
            )
        self._check_mean(xs, ts)

    # ------------------------------------------------------------------ training
    def train_step(self, optimizer: Optimizer, xs: Sequence[Row], ts: Sequence[Row]) -> float:
        """Zero the gradients, compute the batch's mean loss and its gradients, step; return the
        loss before the step (as `nn.training.train_step` does)."""
        optimizer.zero_grad()
        total, grads = self._sum(xs, ts)
        n = len(xs)
        for parameter, g in zip(self.parameters, grads, strict=True):
            parameter.grad = parameter.grad + g / n
        optimizer.step()
        return total / n

    def loss(self, xs: Sequence[Row], ts: Sequence[Row]) -> float:
        """The mean loss over the samples, with the parameters' current values."""
        return self._sum(xs, ts)[0] / len(xs)

    # ------------------------------------------------------------------ inside
    def _sum(self, xs: Sequence[Row], ts: Sequence[Row]) -> tuple[float, Sequence[float]]:
        """Sum of the samples' losses and of their gradients, one graph per target group."""
        if len(xs) == 1:  # per-sample training, the article's: nothing to group
            key = _key(ts[0])
            (value, *_), grads = self._graph(key, xs[0])(_row(xs[0]))
            return value, grads
        groups: dict[tuple[float, ...], list[int]] = {}
        for i, t in enumerate(ts):
            groups.setdefault(_key(t), []).append(i)
        total = 0.0
        grads = [0.0] * len(self.parameters)
        for key, rows in groups.items():
            graph = self._graph(key, xs[rows[0]])
            if len(rows) < SMALL_BATCH:
                for i in rows:
                    (value, *_), sample_grads = graph(_row(xs[i]))
                    total += value
                    grads = [g + h for g, h in zip(grads, sample_grads)]
            else:
                batch = np.array([_row(xs[i]) for i in rows], dtype=float)
                (values, *_), summed = graph(batch, reduction="sum")
                total += float(values.sum())
                grads = [g + h for g, h in zip(grads, summed.tolist())]
        return total, grads

    def _graph(self, key: tuple[float, ...], example: Row) -> CompiledGraph:
        graph = self._graphs.get(key)
        if graph is None:
            inputs = [Value(x, label=f"x{i}") for i, x in enumerate(_row(example))]
            output = self.model(inputs)
            predictions = [output] if isinstance(output, Value) else list(output)
            value = self.loss_function(list(key), predictions)
            if not isinstance(value, Value):
                raise TypeError(f"the loss must return a Value, not {type(value).__name__}")
            graph = compile_graph(value, inputs, self.parameters)
            self._graphs[key] = graph
        return graph

    def _check_mean(self, xs: Sequence[Row], ts: Sequence[Row], samples: int = 4) -> None:
        """Refuse a loss whose batch value is not the mean of the per-sample values."""
        xs, ts = xs[:samples], ts[:samples]
        with no_grad():
            outputs = [self.model(_row(x)) for x in xs]
        predictions = [p for out in outputs for p in ([out] if isinstance(out, Value) else out)]
        targets = [v for t in ts for v in _key(t)]
        with no_grad():
            batch = self.loss_function(targets, predictions).data
        mean = self.loss(xs, ts)
        if not math.isclose(batch, mean, rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(
                "compile=True needs a loss that is the mean of per-sample losses (as every loss "
                f"in nn.losses is); on the first {len(xs)} samples this loss gives {batch!r}, "
                f"but the mean of its per-sample values is {mean!r}"
            )


def _key(target: Row) -> tuple[float, ...]:
    return (target,) if isinstance(target, float) else tuple(target)


def _row(x: Row) -> list[float]:
    return [x] if isinstance(x, float) else x
