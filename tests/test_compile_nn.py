"""fit(..., compile=True): the same training as without compiling, with the usual optimisers."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.checks
import nn.compiled
import nn.losses
import nn.training
from autograd import GuardError
from nn import (
    MLP,
    SGD,
    Adam,
    Neuron,
    binary_cross_entropy,
    fit,
    hinge_loss,
    make_moons,
    mse_loss,
    people,
    predict,
)


def train_both(make_model, X, y, make_optimizer=lambda m: SGD(m.parameters(), lr=0.1), **options):
    """Train two identical models, with and without compile: their parameters and histories."""
    results = []
    for compile in (False, True):
        model = make_model()
        history = fit(model, X, y, optimizer=make_optimizer(model), compile=compile, **options)
        results.append(([p.data for p in model.parameters()], history))
    return results


def test_the_article_per_sample_training_is_the_same_to_the_last_bit():
    # One sample per step: the compiled code does the engine's operations in the engine's order.
    X, y = people()
    (plain, plain_history), (compiled, compiled_history) = train_both(
        lambda: MLP(2, [2, 1], seed=4), X, y, epochs=60
    )
    assert compiled == plain
    assert compiled_history == pytest.approx(plain_history, rel=1e-12)
    assert compiled_history[-1] < compiled_history[0]


@pytest.mark.parametrize(
    "loss, labels",
    [(mse_loss, "0/1"), (binary_cross_entropy, "0/1"), (hinge_loss, "-1/+1")],
)
def test_batches_shuffled_with_each_loss(loss, labels):
    X, y = make_moons(30, seed=1)
    if labels == "-1/+1":
        y = 2 * y - 1
    output = "linear" if loss is hinge_loss else "sigmoid"
    (plain, plain_history), (compiled, compiled_history) = train_both(
        lambda: MLP(2, [4, 1], "tanh", output, seed=2),
        X,
        y,
        loss=loss,
        epochs=15,
        batch_size=8,  # 30 samples: batches of 8, 8, 8 and 6, both paths of CompiledLoss
        shuffle=True,
        seed=5,
    )
    assert compiled == pytest.approx(plain, rel=1e-9, abs=1e-12)
    assert compiled_history == pytest.approx(plain_history, rel=1e-9)


def test_adam_and_a_model_with_two_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, 2, size=(12, 2)).astype(float)  # four distinct target rows
    (plain, plain_history), (compiled, compiled_history) = train_both(
        lambda: MLP(3, [3, 2], seed=1),
        X,
        y,
        epochs=10,
        batch_size=12,
        make_optimizer=lambda m: Adam(m.parameters(), lr=0.01),
    )
    assert compiled == pytest.approx(plain, rel=1e-9, abs=1e-12)
    assert compiled_history == pytest.approx(plain_history, rel=1e-9)


@pytest.mark.parametrize("batch_size", [1, 5, 40])
def test_a_regression_trains_compiled_as_it_does_uncompiled(batch_size):
    # Every target distinct: the targets are inputs of the one compiled graph.
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    (plain, plain_history), (compiled, compiled_history) = train_both(
        lambda: MLP(2, [6, 1], "tanh", "linear", seed=0),
        X,
        y,
        epochs=5,
        batch_size=batch_size,
        shuffle=True,
        seed=1,
    )
    assert len(set(y.tolist())) == 40
    assert compiled == pytest.approx(plain, rel=1e-12, abs=1e-15)
    assert compiled_history == pytest.approx(plain_history, rel=1e-12)
    assert compiled_history[-1] < compiled_history[0]


def test_a_regression_with_two_outputs_compiles_one_graph():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(16, 3))
    Y = np.column_stack([X.sum(axis=1), X[:, 0] * X[:, 1]])
    model = MLP(3, [5, 2], "tanh", "linear", seed=2)
    compiled = nn.compiled.CompiledLoss(model, mse_loss, X.tolist(), Y.tolist())
    assert [value.label for value in compiled.graph.inputs][-2:] == ["y_true0", "y_true1"]
    rows = compiled.rows(X.tolist(), Y.tolist())
    assert rows.shape == (16, 5)
    value, outputs, grads = compiled.run(rows)
    expected = nn.training.batch_loss(model, mse_loss, X.tolist(), Y.tolist())
    expected.backward()
    assert value == pytest.approx(expected.data, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-12, abs=1e-15)
    assert outputs.shape == (16, 2)


def test_targets_are_checked_once_before_compiling():
    X, y = make_moons(20, seed=0)
    with pytest.raises(ValueError, match=r"y_true\[\d+\] = 0.0 must be -1 or \+1"):
        fit(MLP(2, [3, 1], seed=0), X, y, loss=hinge_loss, epochs=1, compile=True)
    y = y.copy()
    y[7] = 1.5
    with pytest.raises(ValueError, match=r"y_true\[7\] = 1.5 is not in \[0, 1\]"):
        fit(MLP(2, [3, 1], seed=0), X, y, loss=binary_cross_entropy, epochs=1, compile=True)


def test_a_loss_that_is_not_a_mean_over_samples_is_refused():
    def summed_squares(y_true, y_pred):
        total = 0.0
        for t, p in zip(y_true, y_pred):
            total = total + (t - p) ** 2
        return total

    X, y = people()
    with pytest.raises(ValueError, match="mean of per-sample losses"):
        fit(MLP(2, [2, 1], seed=0), X, y, loss=summed_squares, epochs=1, compile=True)


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize(
    "X",
    [
        [[-800.0], [50.0], [-0.2], [0.1]],  # a saturated prediction comes first for its target
        [[0.1], [-0.2], [50.0], [-800.0]],  # ... or after an unsaturated one
    ],
)
def test_bce_of_saturated_predictions_is_the_same_compiled(X, batch_size):
    # sigmoid(50) is exactly 1 and sigmoid(-800) exactly 0: log(1 - p) and log(p) hit the floor
    # of -100 for these samples, and the compiled loss must floor them the same way.
    y = [1.0, 0.0, 0.0, 1.0]
    (plain, plain_history), (compiled, compiled_history) = train_both(
        lambda: Neuron(1, weights=[1.0], bias=0.0),
        X,
        y,
        loss=binary_cross_entropy,
        epochs=3,
        batch_size=batch_size,
    )
    assert np.isfinite(plain_history).all()
    assert compiled == pytest.approx(plain, rel=1e-12, abs=1e-15)
    assert compiled_history == pytest.approx(plain_history, rel=1e-12)


def test_training_and_compiling_share_one_definition_of_their_type_aliases():
    assert nn.training.Loss is nn.compiled.Loss is nn.losses.Loss
    assert nn.training.Row is nn.compiled.Row is nn.checks.Row


class HandWrittenLeaky(nn.Module):
    """A model of a user's own that branches on a comparison: a leaky relu written with `if`."""

    def __init__(self) -> None:
        self.nin = 1
        self.inner = Neuron(1, weights=[1.0], bias=0.0, activation="linear")

    def named_parameters(self):
        return self.inner.named_parameters()

    def __call__(self, x):
        h = self.inner(x)
        return h if h > 0 else 0.01 * h


def test_a_model_that_branches_is_never_silently_wrong_compiled():
    model = HandWrittenLeaky()
    X = np.array([[1.0], [2.0], [-3.0]])  # traced on the first sample, h > 0; the last has h < 0
    y = np.zeros(3)
    with pytest.raises(GuardError, match="takes another branch than the trace"):
        fit(model, X, y, epochs=1, batch_size=3, compile=True)
    with pytest.raises(GuardError):
        predict(model, X, compile=True)
    # Uncompiled, each sample takes its own branch.
    assert fit(model, X, y, epochs=1, batch_size=3, progress=False)
