"""The article's people and the two-moons generator."""

import numpy as np
import pytest

from nn import EMILY, FRANK, PEOPLE, make_moons, people


def test_the_article_table():
    assert [(p.name, p.weight, p.height, p.gender) for p in PEOPLE] == [
        ("Alice", 133, 65, 1),
        ("Bob", 160, 72, 0),
        ("Charlie", 152, 70, 0),
        ("Diana", 120, 60, 1),
    ]
    X, y = people()
    assert X.tolist() == [[-2, -1], [25, 6], [17, 4], [-15, -6]]
    assert y.tolist() == [1, 0, 0, 1]
    raw, _ = people(shifted=False)
    assert raw.tolist() == [[133, 65], [160, 72], [152, 70], [120, 60]]
    assert EMILY.shifted == (-7, -3) and FRANK.shifted == (20, 2)


def test_moons_shape_labels_and_reproducibility():
    X, y = make_moons(101, seed=0)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert sorted(set(y.tolist())) == [0.0, 1.0] and int(y.sum()) == 51
    again, _ = make_moons(101, seed=0)
    assert np.array_equal(X, again)
    assert not np.array_equal(X, make_moons(101, seed=1)[0])


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(50, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and (upper[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"n_samples": 1}, ValueError),
        ({"n_samples": 2.5}, TypeError),
        ({"n_samples": True}, TypeError),
        ({"noise": -1}, ValueError),
        ({"noise": float("inf")}, ValueError),
        ({"noise": float("nan")}, ValueError),
        ({"noise": np.complex128(0.1 + 1j)}, TypeError),
        ({"noise": "0.1"}, TypeError),
    ],
)
def test_bad_moon_arguments(arguments, error):
    with pytest.raises(error):
        make_moons(**arguments)
