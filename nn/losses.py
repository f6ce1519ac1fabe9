"""Loss functions: one number that says how far predictions are from targets.

Every loss takes ``(y_true, y_pred)`` in the article's order (PyTorch puts the prediction first):
`y_true` holds the targets, `y_pred` the predictions as Values (plain numbers are accepted too).
Each is a list, tuple or 1-D numpy array of equal, non-zero length; a lone number or Value counts
as one sample. The result is a `Value`, the mean over the samples, ready for ``backward()``.

A target is usually a plain number, and then the loss checks its domain (0 or 1 for
`binary_cross_entropy`, -1 or +1 for `hinge_loss`). It may also be a Value, a leaf of the graph:
that is how ``fit(..., compile=True)`` records one graph whose inputs are a sample's features and
its targets. The formulas never branch on a target's value, so the recorded graph is right for
all of them; the domain of targets given as Values is for their maker to check. Targets that are
all Values beside predictions that are all plain numbers are refused: that is
``loss(y_pred, y_true)``, the arguments swapped.

Each loss checks its arguments, then hands them to a formula that trusts them. `fit` checks its
targets once (`loss_on_stand_ins`) and then calls the formula itself (`unchecked`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import Value, no_grad
from autograd.numbers import is_real_number
from nn.checks import as_real

Targets = Sequence[Value | float] | np.ndarray | Value | float
Predictions = Sequence[Value | float] | np.ndarray | Value | float
# What fit, evaluate and the compiled loss take: any function of (y_true, y_pred) like these. Its
# arguments are typed Any: fit hands over lists whose entries depend on the model and the data
# (numbers or Values beside one output each, rows of Values as logits beside class ids), more
# than one parameter type of a loss can say, and every loss here takes what fit gives it.
Loss = Callable[[Any, Any], Value]

# log(p) is clamped from below at -100, as PyTorch's BCELoss does, so a prediction of exactly 0 or
# 1 gives a finite loss. Where the clamp acts the sigmoid is saturated and its slope is 0 anyway.
LOG_FLOOR = -100.0
_SMALLEST_PROBABILITY = math.exp(LOG_FLOOR)  # its log is exactly LOG_FLOOR


def mse_loss(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean squared error, the article's loss: the mean over samples of (y_true - y_pred) ** 2.

    >>> mse_loss([1, 0, 0, 1], [0, 0, 0, 0]).data
    0.5
    """
    return _mse(*_paired(y_true, y_pred, "mse_loss"))


