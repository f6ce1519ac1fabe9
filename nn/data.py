"""Data sets beyond the article's four people (see `nn.article`), and splitting one for testing.

Every generator returns ``(X, y)`` as numpy arrays, X with one row per sample and y the labels as
floats (class ids 0, 1, ... for several classes), shuffled, the same for the same `seed`:
`make_moons`, `make_circles`, `make_xor` (two classes) and `make_spirals` (any number). `load_iris`
reads Fisher's iris measurements, shipped with the package. `train_test_split` holds part of a
data set back, to judge a model on samples it did not train on.
"""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal
from importlib import resources
from numbers import Integral, Real

import numpy as np

from nn.checks import Seed, as_count, as_generator, as_real

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def make_moons(
    n_samples: int = 100, *, noise: float = 0.1, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane, shuffled: ``(X, y)`` with X n x 2, y in {0, 1}.

    Class 0 is the upper half of the unit circle; class 1 is the lower half circle centred at
    (1, 0.5), hooked into it. Gaussian noise of standard deviation `noise` is added to every
    coordinate. The same `seed` (an int or a numpy Generator) gives the same points.
    For `hinge_loss`, use ``2 * y - 1`` as labels.
    """
    n_samples = as_count(n_samples, "n_samples", minimum=2)
    noise = _as_noise(noise)
    rng = as_generator(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    angles_upper = np.linspace(0.0, np.pi, n_upper)
    angles_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(angles_upper), np.sin(angles_upper)])
    lower = np.column_stack([1.0 - np.cos(angles_lower), 0.5 - np.sin(angles_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_circles(
    n_samples: int = 100, *, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside another: class 0 on the unit circle, class 1 on a circle of radius `factor`.

    No straight line separates them; a hidden layer does. Noise as in `make_moons`.
    """
    n_samples = as_count(n_samples, "n_samples", minimum=2)
    noise = _as_noise(noise)
    factor = as_real(factor, "factor")
    if not 0 < factor < 1:
        raise ValueError(
            f"factor must be between 0 and 1 (the inner circle's radius), not {factor}"
        )
    rng = as_generator(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = _circle(n_outer, 1.0)
    inner = _circle(n_inner, factor)
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_xor(
    n_samples: int = 100, *, noise: float = 0.3, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: clouds around the corners (+-1, +-1), class 1 where the signs differ.

    Each point is a corner, chosen at random, plus Gaussian noise of standard deviation `noise`;
    its class is that of its corner. The problem a single neuron cannot solve.
    """
    n_samples = as_count(n_samples, "n_samples", minimum=2)
    noise = _as_noise(noise)
    rng = as_generator(seed)
    corners = rng.choice([-1.0, 1.0], size=(n_samples, 2))
    X = corners + noise * rng.standard_normal((n_samples, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(float)
    return X, y


def make_spirals(
    n_samples: int = 300, classes: int = 3, *, noise: float = 0.2, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """`classes` spiral arms winding out of the origin, one per class: ``(X, y)``, y = 0, 1, ...

    Arm k turns from the angle 2 pi k / classes through 4 radians as its radius grows from 0 to
    1; `noise` (in radians) shifts each point's angle at random. The classic test of a softmax
    classifier: no straight line separates any two arms.
    """
    n_samples = as_count(n_samples, "n_samples", minimum=2)
    classes = as_count(classes, "classes", minimum=2)
    if n_samples < classes:
        raise ValueError(f"n_samples ({n_samples}) must be at least classes ({classes})")
    noise = _as_noise(noise)
    rng = as_generator(seed)
    labels = np.arange(n_samples) % classes
    radius = np.empty(n_samples)
    for k in range(classes):
        arm = labels == k
        radius[arm] = np.linspace(0.0, 1.0, int(arm.sum()))
    angle = 2 * np.pi * labels / classes + 4.0 * radius + noise * rng.standard_normal(n_samples)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    order = rng.permutation(n_samples)
    return X[order], labels[order].astype(float)


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris data: X is 150 x 4 (`IRIS_FEATURES`, in cm), y the species as class ids.

    Class ids 0, 1, 2 are the species of `IRIS_CLASSES`, 50 flowers each, in the file's order
    (sorted by species: shuffle or split before training on part of it). Source: R. A. Fisher
    (1936), via the UCI Machine Learning Repository, with its rows 35 and 38 corrected to the
    paper; the file ``nn/iris.csv`` says so too.
    """
    text = resources.files("nn").joinpath("iris.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    X = np.array([[float(row[name]) for name in IRIS_FEATURES] for row in rows])
    y = np.array([float(IRIS_CLASSES.index(row["species"])) for row in rows])
    return X, y


def train_test_split(
    X: object, y: object, test_size: float | int = 0.25, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test``: the samples shuffled, then a part held back.

    >>> X_train, X_test, y_train, y_test = train_test_split(np.arange(8), np.arange(8), seed=0)
    >>> len(X_train), len(X_test)
    (6, 2)

    As scikit-learn's: `test_size` is a fraction of the samples (rounded up; any real number,
    a numpy float or a `Fraction` too) or a count (an int), and the same `seed` gives the same
    split. Rows of X and y stay paired.
    """
    X, y = _as_array(X, "X"), _as_array(y, "y")
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(
            f"X and y must hold the same number of samples, not shapes {X.shape} and {y.shape}"
        )
    n = len(X)
    if isinstance(test_size, (Real, Decimal)) and not isinstance(test_size, (Integral, np.bool_)):
        if not 0 < test_size < 1:
            raise ValueError(f"test_size must be a fraction between 0 and 1, not {test_size}")
        n_test = math.ceil(float(test_size) * n)
    else:
        n_test = as_count(test_size, "test_size (a fraction or a count)")
    if not 1 <= n_test < n:
        raise ValueError(
            f"test_size={test_size!r} leaves {n - n_test} of {n} samples for training; "
            "both parts need at least one"
        )
    order = as_generator(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def _as_array(data: object, what: str) -> np.ndarray:
    try:
        return np.asarray(data)
    except ValueError as error:  # numpy's "inhomogeneous shape": rows of different lengths
        raise ValueError(f"{what} must be an array or rows of equal length: {error}") from None


def _as_noise(noise: object) -> float:
    noise = as_real(noise, "noise")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, not {noise!r}")
    return noise


def _circle(n: int, radius: float) -> np.ndarray:
    angles = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])
