"""Losses: values against their formulas, gradients against finite differences, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import binary_cross_entropy, hinge_loss, mse_loss


def test_the_article_mse():
    assert mse_loss([1, 0, 0, 1], [0, 0, 0, 0]).data == 0.5
    assert mse_loss(np.array([1, 0, 0, 1]), np.array([0, 0, 0, 0])).data == 0.5


@settings(max_examples=50)
@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=6))
def test_mse_is_the_mean_of_squared_errors_and_its_gradient(pairs):
    targets = [t for t, _ in pairs]
    predictions = [Value(p) for _, p in pairs]
    loss = mse_loss(targets, predictions)
    n = len(pairs)
    assert loss.data == pytest.approx(sum((t - p) ** 2 for t, p in pairs) / n, rel=1e-12, abs=1e-12)
    loss.backward()
    for (t, p), prediction in zip(pairs, predictions, strict=True):
        # d/dp of the mean of (t - p) ** 2 is 2 (p - t) / n
        assert prediction.grad == pytest.approx(2 * (p - t) / n, rel=1e-12, abs=1e-12)


def test_bce_values_and_gradient():
    p = Value(0.8)
    loss = binary_cross_entropy([1.0], [p])
    assert loss.data == pytest.approx(-math.log(0.8))
    loss.backward()
    assert p.grad == pytest.approx(-1 / 0.8)
    q = Value(0.3)
    loss = binary_cross_entropy([0.25], [q])
    assert loss.data == pytest.approx(-(0.25 * math.log(0.3) + 0.75 * math.log(0.7)))
    loss.backward()
    assert q.grad == pytest.approx(-(0.25 / 0.3 - 0.75 / 0.7))


@pytest.mark.parametrize(("target", "prediction"), [(1, 0.0), (0, 1.0), (1, 1.0), (0, 0.0)])
def test_bce_is_finite_for_predictions_of_exactly_zero_or_one(target, prediction):
    p = Value(prediction)
    loss = binary_cross_entropy([target], [p])
    assert math.isfinite(loss.data)
    assert loss.data == (100.0 if target != prediction else 0.0)
    loss.backward()
    assert math.isfinite(p.grad)


def test_bce_from_a_saturated_sigmoid():
    z = Value(-50.0)
    loss = binary_cross_entropy([1], [z.sigmoid()])
    assert loss.data == pytest.approx(50.0)  # -log(sigmoid(-50)), not yet clamped
    z = Value(-800.0)
    assert binary_cross_entropy([1], [z.sigmoid()]).data == 100.0


def test_hinge_values_and_gradient():
    scores = [Value(0.5), Value(-2.0), Value(3.0)]
    loss = hinge_loss([1, 1, -1], scores)
    assert loss.data == pytest.approx((0.5 + 3.0 + 4.0) / 3)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([-1 / 3, -1 / 3, 1 / 3])
    assert hinge_loss([1, -1], [2.0, -1.0]).data == 0.0


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, hinge_loss])
def test_losses_return_values_and_accept_single_samples(loss):
    result = loss(1, Value(0.5))
    assert isinstance(result, Value)
    assert result.data == loss([1], [0.5]).data


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, hinge_loss])
def test_mismatched_and_empty_inputs_raise(loss):
    with pytest.raises(ValueError, match="y_true has 2 values but y_pred has 3"):
        loss([1, 1], [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="at least one sample"):
        loss([], [])
    with pytest.raises(TypeError, match=r"y_pred\[1\] must be a number"):
        loss([1, 1], [0.5, "a"])
    with pytest.raises(TypeError, match="must be a list"):
        loss({1: 1}, [0.5])
    with pytest.raises(ValueError, match="1-D"):
        loss(np.ones((2, 1)), [0.5, 0.5])


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, hinge_loss])
def test_complex_and_bool_samples_are_refused_not_cut_to_their_real_part(loss):
    with pytest.raises(TypeError, match=r"y_true\[0\] must be a number.*complex128"):
        loss([np.complex128(1 + 0.5j)], [0.5])
    with pytest.raises(TypeError, match=r"y_pred\[1\] must be a number.*complex"):
        loss([1, 1], [0.5, 0.5 + 0j])
    with pytest.raises(TypeError, match=r"y_pred\[0\] must be a number.*bool"):
        loss([1], [np.bool_(True)])
    with pytest.raises(TypeError, match="must be a list"):
        loss(np.complex64(1), 0.5)


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, hinge_loss])
def test_swapped_arguments_are_caught(loss):
    # loss(y_pred, y_true): the model's Values land among the targets, the numbers among the
    # predictions.
    predictions = [Value(0.5), Value(0.25)]
    with pytest.raises(TypeError, match=r"order is loss\(y_true, y_pred\)"):
        loss(predictions, np.array([1.0, 1.0]))
    with pytest.raises(TypeError, match="order is loss"):
        loss(Value(0.5), 1)


@pytest.mark.parametrize(
    ("loss", "targets", "d_target"),
    [
        (mse_loss, [0.3, -2.0, 1.0], lambda t, p: 2 * (t - p)),
        (binary_cross_entropy, [0.0, 0.25, 1.0], lambda t, p: -(math.log(p) - math.log(1 - p))),
        (hinge_loss, [1, -1, 1], lambda t, p: -p if 1 - t * p > 0 else 0.0),
    ],
)
def test_targets_may_be_values_leaves_of_the_graph(loss, targets, d_target):
    # What compiling needs: the same loss, and gradients that reach the targets too.
    scores = [0.2, 0.7, 0.9]
    as_values = [Value(float(t)) for t in targets]
    value = loss(as_values, [Value(p) for p in scores])
    assert value.data == loss(targets, scores).data
    value.backward()
    expected = [d_target(t, p) / 3 for t, p in zip(targets, scores, strict=True)]
    assert [t.grad for t in as_values] == pytest.approx(expected, rel=1e-12, abs=1e-15)
