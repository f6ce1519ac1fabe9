"""Data sets: the article's four people (and Emily and Frank), and two moons for bigger examples.

The article predicts gender from weight (pounds) and height (inches), with female = 1 and male = 0.
It shifts each weight by -135 and each height by -66 before training, so that the inputs sit near 0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nn.module import Seed, as_count, as_generator, as_real

WEIGHT_SHIFT = 135
HEIGHT_SHIFT = 66
FEMALE = 1
MALE = 0


class Person(NamedTuple):
    """One row of the article's table: weight in pounds, height in inches, gender (F = 1)."""

    name: str
    weight: float
    height: float
    gender: int

    @property
    def shifted(self) -> tuple[float, float]:
        """(weight - 135, height - 66): the inputs the article's network is trained on."""
        return (self.weight - WEIGHT_SHIFT, self.height - HEIGHT_SHIFT)


PEOPLE = (
    Person("Alice", 133, 65, FEMALE),
    Person("Bob", 160, 72, MALE),
    Person("Charlie", 152, 70, MALE),
    Person("Diana", 120, 60, FEMALE),
)
# The two people the article predicts after training; their gender is the article's answer.
EMILY = Person("Emily", 128, 63, FEMALE)
FRANK = Person("Frank", 155, 68, MALE)


def people(shifted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The article's training set as ``(X, y)``: X is 4 x 2 (weight, height), y is 4 genders.

    >>> X, y = people()
    >>> X.tolist(), y.tolist()
    ([[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]], [1.0, 0.0, 0.0, 1.0])
    """
    rows = [person.shifted if shifted else (person.weight, person.height) for person in PEOPLE]
    return np.array(rows, dtype=float), np.array([person.gender for person in PEOPLE], dtype=float)


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
    if not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, not {noise!r}")
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
