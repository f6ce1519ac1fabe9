"""`fit`: the article's training loop for any model, loss and optimiser, built from two steps
that can be used on their own: `batch_loss` (the forward pass of a batch, one Value) and
`train_step` (zero the gradients, backward, step). `evaluate` and `predict` record no graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from autograd import Value, no_grad
from nn.checks import Row, Seed, as_count, as_generator, as_rows, prepare_data
from nn.compiled import CompiledLoss, compiled_outputs
from nn.losses import Loss, batch_arguments, loss_on_stand_ins, mse_loss, unchecked
from nn.metrics import predicted_labels
from nn.module import Module
from nn.optim import SGD, Optimizer
from nn.progress import Progress
from nn.schedules import LRScheduler

T = TypeVar("T")
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
    return loss(*batch_arguments(outputs, ts, loss))


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
    return _prepared_loss(model, loss, xs, ts)[0]


def predict(model: Module, X: object, *, compile: bool = False) -> np.ndarray:
    """The model's outputs for every sample of `X`, without recording a graph.

    One entry per sample for a model with one output, a row per sample (samples x outputs)
    otherwise; ``accuracy(y, predict(model, X))`` scores a classifier with several outputs.
    ``compile=True`` runs the model's forward pass as compiled batch code (compiled once per
    model), much faster for many samples or wide layers; the same numbers to rounding.
    """
    xs = as_rows(X, "X")
    if not xs:
        raise ValueError("X holds no samples; predict needs at least one")
    if compile:
        rows = np.array([[x] if isinstance(x, float) else x for x in xs], dtype=float)
        if rows.shape[1] != model.nin:
            model(xs[0])  # the model's own error for a wrong input length
        outputs = compiled_outputs(model, rows)
    else:
        with no_grad():
            outputs = _output_rows([model(x) for x in xs])
    return outputs[:, 0] if outputs.shape[1] == 1 else outputs


def _prepared_loss(
    model: Module, loss: Loss, xs: Sequence[Row], ts: Sequence[Row]
) -> tuple[float, np.ndarray]:
    """The loss over data already through `prepare_data`, and the outputs (samples x outputs)."""
    with no_grad():
        outputs = [model(x) for x in xs]
        return loss(*batch_arguments(outputs, ts, loss)).data, _output_rows(outputs)


def _output_rows(outputs: list[Value | list[Value]]) -> np.ndarray:
    return np.array(
        [[out.data] if isinstance(out, Value) else [v.data for v in out] for out in outputs]
    )


class History(list[float]):
    """What `fit` records, one entry per epoch; the list itself holds the training loss.

    Named fields (as Keras names them): `loss` (the training loss again), `val_loss` and
    `val_accuracy` (on the validation data, when given), `accuracy` (on the training data, when
    the targets are labels and the epoch's loss is the whole data set's), `lr` (the optimiser's
    learning rate during the epoch). An entry that was not measured is None. With early
    stopping, `best_epoch` is the epoch whose weights the model was given back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.val_loss: list[float | None] = []
        self.accuracy: list[float | None] = []
        self.val_accuracy: list[float | None] = []
        self.lr: list[float | None] = []
        self.best_epoch: int | None = None

    @property
    def loss(self) -> list[float]:
        """The training loss of each epoch (the list's own entries)."""
        return list(self)

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}=[{len(getattr(self, name))} epochs]"
            for name in ("loss", "val_loss", "accuracy", "val_accuracy", "lr")
        )
        return f"History({fields}, best_epoch={self.best_epoch})"


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
    validation: tuple[object, object] | None = None,
    scheduler: LRScheduler | None = None,
    patience: int | None = None,
    report_every: int | None = None,
    progress: bool | None = None,
    callback: Callable[[int, float], None] | None = None,
    compile: bool = False,
) -> History:
    """Train `model` on ``(X, y)``; return the `History`, a list of one loss per epoch.

    The defaults are the article's: mean squared error, SGD with learning rate 0.1 (used when no
    `optimizer` is given), 1000 epochs, one sample per step, the samples in their given order.
    An `optimizer` holds the model's parameters (some of them: the others stay as they are).
    Everything is checked before the first step, the validation data too.

    * `X`: n samples, each a row of the model's inputs (a 1-D X suits a one-input model);
      `y`: n targets, each a number (one output; a class id for a model with several outputs,
      with `cross_entropy`) or a row (one number per output; with `cross_entropy`, the
      sample's class probabilities, such as a one-hot row).
    * ``batch_size=k``: one step per k samples, on the mean loss of the batch.
    * ``shuffle=True``: a new sample order each epoch, drawn from `seed`.
    * ``epoch_loss="dataset"``: the loss recorded for each epoch is the loss over the whole data
      set after the epoch, as the article computes it (no graph is recorded, but it costs one
      more forward pass per sample). ``"running"``: the mean of the batch losses met during the
      epoch, each taken before its step; free, and close to the first once training settles.
    * ``validation=(X_val, y_val)``: after each epoch, the loss and accuracy on these samples,
      which training never sees (`History.val_loss`, `History.val_accuracy`).
    * ``scheduler``: a learning-rate schedule of `optimizer` (`nn.StepLR`,
      `nn.CosineAnnealingLR`); its `step()` runs after every epoch.
    * ``patience=k``: early stopping. Stop once the validation loss has not improved for k
      epochs, and give the model back the weights of its best epoch (`History.best_epoch`).
    * ``report_every=10`` prints ``Epoch 0 loss: 0.xxx`` every 10 epochs, as the article does
      (and the validation loss and accuracy, when there are validation data).
    * `progress`: a progress bar with the epoch, the loss, the validation figures and the time
      left, as Keras's ``verbose=1``: in a Jupyter notebook an output updated in place, on a
      terminal a line on stderr. None (the default) shows it there and stays quiet when output
      goes to a file or a pipe; True always shows it; False never.
    * `callback(epoch, loss)` is called after every epoch.
    * ``compile=True``: record the loss of one sample once, its features and targets as inputs,
      and run it as generated code (see `nn.compiled`) instead of building a graph per sample;
      the same numbers (to rounding in a batch's sums), many times faster. The loss must be a
      mean over samples, as every loss of `nn` is.

    Accuracy is measured where the targets are labels: class ids beside several outputs (the
    largest output wins), 0/1 labels beside one output (1 above 0.5), -1/+1 labels (the sign).
    """
    xs, ts = prepare_data(X, y)
    held_out = _validation_data(validation, model)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=ARTICLE_LEARNING_RATE)
    _check_optimizer(optimizer, model)
    epochs = as_count(epochs, "epochs")
    batch_size = as_count(batch_size, "batch_size")
    if report_every is not None:
        report_every = as_count(report_every, "report_every")
    if epoch_loss not in EPOCH_LOSSES:
        raise ValueError(f"epoch_loss must be one of {EPOCH_LOSSES}, not {epoch_loss!r}")
    if not callable(loss):
        raise TypeError(f"loss must be a function like mse_loss, not {type(loss).__name__}")
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError("scheduler must be a schedule of the optimizer that fit uses")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be a function callback(epoch, loss), not {type(callback).__name__}"
        )
    if patience is not None:
        patience = as_count(patience, "patience")
        if held_out is None:
            raise ValueError("patience stops on the validation loss: pass validation=(X, y)")

    compiled = CompiledLoss(model, loss, xs, ts) if compile else None  # checks ts itself
    if compiled is None:
        loss = _checked_once(loss, model, xs[0], ts, held_out)
    elif held_out is not None:
        _about_validation_data(loss_on_stand_ins, loss, len(compiled.outputs), held_out[1])
    training = _Data(xs, ts, compiled)
    validating = _Data(*held_out, compiled) if held_out is not None else None
    rng = as_generator(seed) if shuffle else None
    order = list(range(len(xs)))
    display = Progress(epochs, progress)
    history = History()
    best: tuple[float, dict[str, float]] | None = None
    waited = 0
    try:
        for epoch in range(epochs):
            learning_rate = getattr(optimizer, "lr", None)
            if rng is not None:
                rng.shuffle(order)
            running = 0.0
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                if compiled is None:
                    batch_xs, batch_ts = [xs[i] for i in batch], [ts[i] for i in batch]
                    value = train_step(model, loss, optimizer, batch_xs, batch_ts)
                else:
                    # A slice, not an index list, for one sample: no copy of the row.
                    one = batch[0]
                    rows = training.rows[one : one + 1] if len(batch) == 1 else training.rows[batch]
                    value = compiled.step(optimizer, rows)
                running += value * len(batch)
            if epoch_loss == "running":
                current, accuracy = running / len(order), None
            else:
                current, accuracy = training.measure(model, loss)
            val_loss, val_accuracy = validating.measure(model, loss) if validating else (None, None)
            history.append(current)
            history.accuracy.append(accuracy)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
            history.lr.append(learning_rate)
            if report_every is not None and epoch % report_every == 0:
                display.clear()
                print(
                    f"Epoch {epoch} loss: {current:.3f}" + _validation_text(val_loss, val_accuracy)
                )
            display.update(epoch + 1, current, val_loss, val_accuracy)
            if callback is not None:
                callback(epoch, current)
            if scheduler is not None:
                scheduler.step()
            if patience is not None:
                assert val_loss is not None  # patience needs validation data, checked above
                if best is None or val_loss < best[0]:
                    best, waited, history.best_epoch = (val_loss, model.state_dict()), 0, epoch
                else:
                    waited += 1
                    if waited >= patience:
                        break
    finally:  # end the progress line even when training stops with an error
        display.close()
    if best is not None:
        model.load_state_dict(best[1])
    return history


