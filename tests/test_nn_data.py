"""The article's people, the generated data sets, iris, and splitting off a test set."""

import re
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from nn import (
    EMILY,
    FRANK,
    PEOPLE,
    load_iris,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    people,
    train_test_split,
)
from nn.data import IRIS_CLASSES, IRIS_FEATURES


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


@pytest.mark.parametrize(
    "make", [make_moons, make_circles, make_xor, lambda n, seed: make_spirals(n, 3, seed=seed)]
)
def test_every_generator_is_seeded_shaped_and_labelled(make):
    X, y = make(90, seed=4)
    assert X.shape == (90, 2) and y.shape == (90,) and X.dtype == y.dtype == float
    again = make(90, seed=4)
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])
    assert not np.array_equal(X, make(90, seed=5)[0])
    labels = sorted(set(y.tolist()))
    assert labels == [0.0, 1.0] or labels == [0.0, 1.0, 2.0]
    assert max(np.bincount(y.astype(int))) - min(np.bincount(y.astype(int))) <= 90 // 3


def test_circles_without_noise_lie_on_their_circles():
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_xor_labels_are_the_quadrants_signs_without_noise():
    X, y = make_xor(50, noise=0.0, seed=0)
    assert set(map(tuple, np.abs(X).tolist())) == {(1.0, 1.0)}
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(float))


def test_spiral_arms_start_at_their_own_angle_and_wind_outwards():
    X, y = make_spirals(30, 3, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    for k in range(3):
        arm = X[y == k][np.argsort(radius[y == k])]
        assert np.allclose(np.hypot(*arm[0]), 0.0)
        assert np.hypot(*arm[-1]) == pytest.approx(1.0)
        angle = 2 * np.pi * k / 3 + 4.0
        assert arm[-1] == pytest.approx([np.cos(angle), np.sin(angle)])


def test_iris_is_fishers_table():
    X, y = load_iris()
    assert X.shape == (150, 4) and y.tolist() == [0.0] * 50 + [1.0] * 50 + [2.0] * 50
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2] and X[-1].tolist() == [5.9, 3.0, 5.1, 1.8]
    # The two rows the UCI copy got wrong, as Fisher's paper has them.
    assert X[34].tolist() == [4.9, 3.1, 1.5, 0.2] and X[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    # Means per species from Fisher's table (sepal length: 5.006, 5.936, 6.588).
    assert [X[y == k, 0].mean() for k in range(3)] == pytest.approx([5.006, 5.936, 6.588])
    assert IRIS_CLASSES == ("setosa", "versicolor", "virginica") and len(IRIS_FEATURES) == 4


def test_the_iris_file_is_shipped_in_the_package_with_its_source():
    text = (resources.files("nn") / "iris.csv").read_text(encoding="utf-8")
    assert "Fisher" in text and "UCI" in text
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert re.search(r'nn = \[[^\]]*"iris\.csv"', pyproject)


def test_train_test_split_is_scikit_learns_shape_and_is_seeded():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=3)
    assert len(X_test) == 3 and len(X_train) == 7  # a quarter, rounded up
    assert np.array_equal(X_train[:, 0] // 2, y_train) and np.array_equal(X_test[:, 0] // 2, y_test)
    assert sorted([*y_train.tolist(), *y_test.tolist()]) == list(range(10))
    again = train_test_split(X, y, seed=3)
    assert np.array_equal(again[1], X_test)
    assert len(train_test_split(X, y, test_size=4, seed=0)[1]) == 4


def test_train_test_split_shuffles():
    X_train, X_test, y_train, y_test = train_test_split(np.arange(100), np.arange(100), seed=0)
    assert (len(X_train), len(X_test)) == (75, 25)
    assert sorted([*X_train, *X_test]) == list(range(100))
    assert X_train.tolist() == y_train.tolist() and X_test.tolist() == y_test.tolist()
    # Not the samples in their order, and not only at one end: each part draws from everywhere.
    assert X_train.tolist() != sorted(X_train.tolist())
    assert X_test.tolist() != sorted(X_test.tolist())
    assert X_test.min() < 25 and X_test.max() >= 75


@pytest.mark.parametrize(
    "test_size", [np.float32(0.25), np.float64(0.25), Fraction(1, 4), Decimal("0.25")], ids=repr
)
def test_train_test_split_takes_any_real_fraction(test_size):
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    expected = train_test_split(X, y, test_size=0.25, seed=3)
    got = train_test_split(X, y, test_size=test_size, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert len(got[1]) == 3  # 2.5 samples, rounded up


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"test_size": 0.0}, "fraction between 0 and 1"),
        ({"test_size": 1.0}, "fraction between 0 and 1"),
        ({"test_size": Fraction(5, 4)}, "fraction between 0 and 1"),
        ({"test_size": 10}, "both parts need at least one"),
        ({"y": np.arange(9)}, "same number of samples"),
        ({"X": [[1, 2], [3]] * 5}, "X must be an array or rows of equal length"),
        ({"seed": -1}, r"seed must be an int >= 0"),
    ],
)
def test_train_test_split_refuses_what_cannot_be_split(arguments, words):
    arguments = {"X": np.arange(10), "y": np.arange(10), **arguments}
    with pytest.raises(ValueError, match=words):
        train_test_split(**arguments)


@pytest.mark.parametrize(
    ("make", "arguments"),
    [
        (make_circles, {"factor": 1.0}),
        (make_circles, {"noise": float("inf")}),
        (make_xor, {"noise": -0.1}),
        (make_spirals, {"classes": 1}),
        (make_spirals, {"n_samples": 2, "classes": 3}),
    ],
)
def test_bad_generator_arguments(make, arguments):
    with pytest.raises(ValueError):
        make(**arguments)