def binary_cross_entropy(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean of -(y log p + (1 - y) log(1 - p)) for targets y and probabilities p in [0, 1].

    Finite even for predictions of exactly 0 or 1: each log is clamped at `LOG_FLOOR` (-100).
    """
    targets, predictions = _paired(y_true, y_pred, "binary_cross_entropy", _check_probability)
    return _binary_cross_entropy(targets, predictions)


def hinge_loss(y_true: Targets, y_pred: Predictions) -> Value:
    """Mean of max(0, 1 - y * score) for labels y in {-1, +1} and real-valued scores."""
    return _hinge(*_paired(y_true, y_pred, "hinge_loss", _check_sign))


def log_softmax(row: Sequence[Value | float]) -> list[Value]:
    """``log(softmax(row))``, computed without overflow: each entry less the row's log-sum-exp.

    >>> [round(v.data, 4) for v in log_softmax([1000.0, 0.0, -1000.0])]
    [0.0, -1000.0, -2000.0]
    """
    return _log_softmax(_as_logits(row, "log_softmax"))


def softmax(row: Sequence[Value | float]) -> list[Value]:
    """``exp(z_i) / sum_j exp(z_j)`` for each entry z_i of `row`: probabilities that sum to 1.

    >>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
    [0.09, 0.2447, 0.6652]

    Stable for large entries in the same way as `log_softmax`.
    """
    exps = [value.exp() for value in _shifted(_as_logits(row, "softmax"))]
    total = _sum(exps)
    return [value / total for value in exps]


def cross_entropy(targets: object, logits: Sequence[Sequence[Value | float]]) -> Value:
    """Mean over samples of ``-log softmax(logits)[class]``: PyTorch's ``F.cross_entropy``.

    >>> round(cross_entropy([0, 2], [[2.0, 1.0, 0.1], [0.5, 0.2, 3.0]]).data, 6)
    0.275297

    `logits` holds one row of Values per sample (the outputs of a model with one output per
    class; no softmax on them), every row as long; a 2-D numpy array of numbers works too. Each
    target is a class id, an integer from 0 to the number of classes less one (a float with an
    integer value counts, as `fit` hands targets over as floats), or a row of class
    probabilities (plain numbers in [0, 1], or Values: the loss is then
    ``-sum_k p_k log softmax(logits)[k]``, which is how a compiled graph takes a one-hot class
    as its input). Targets first, as in every loss of `nn`.
    """
    who = "cross_entropy"
    rows = _as_list(logits, who, "logits", rows=True)
    classes = _as_list(targets, who, "targets", rows=True)
    if len(classes) != len(rows):
        raise ValueError(f"{who}: targets has {len(classes)} samples but logits has {len(rows)}")
    if not rows:
        raise ValueError(f"{who} needs at least one sample; targets and logits are empty")
    refuse_swapped(_flattened(classes), rows, who)
    checked_rows = [_as_logits(row, f"{who}: logits[{i}]") for i, row in enumerate(rows)]
    for i, row in enumerate(checked_rows):
        if len(row) != len(checked_rows[0]):
            raise ValueError(
                f"{who}: logits[{i}] has {len(row)} entries but logits[0] has "
                f"{len(checked_rows[0])}; every row holds one logit per class"
            )
    checked_classes = [
        _class_target(target, len(row), i)
        for i, (target, row) in enumerate(zip(classes, checked_rows, strict=True))
    ]
    return _cross_entropy(checked_classes, checked_rows)


# ---------------------------------------------------------------------- the formulas
def _mse(targets: Sequence[Value | float], predictions: Sequence[Value]) -> Value:
    errors = [target - prediction for target, prediction in zip(targets, predictions, strict=True)]
    return _mean([error * error for error in errors])


def _binary_cross_entropy(targets: Sequence[Value | float], predictions: Sequence[Value]) -> Value:
    terms = []
    for i, (target, prediction) in enumerate(zip(targets, predictions, strict=True)):
        if not 0.0 <= prediction.data <= 1.0:  # a model's output, so checked on every call
            raise ValueError(
                f"binary_cross_entropy: y_pred[{i}] = {prediction.data!r} is not a probability "
                "in [0, 1] (use a sigmoid output)"
            )
        # Both terms for every target, even where its weight is 0: the formula must not depend on
        # the target's value, or a compiled graph would be right for one target only.
        terms.append(
            target * _clamped_log(prediction) + (1.0 - target) * _clamped_log(1.0 - prediction)
        )
    return -_sum(terms) / len(terms)


def _hinge(targets: Sequence[Value | float], scores: Sequence[Value]) -> Value:
    pairs = zip(targets, scores, strict=True)
    return _mean([(1.0 - target * score).relu() for target, score in pairs])


def _cross_entropy(targets: Sequence[Any], rows: Sequence[list[Value]]) -> Value:
    """`targets` are class ids or rows of class probabilities (weights), `rows` rows of Values."""
    terms = []
    for target, row in zip(targets, rows, strict=True):
        log_probabilities = _log_softmax(row)
        if isinstance(target, (list, tuple)):
            weighted = zip(target, log_probabilities, strict=True)
            terms.append(-_sum([weight * log_p for weight, log_p in weighted]))
        else:
            terms.append(-log_probabilities[int(target)])
    return _mean(terms)


def _log_softmax(values: list[Value]) -> list[Value]:
    shifted = _shifted(values)
    log_total = _sum([value.exp() for value in shifted]).log()
    return [value - log_total for value in shifted]


def _shifted(values: list[Value]) -> list[Value]:
    """Each value less the row's largest, so that no `exp` sees a positive number.

    The maximum is itself recorded, ``m = a + relu(b - a)`` entry by entry, not read from the data:
    a compiled graph then takes each sample's own maximum (a number read while recording would be
    baked in, and another sample's larger logits would overflow). Its gradient cancels out. It is
    taken over the halves and doubled, which is exact, so that ``b - a`` stays finite for any two
    finite logits (1e308 - -1e308 would overflow to inf, and inf - inf is nan).
    """
    half_largest = values[0] * 0.5
    for value in values[1:]:
        half_largest = half_largest + (value * 0.5 - half_largest).relu()
    largest = half_largest * 2.0
    return [value - largest for value in values]


def _sum(terms: Sequence[Value]) -> Value:
    """``terms[0] + terms[1] + ...``, left to right; every caller has at least one term."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _mean(terms: Sequence[Value]) -> Value:
    return _sum(terms) / len(terms)


def _clamped_log(p: Value) -> Value:
    """max(log p, LOG_FLOOR), with gradient 0 below the floor.

    Written with recorded operations only, no branch on ``p.data``, so that a compiled loss
    (``fit(..., compile=True)``) floors every sample, not just the one it was recorded on.
    """
    return ((p - _SMALLEST_PROBABILITY).relu() + _SMALLEST_PROBABILITY).log()


_FORMULAS: dict[Callable[..., Value], Loss] = {
    mse_loss: _mse,
    binary_cross_entropy: _binary_cross_entropy,
    hinge_loss: _hinge,
    cross_entropy: _cross_entropy,
}


def unchecked(loss: Loss) -> Loss:
    """The formula of one of nn's losses without its checks (any other loss as it is), for
    targets that passed them once already (`loss_on_stand_ins`), beside Values, as fit has."""
    return next((formula for public, formula in _FORMULAS.items() if public is loss), loss)


def takes_rows(loss: object) -> bool:
    """True for `cross_entropy` (or its formula): it takes each sample's outputs as one row of
    logits, beside a class id or a row of class probabilities, where the other losses take one
    number per output."""
    return loss is cross_entropy or loss is _cross_entropy


def loss_on_stand_ins(loss: Loss, output_count: int, targets: Sequence[object]) -> float:
    """`loss` of `targets` beside outputs that are all 0.5, recording nothing: the loss's own
    checks of every target, run once before training. For nn's own losses the shape of the
    targets is checked first, and named as fit's data (`y`) rather than the loss's arguments."""
    if any(loss is public for public in _FORMULAS):
        _check_target_shape(loss, output_count, targets[0])
    with no_grad():
        outputs = [
            Value(0.5) if output_count == 1 else [Value(0.5)] * output_count for _ in targets
        ]
        return loss(*batch_arguments(outputs, targets, loss)).data


def _check_target_shape(loss: Loss, output_count: int, target: object) -> None:
    """One sample's target as fit has it (a number, or a row of numbers: every row of `y` is as
    long) beside a model with `output_count` outputs, for one of nn's losses."""
    name = getattr(loss, "__name__", "the loss")
    columns = len(target) if isinstance(target, (list, tuple)) else None
    if takes_rows(loss):
        if output_count < 2:
            raise ValueError(
                f"{name} needs a model with one output per class, two or more; this model "
                f"has {output_count}"
            )
        if columns is not None and columns != output_count:
            raise ValueError(
                f"y has {columns} columns but the model has {output_count} outputs: {name} "
                f"takes a class id per sample, or a row of {output_count} class probabilities"
            )
    elif columns is None and output_count > 1:
        raise ValueError(
            f"y holds one number per sample, but the model has {output_count} outputs: give y "
            f"one column per output (samples x {output_count}), or for class ids use "
            "cross_entropy"
        )
    elif columns is not None and columns != output_count:
        raise ValueError(f"y has {columns} columns but the model has {output_count} outputs")


# ---------------------------------------------------------------------- the checks
def _class_target(target: object, count: int, i: int) -> Value | float | list[Value | float]:
    """A class id, or a row of class probabilities, checked against `count` logits."""
    if isinstance(target, np.ndarray) and target.ndim == 1:
        target = target.tolist()
    if isinstance(target, (list, tuple)):
        if len(target) != count:
            raise ValueError(
                f"cross_entropy: targets[{i}] has {len(target)} class probabilities for "
                f"{count} logits"
            )
        weights: list[Value | float] = []
        for k, weight in enumerate(target):
            if not isinstance(weight, Value):
                weight = as_real(weight, f"cross_entropy: targets[{i}][{k}]")
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(
                        f"cross_entropy: targets[{i}][{k}] = {weight!r} is not a probability"
                    )
            weights.append(weight)
        return weights
    if isinstance(target, Value):
        raise TypeError(
            f"cross_entropy: targets[{i}] is a Value, which cannot pick a class; give a row of "
            "class probabilities (one-hot) to make the target an input of the graph"
        )
    label = as_real(target, f"cross_entropy: targets[{i}]")
    if not (label.is_integer() and 0 <= label < count):
        raise ValueError(
            f"cross_entropy: targets[{i}] = {target!r} is not a class id: an integer from 0 "
            f"to {count - 1} for {count} logits"
        )
    return label


def _as_logits(row: object, who: str) -> list[Value]:
    """One row of logits as Values (plain numbers become constants), non-empty."""
    if isinstance(row, np.ndarray) and row.ndim == 1:
        row = row.tolist()
    if isinstance(row, Value) or not isinstance(row, (list, tuple)):
        raise TypeError(
            f"{who}: a row of logits must be a list or tuple of Values or numbers, "
            f"not {type(row).__name__}"
        )
    if not row:
        raise ValueError(f"{who}: a row of logits must not be empty")
    return [
        value if isinstance(value, Value) else Value(as_real(value, f"{who}[{k}]"))
        for k, value in enumerate(row)
    ]


def _check_probability(target: float, who: str, i: int) -> None:
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"{who}: y_true[{i}] = {target!r} is not in [0, 1]")