def _checked_once(
    loss: Loss, model: Module, x: Row, ts: list[Row], held_out: tuple[list[Row], list[Row]] | None
) -> Loss:
    """For one of nn's losses, its checks of every target (the training and the validation
    data's) run here, and then its formula alone in every step (`nn.losses.unchecked`); any
    other loss is returned as it is."""
    formula = unchecked(loss)
    if formula is not loss:
        with no_grad():
            output = model(x)  # and the model's own error for rows of the wrong length
        count = 1 if isinstance(output, Value) else len(output)
        loss_on_stand_ins(loss, count, ts)
        if held_out is not None:
            _about_validation_data(loss_on_stand_ins, loss, count, held_out[1])
    return formula


class _Data:
    """A data set as `fit` holds it: rows of floats, and for a compiled loss one 2-D array
    (`rows`, empty without one)."""

    def __init__(self, xs: list[Row], ts: list[Row], compiled: CompiledLoss | None) -> None:
        self.xs, self.ts, self.compiled = xs, ts, compiled
        self.targets = np.array(ts, dtype=float)
        self.rows = compiled.rows(xs, ts) if compiled is not None else np.empty(0)

    def measure(self, model: Module, loss: Loss) -> tuple[float, float | None]:
        """The loss and accuracy of `model` on these data, recording no graph."""
        if self.compiled is None:
            value, outputs = _prepared_loss(model, loss, self.xs, self.ts)
        else:
            value, outputs, _ = self.compiled.run(self.rows)
        targets = self.targets
        if targets.ndim == 2 and targets.shape[1] > 1 and _one_hot(targets):
            targets = targets.argmax(axis=1).astype(float)  # the class ids the rows stand for
        labels = predicted_labels(outputs, targets)
        accuracy = None if labels is None else float(np.mean(labels == targets))
        return value, accuracy


