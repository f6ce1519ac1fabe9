"""How often a classifier is right: `accuracy`, and how `fit` reads labels off outputs."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The fraction of samples whose predicted label is the true one, as scikit-learn's.

    >>> accuracy([0, 1, 2, 1], [0, 1, 1, 1])
    0.75
    >>> accuracy([2, 0], [[0.1, 0.2, 0.7], [0.9, 0.05, 0.05]])  # scores: the largest wins
    1.0

    `y_pred` holds one label per sample, or one row of scores per sample (a model's outputs for
    several classes, logits or probabilities), and then its largest entry is the label.
    """
    truth = np.asarray(y_true, dtype=float)
    predicted = np.asarray(y_pred, dtype=float)
    if predicted.ndim == 2 and predicted.shape[1] > 1:
        predicted = predicted.argmax(axis=1).astype(float)
    predicted = predicted.reshape(len(predicted)) if predicted.ndim == 2 else predicted
    if truth.ndim != 1 or predicted.shape != truth.shape or len(truth) == 0:
        raise ValueError(
            f"accuracy needs one label per sample on both sides: y_true has shape {truth.shape}, "
            f"y_pred {np.shape(y_pred)}"
        )
    return float(np.mean(truth == predicted))


def predicted_labels(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
    """The labels a model's `outputs` (samples x outputs) stand for, judged by the `targets`.

    Class ids beside several outputs: the largest output. One output and 0/1 labels: 1 above
    0.5 (a probability, or the article's sigmoid). One output and -1/+1 labels: the sign (a
    score, as for `hinge_loss`). Anything else (a regression) has no labels: None.
    """
    labels: np.ndarray
    if targets.ndim == 1 and outputs.shape[1] > 1:
        labels = outputs.argmax(axis=1).astype(float)
        return labels
    if outputs.shape[1] != 1 or targets.ndim != 1:
        return None
    values = set(np.unique(targets).tolist())
    if values <= {0.0, 1.0}:
        labels = (outputs[:, 0] > 0.5).astype(float)
        return labels
    if values <= {-1.0, 1.0}:
        labels = np.where(outputs[:, 0] > 0, 1.0, -1.0)
        return labels
    return None
