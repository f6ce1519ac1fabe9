"""Loss functions: one number that says how far predictions are from targets.

Every loss takes ``(y_true, y_pred)`` in the article's order (PyTorch puts the prediction first):
`y_true` holds the targets as plain numbers, `y_pred` the predictions as Values (plain numbers are
accepted too). Each is a list, tuple or 1-D numpy array of equal, non-zero length; a lone number or
Value counts as one sample. The result is a `Value`, the mean over the samples, ready for
``backward()``. A Value among the targets is refused, which also catches swapped arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from autograd import Value
from autograd.engine import is_real_number
from nn.module import as_real

Targets = Sequence[float] | np.ndarray | float
Predictions = Sequence[Value | float] | np.ndarray | Value | float
# What fit, evaluate and the compiled loss take: any function of (y_true, y_pred) like these.
Loss = Callable[[Sequence[float], Sequence[Value]], Value]

# log(p) is clamped from below at -100, as PyTorch's BCELoss does, so a prediction of exactly 0 or
# 1 gives a finite loss. Where the clamp acts the sigmoid is saturated and its slope is 0 anyway.
LOG_FLOOR = -100.0
_SMALLEST_PROBABILITY = math.exp(LOG_FLOOR)  # its log is exactly LOG_FLOOR


def mse_loss(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean squared error, the article's loss: the mean over samples of (y_true - y_pred) ** 2.

    >>> mse_loss([1, 0, 0, 1], [0, 0, 0, 0]).data
    0.5
    """
    pairs = _paired(y_true, y_pred, "mse_loss")
    total = None
    for target, prediction in pairs:
        error = target - prediction
        squared = error * error
        total = squared if total is None else total + squared
    return total / len(pairs)


def binary_cross_entropy(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean of -(y log p + (1 - y) log(1 - p)) for targets y and probabilities p in [0, 1].

    Finite even for predictions of exactly 0 or 1: each log is clamped at `LOG_FLOOR` (-100).
    """
    pairs = _paired(y_true, y_pred, "binary_cross_entropy")
    total = None
    for i, (target, prediction) in enumerate(pairs):
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"binary_cross_entropy: y_true[{i}] = {target!r} is not in [0, 1]")
        if not 0.0 <= prediction.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: y_pred[{i}] = {prediction.data!r} is not a probability "
                "in [0, 1] (use a sigmoid output)"
            )
        # A term whose weight is 0 is left out, which keeps the graph small for 0/1 labels.
        term = None
        if target != 0.0:
            term = target * _clamped_log(prediction)
        if target != 1.0:
            other = (1.0 - target) * _clamped_log(1.0 - prediction)
            term = other if term is None else term + other
        total = term if total is None else total + term
    return -total / len(pairs)


def hinge_loss(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean of max(0, 1 - y * score) for labels y in {-1, +1} and real-valued scores."""
    pairs = _paired(y_true, y_pred, "hinge_loss")
    total = None
    for i, (target, score) in enumerate(pairs):
        if target not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss: y_true[{i}] = {target!r} must be -1 or +1")
        margin = (1.0 - target * score).relu()
        total = margin if total is None else total + margin
    return total / len(pairs)


def _clamped_log(p: Value) -> Value:
    """max(log p, LOG_FLOOR), with gradient 0 below the floor.

    Written with recorded operations only, no branch on ``p.data``, so that a compiled loss
    (``fit(..., compile=True)``) floors every sample, not just the one it was recorded on.
    """
    return ((p - _SMALLEST_PROBABILITY).relu() + _SMALLEST_PROBABILITY).log()


def _paired(y_true: Targets, y_pred: Predictions, who: str) -> list[tuple[float, Value]]:
    """Check both arguments and pair them up: (float target, Value prediction) per sample."""
    targets = _as_list(y_true, who, "y_true")
    predictions = _as_list(y_pred, who, "y_pred")
    if len(targets) != len(predictions):
        raise ValueError(
            f"{who}: y_true has {len(targets)} values but y_pred has {len(predictions)}"
        )
    if not targets:
        raise ValueError(f"{who} needs at least one sample; y_true and y_pred are empty")
    pairs = []
    for i, (target, prediction) in enumerate(zip(targets, predictions, strict=True)):
        if isinstance(target, Value):
            raise TypeError(
                f"{who}: y_true[{i}] is a Value; targets are plain numbers "
                "(the order is loss(y_true, y_pred))"
            )
        pairs.append((as_real(target, f"{who}: y_true[{i}]"), _as_prediction(prediction, who, i)))
    return pairs


def _as_list(values: object, who: str, what: str) -> list[object]:
    if isinstance(values, np.ndarray):
        if values.ndim > 1:
            raise ValueError(f"{who}: {what} must be 1-D, got an array of shape {values.shape}")
        return values.tolist() if values.ndim == 1 else [values.item()]
    if isinstance(values, (list, tuple)):
        return list(values)
    if isinstance(values, Value) or is_real_number(values):
        return [values]
    raise TypeError(
        f"{who}: {what} must be a list, tuple or 1-D numpy array, not {type(values).__name__}"
    )


def _as_prediction(value: object, who: str, i: int) -> Value:
    if isinstance(value, Value):
        return value
    return Value(as_real(value, f"{who}: y_pred[{i}]"))