def _check_sign(target: float, who: str, i: int) -> None:
    if target not in (-1.0, 1.0):
        raise ValueError(f"{who}: y_true[{i}] = {target!r} must be -1 or +1")


def _paired(
    y_true: Targets,
    y_pred: Predictions,
    who: str,
    check: Callable[[float, str, int], None] | None = None,
) -> tuple[list[Value | float], list[Value]]:
    """Both arguments checked: the targets (plain numbers as floats, through `check`; Values as
    they are) and the predictions as Values."""
    targets = _as_list(y_true, who, "y_true")
    predictions = _as_list(y_pred, who, "y_pred")
    if len(targets) != len(predictions):
        raise ValueError(
            f"{who}: y_true has {len(targets)} values but y_pred has {len(predictions)}"
        )
    if not targets:
        raise ValueError(f"{who} needs at least one sample; y_true and y_pred are empty")
    refuse_swapped(targets, predictions, who)
    checked: list[Value | float] = []
    values: list[Value] = []
    for i, (target, prediction) in enumerate(zip(targets, predictions, strict=True)):
        if not isinstance(target, Value):
            target = as_real(target, f"{who}: y_true[{i}]")
            if check is not None:
                check(target, who, i)
        checked.append(target)
        if not isinstance(prediction, Value):
            prediction = Value(as_real(prediction, f"{who}: y_pred[{i}]"))
        values.append(prediction)
    return checked, values