def _one_hot(targets: np.ndarray) -> bool:
    """True for rows of zeros with a single one each: class ids written as rows."""
    return bool(np.isin(targets, (0.0, 1.0)).all() and (targets.sum(axis=1) == 1.0).all())


def _check_optimizer(optimizer: object, model: Module) -> None:
    """An nn optimiser that holds only `model`'s parameters (some of them freezes the rest).

    One made for an earlier model, as running a notebook cell twice leaves, would step that
    model's parameters while this one never changed and its gradients piled up.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an nn optimiser such as SGD or Adam, not {type(optimizer).__name__}"
        )
    own = set(model.parameters())
    foreign = sum(parameter not in own for parameter in optimizer.params)
    if foreign:
        raise ValueError(
            f"the optimizer holds {foreign} of its {len(optimizer.params)} parameters that are "
            "not this model's; was it made for an earlier model (a notebook cell run twice)? "
            "Make it from this model: SGD(model.parameters(), lr=...)"
        )


def _validation_data(validation: object, model: Module) -> tuple[list[Row], list[Row]] | None:
    """The validation data as rows, checked completely before the first step: its inputs
    against the model's, here; its targets against the loss's, with the training targets."""
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("validation must be a pair (X_val, y_val)")
    xs, ts = _about_validation_data(prepare_data, *validation)
    with no_grad():
        _about_validation_data(model, xs[0])  # the model's own error for rows of the wrong length
    return xs, ts


def _about_validation_data(check: Callable[..., T], *arguments: object) -> T:
    """``check(*arguments)``, its TypeError or ValueError saying it is about the validation data."""
    try:
        return check(*arguments)
    except (TypeError, ValueError) as error:
        raise type(error)(f"validation data: {error}") from None


def _validation_text(val_loss: float | None, val_accuracy: float | None) -> str:
    if val_loss is None:
        return ""
    text = f"  validation loss: {val_loss:.3f}"
    return text if val_accuracy is None else f"{text}  accuracy: {val_accuracy:.1%}"
