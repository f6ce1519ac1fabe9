"""Several classes: softmax, log_softmax and cross_entropy against PyTorch, stable for large
logits, the same compiled and not; an MLP with several outputs trains with them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, compile_graph
from nn import (
    MLP,
    Adam,
    accuracy,
    cross_entropy,
    fit,
    load_iris,
    log_softmax,
    make_spirals,
    predict,
    softmax,
    train_test_split,
)
from nn.compiled import CompiledLoss

torch = pytest.importorskip("torch")  # the test command installs the 'torch' extra
F = torch.nn.functional

logit = st.floats(-1000, 1000, allow_nan=False)


@st.composite
def batches(draw):
    """Logits (samples x classes, some far apart) and a class id per sample."""
    n = draw(st.integers(1, 5))
    classes = draw(st.integers(2, 6))
    rows = draw(
        st.lists(st.lists(logit, min_size=classes, max_size=classes), min_size=n, max_size=n)
    )
    ids = draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n))
    return rows, ids


def torch_loss_and_gradient(rows, targets):
    logits = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(logits, torch.tensor(targets))
    loss.backward()
    return loss.item(), logits.grad.numpy()


@settings(max_examples=80, deadline=None)
@given(batches())
def test_cross_entropy_is_pytorchs_in_value_and_gradient(batch):
    rows, ids = batch
    logits = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(ids, logits)
    loss.backward()
    expected, expected_grad = torch_loss_and_gradient(rows, ids)
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    grads = np.array([[z.grad for z in row] for row in logits])
    np.testing.assert_allclose(grads, expected_grad, rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(batches(), st.data())
def test_class_probabilities_as_targets_are_pytorchs_too(batch, data):
    rows, _ = batch
    classes = len(rows[0])
    weights = data.draw(
        st.lists(
            st.lists(st.floats(0.01, 1), min_size=classes, max_size=classes),
            min_size=len(rows),
            max_size=len(rows),
        )
    )
    probabilities = [[w / sum(row) for w in row] for row in weights]
    logits = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(probabilities, logits)
    loss.backward()
    expected_logits = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(expected_logits, torch.tensor(probabilities, dtype=torch.float64))
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    grads = np.array([[z.grad for z in row] for row in logits])
    np.testing.assert_allclose(grads, expected_logits.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "row",
    [
        [1000.0, -1000.0, 0.0],
        [-1000.0, -1000.0],
        [3.0, 1.0, -2.0],
        [-1e308, 1e308],  # their difference overflows
        [0.0, -1.7976931348623157e308, 1.7976931348623157e308],  # the largest floats there are
    ],
)
def test_softmax_and_log_softmax_are_pytorchs_and_finite(row):
    expected = torch.tensor(row, dtype=torch.float64)
    assert [p.data for p in softmax(row)] == pytest.approx(
        torch.softmax(expected, 0).tolist(), rel=1e-12, abs=1e-300
    )
    assert [p.data for p in log_softmax(row)] == pytest.approx(
        torch.log_softmax(expected, 0).tolist(), rel=1e-12
    )
    assert sum(p.data for p in softmax(row)) == pytest.approx(1.0, rel=1e-15)


def test_extreme_logits_give_a_finite_loss_and_gradient():
    logits = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy([1], [logits])
    assert loss.data == pytest.approx(2000.0)
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([1.0, -1.0])


@pytest.mark.parametrize("compile", [False, True], ids=["engine", "compiled"])
def test_logits_whose_difference_overflows_give_pytorchs_loss_and_gradient(compile):
    # softmax is (0, 1) to the last bit: the loss of class 1 is 0 and so is its gradient; class 0
    # costs the whole difference, inf, with the gradient softmax - one_hot = (-1, 1).
    logits = [Value(-1e308, label="z0"), Value(1e308, label="z1")]
    for target, loss_value, gradient in ((1, 0.0, [0.0, 0.0]), (0, math.inf, [-1.0, 1.0])):
        loss = cross_entropy([target], [logits])
        if compile:
            (value,), grads = compile_graph(loss, [], logits)([])
        else:
            for z in logits:
                z.grad = 0.0
            loss.backward()
            value, grads = loss.data, [z.grad for z in logits]
        assert value == loss_value
        assert list(grads) == gradient


def test_2d_arrays_of_logits_and_of_class_probabilities_are_rows():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 0.2, 3.0]])
    by_hand = -np.mean([z[c] - math.log(sum(math.exp(v) for v in z)) for z, c in
                        zip(logits.tolist(), [0, 2])])  # fmt: skip
    assert cross_entropy([0, 2], logits).data == pytest.approx(by_hand, rel=1e-14)
    assert cross_entropy(np.eye(3)[[0, 2]], logits).data == pytest.approx(by_hand, rel=1e-14)


def test_the_row_maximum_is_recorded_so_a_compiled_graph_takes_each_samples_own():
    # Recorded with the largest logit first; run on samples whose largest logit is elsewhere,
    # some 1000 above the recorded one: a maximum baked in as a number would overflow exp.
    z = [Value(v, label=f"z{i}") for i, v in enumerate([5.0, 1.0, -2.0])]
    loss = cross_entropy([0], [z])
    compiled = compile_graph(loss, inputs=z, parameters=[])
    samples = [[5.0, 1.0, -2.0], [-3.0, 0.5, 2.0], [1.0, 1000.0, -1000.0], [-1000.0, -999.0, 999.5]]
    (values,), _ = compiled(np.array(samples))
    for sample, value in zip(samples, values.tolist(), strict=True):
        expected = F.cross_entropy(torch.tensor([sample], dtype=torch.float64), torch.tensor([0]))
        assert value == pytest.approx(expected.item(), rel=1e-12)
        (one,), _ = compiled(sample)
        assert one == pytest.approx(expected.item(), rel=1e-12)


def test_a_compiled_classifier_is_the_uncompiled_one_whichever_output_is_largest():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) * 3
    y = rng.integers(0, 3, size=30).astype(float)
    model = MLP(2, [4, 3], "tanh", "linear", seed=1)
    for parameter in model.layers[-1].parameters():  # outputs far apart: up to a few hundred
        parameter.data *= 60
    compiled = CompiledLoss(model, cross_entropy, X.tolist(), y.tolist())
    value, outputs, grads = compiled.run(compiled.rows(X.tolist(), y.tolist()))
    assert sorted(set(outputs.argmax(axis=1).tolist())) == [0, 1, 2]
    assert np.abs(outputs).max() > 100
    logits = [model(x) for x in X.tolist()]
    expected = cross_entropy(y.tolist(), logits)
    model.zero_grad()
    expected.backward()
    assert value == pytest.approx(expected.data, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-12, abs=1e-15)
    assert outputs == pytest.approx(np.array([[v.data for v in row] for row in logits]), rel=1e-15)


@pytest.mark.parametrize(("batch_size", "lr"), [(1, 0.005), (16, 0.05)])
def test_an_mlp_with_several_outputs_trains_with_cross_entropy_compiled_or_not(batch_size, lr):
    X, y = make_spirals(60, 3, seed=0)
    results = []
    for compile in (False, True):
        model = MLP(2, [8, 3], "tanh", "linear", seed=0, init="lecun")
        history = fit(model, X, y, loss=cross_entropy, optimizer=Adam(model.parameters(), lr=lr),
                      epochs=4, batch_size=batch_size, compile=compile)  # fmt: skip
        results.append((model.state_dict(), history))
    (plain, plain_history), (compiled, compiled_history) = results
    assert list(compiled.values()) == pytest.approx(list(plain.values()), rel=1e-9, abs=1e-12)
    assert compiled_history == pytest.approx(plain_history, rel=1e-9)
    assert compiled_history.accuracy == pytest.approx(plain_history.accuracy)
    assert compiled_history[-1] < compiled_history[0]


def test_iris_is_learned_and_judged_on_flowers_it_did_not_see():
    X, y = load_iris()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    model = MLP(4, [8, 3], "tanh", "linear", seed=0, init="lecun")
    history = fit(model, X_train, y_train, loss=cross_entropy, epochs=30, batch_size=8,
                  optimizer=Adam(model.parameters(), lr=0.02), shuffle=True, seed=0,
                  validation=(X_test, y_test), compile=True)  # fmt: skip
    assert accuracy(y_test, predict(model, X_test)) == history.val_accuracy[-1]
    assert history.val_accuracy[-1] >= 0.9


@pytest.mark.parametrize(
    ("targets", "logits", "error", "words"),
    [
        ([3], [[0.0, 1.0, 2.0]], ValueError, r"targets\[0\] = 3 is not a class id.*0 to 2"),
        ([0.5], [[0.0, 1.0]], ValueError, "is not a class id"),
        ([-1], [[0.0, 1.0]], ValueError, "is not a class id"),
        ([0, 1], [[0.0, 1.0]], ValueError, "2 samples but logits has 1"),
        ([], [], ValueError, "at least one sample"),
        ([0], [[]], ValueError, "must not be empty"),
        ([0], [Value(1.0)], TypeError, "row of logits must be a list"),
        ([[0.5, 0.7]], [[0.0, 1.0, 2.0]], ValueError, "2 class probabilities for 3 logits"),
        ([[1.5, 0.0]], [[0.0, 1.0]], ValueError, "is not a probability"),
        ([Value(1.0)], [[Value(0.0), Value(1.0)]], TypeError, "cannot pick a class"),
        ([[Value(0.0), Value(1.0)]], [[0.0, 1.0]], TypeError, "order is loss"),
        ([True], [[0.0, 1.0]], TypeError, "must be a number"),
        (
            [0, 0],
            [[1.0, 2.0], [1.0]],
            ValueError,
            r"logits\[1\] has 1 entries but logits\[0\] has 2",
        ),
        ([0], np.zeros((1, 2, 2)), ValueError, r"1-D or 2-D \(one row per sample\).*\(1, 2, 2\)"),
    ],
)
def test_bad_targets_and_logits_are_named(targets, logits, error, words):
    with pytest.raises(error, match=words):
        cross_entropy(targets, logits)


def test_a_column_of_labels_is_labels_not_scores():
    # n x 1 is one label per sample (a one-output model's predictions), not rows of scores whose
    # largest entry, always column 0, would be the label.
    assert accuracy([1, 0, 1], [[1], [0], [0]]) == pytest.approx(2 / 3)
    assert accuracy([1, 0, 1], np.array([[1.0], [0.0], [0.0]])) == pytest.approx(2 / 3)


def test_accuracy():
    assert accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert accuracy(np.array([2.0, 0.0]), np.array([[0.0, 1.0, 5.0], [3.0, 1.0, 2.0]])) == 1.0
    assert accuracy([1.0], [[0.7]]) == 0.0
    with pytest.raises(ValueError, match="one label per sample"):
        accuracy([0, 1], [0, 1, 1])