def refuse_swapped(targets: Sequence[object], predictions: Sequence[object], who: str) -> None:
    """TypeError for Value targets beside plain-number predictions: ``loss(y_pred, y_true)``.

    A model's predictions are Values; targets are numbers, or Values when a graph takes them as
    inputs (compiling), and then the predictions are Values too.
    """
    if any(isinstance(t, Value) for t in targets) and not any(
        isinstance(p, Value) for p in _flattened(predictions)
    ):
        raise TypeError(
            f"{who}: y_true holds Values but y_pred holds plain numbers; the order is "
            "loss(y_true, y_pred), the targets first"
        )


def _flattened(items: Sequence[object]) -> list[object]:
    """`items` with rows (lists, tuples) spread out, for checks that look at every entry."""
    flat: list[object] = []
    for item in items:
        if isinstance(item, (list, tuple)):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _as_list(values: object, who: str, what: str, rows: bool = False) -> list[object]:
    """`values` as a list of samples; with `rows`, a 2-D array is a list of rows, one per sample."""
    if isinstance(values, np.ndarray):
        if values.ndim > (2 if rows else 1):
            shapes = "1-D or 2-D (one row per sample)" if rows else "1-D"
            raise ValueError(
                f"{who}: {what} must be {shapes}, got an array of shape {values.shape}"
            )
        return values.tolist() if values.ndim >= 1 else [values.item()]
    if isinstance(values, (list, tuple)):
        return list(values)
    if isinstance(values, Value) or is_real_number(values):
        return [values]
    raise TypeError(
        f"{who}: {what} must be a list, tuple or 1-D numpy array, not {type(values).__name__}"
    )


def batch_arguments(
    outputs: Sequence[Value | Sequence[Value]], targets: Sequence[object], loss: object = None
) -> tuple[list[object], list[object]]:
    """``(y_true, y_pred)`` for `loss`, from each sample's model output and target.

    A target row (several outputs, one target each) is laid end to end with the outputs, as are
    single numbers. A single number beside several outputs is a class id, and the outputs stay
    together as that sample's row of logits (`cross_entropy`); for `cross_entropy` a target row
    stays a row too, the sample's class probabilities (a one-hot row, say).
    """
    y_true: list[object] = []
    y_pred: list[object] = []
    rows = takes_rows(loss)
    for output, target in zip(outputs, targets, strict=True):
        if not rows and (
            isinstance(target, (list, tuple))
            or (isinstance(target, np.ndarray) and target.ndim > 0)
        ):
            y_true.extend(target)
            y_pred.extend([output] if isinstance(output, Value) else output)
        else:
            y_true.append(target)
            y_pred.append(output if isinstance(output, Value) else list(output))
    return y_true, y_pred
