"""Data sets beyond the article's four people (see `nn.article`): two moons, ..."""

from __future__ import annotations

import math

import numpy as np

from nn.checks import Seed, as_count, as_generator, as_real


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
    noise = as_real(noise, "noise")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, not {noise!r}")
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
