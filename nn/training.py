"""`fit`: the article's training loop for any model, loss and optimiser.

The loop is built from two steps that can be swapped out independently:

* `batch_loss(model, loss, xs, ts)`: the forward pass of a batch, one Value;
* `train_step(model, loss, optimizer, xs, ts)`: zero the gradients, backward, step.

`fit` prepares the data once (floats, checked), then calls `train_step` per batch and records one
loss per epoch: by default the loss over the whole data set after the epoch, which is what the
article prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value, no_grad
from nn.checks import Row, Seed, as_count, as_generator, prepare_data
from nn.compiled import CompiledLoss
from nn.losses import Loss, batch_arguments, mse_loss
from nn.module import Module
from nn.optim import SGD, Optimizer
from nn.progress import Progress

ARTICLE_LEARNING_RATE = 0.1
ARTICLE_EPOCHS = 1000
EPOCH_LOSSES = ("dataset", "running")


def batch_loss(model: Module, loss: Loss, xs: Sequence[Row], ts: Sequence[Row]) -> Value:
    """The loss of a batch: every sample's outputs and targets laid end to end, then `loss`.

    Each target is a number (one output, or a class id for several), or a row of numbers (one
    per output), as in `fit`.
    """
    if len(xs) != len(ts):
        raise ValueError(f"the batch has {len(xs)} inputs but {len(ts)} targets")
    outputs = [model(x) for x in xs]
    return loss(*batch_arguments(outputs, ts))


def train_step(
    model: Module, loss: Loss, optimizer: Optimizer, xs: Sequence[Row], ts: Sequence[Row]
) -> float:
    """One optimisation step on a batch; returns the batch's loss before the step."""
    value = batch_loss(model, loss, xs, ts)
    optimizer.zero_grad()
    value.backward()
    optimizer.step()
    return value.data


def evaluate(model: Module, X: object, y: object, loss: Loss = mse_loss) -> float:
    """The loss over a whole data set, computed without recording a graph."""
    xs, ts = prepare_data(X, y)
    return _prepared_loss(model, loss, xs, ts)


def _prepared_loss(model: Module, loss: Loss, xs: Sequence[Row], ts: Sequence[Row]) -> float:
    """`evaluate` on data already through `prepare_data`, as `fit` holds it between epochs."""
    with no_grad():
        return batch_loss(model, loss, xs, ts).data


def fit(
    model: Module,
    X: object,
    y: object,
    *,
    loss: Loss = mse_loss,
    optimizer: Optimizer | None = None,
    epochs: int = ARTICLE_EPOCHS,
    batch_size: int = 1,
    shuffle: bool = False,
    seed: Seed = None,
    epoch_loss: str = "dataset",
    report_every: int | None = None,
    progress: bool | None = None,
    callback: Callable[[int, float], None] | None = None,
    compile: bool = False,
) -> list[float]:
    """Train `model` on ``(X, y)`` and return the loss history, one float per epoch.

    The defaults are the article's: mean squared error, SGD with learning rate 0.1 (used when no
    `optimizer` is given), 1000 epochs, one sample per step, the samples in their given order.

    * `X`: n samples, each a row of the model's inputs (a 1-D X suits a one-input model);
      `y`: n targets, each a number (one output) or a row (several outputs).
    * ``batch_size=k``: one step per k samples, on the mean loss of the batch.
    * ``shuffle=True``: a new sample order each epoch, drawn from `seed`.
    * ``epoch_loss="dataset"``: the loss recorded for each epoch is the loss over the whole data
      set after the epoch, as the article computes it (no graph is recorded, but it costs one
      more forward pass per sample). ``"running"``: the mean of the batch losses met during the
      epoch, each taken before its step; free, and close to the first once training settles.
    * ``report_every=10`` prints ``Epoch 0 loss: 0.xxx`` every 10 epochs, as the article does.
    * `progress`: a one-line progress display on stderr (epoch, loss, time left). None shows it on
      a terminal once a run has lasted a second; True always; False never.
    * `callback(epoch, loss)` is called after every epoch.
    * ``compile=True``: record the loss of one sample once and run it as generated code (see
      `nn.compiled`) instead of building a graph per sample; the same numbers (to rounding in
      a batch's sums), many times faster. The loss must be a mean over samples.
    """
    xs, ts = prepare_data(X, y)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=ARTICLE_LEARNING_RATE)
    epochs = as_count(epochs, "epochs")
    batch_size = as_count(batch_size, "batch_size")
    if report_every is not None:
        report_every = as_count(report_every, "report_every")
    if epoch_loss not in EPOCH_LOSSES:
        raise ValueError(f"epoch_loss must be one of {EPOCH_LOSSES}, not {epoch_loss!r}")
    if not callable(loss):
        raise TypeError(f"loss must be a function like mse_loss, not {type(loss).__name__}")

    compiled = CompiledLoss(model, loss, xs, ts) if compile else None
    rows = compiled.rows(xs, ts) if compiled is not None else None
    rng = as_generator(seed) if shuffle else None
    order = list(range(len(xs)))
    display = Progress(epochs, progress)
    history = []
    try:
        for epoch in range(epochs):
            if rng is not None:
                rng.shuffle(order)
            running = 0.0
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                if compiled is None:
                    batch_xs, batch_ts = [xs[i] for i in batch], [ts[i] for i in batch]
                    value = train_step(model, loss, optimizer, batch_xs, batch_ts)
                else:
                    value = compiled.step(optimizer, rows[batch])
                running += value * len(batch)
            if epoch_loss == "running":
                current = running / len(order)
            elif compiled is not None:
                current = compiled.run(rows)[0]
            else:
                current = _prepared_loss(model, loss, xs, ts)
            history.append(current)
            if report_every is not None and epoch % report_every == 0:
                display.clear()
                print(f"Epoch {epoch} loss: {current:.3f}")
            display.update(epoch + 1, current)
            if callback is not None:
                callback(epoch, current)
    finally:  # end the progress line even when training stops with an error
        display.close()
    return history
