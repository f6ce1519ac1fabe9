"""compile_graph on operations of your own: the readable source calls them by name, one sample
gives the engine's floats, and a batch uses `batch_forward` when given (each element otherwise)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from autograd import Value, compile_graph, define_op, grad, sigmoid

# These tests are about the batch code: small batches run it too (see conftest.py).
pytestmark = pytest.mark.usefixtures("batch_code_for_every_batch")


_numbers = itertools.count()


def fresh(name: str) -> str:
    return f"{name}_{next(_numbers)}_compiled"


def stable_softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def make_ops(batch_calls: list):
    """softplus with a numpy rule (that notes each call), hypot without one."""

    def softplus_array(x: np.ndarray) -> np.ndarray:
        batch_calls.append(x.shape)
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    softplus = define_op(
        fresh("softplus"),
        stable_softplus,
        lambda g, out, x: g * sigmoid(x),
        batch_forward=softplus_array,
    )
    hypot = define_op(
        fresh("hypot"),
        math.hypot,
        lambda g, out, a, b: g * a / out,
        lambda g, out, a, b: g * b / out,
    )
    return softplus, hypot


def record(softplus, hypot, x_data: float, y_data: float, w_data: float, b_data: float):
    x, y = Value(x_data, label="x"), Value(y_data, label="y")
    w, b = Value(w_data, label="w"), Value(b_data, label="b")
    prediction = hypot(softplus(w * x + b), y * w)
    prediction.label = "prediction"
    loss = (prediction - 1.0) ** 2
    loss.label = "L"
    return (x, y), (w, b), prediction, loss


def engine_run(softplus, hypot, sample, parameters):
    _, (w, b), prediction, loss = record(softplus, hypot, *sample, *parameters)
    grads = grad(loss, [w, b])
    return (loss.data, prediction.data), grads


def test_the_readable_source_calls_the_operations_by_name_and_gives_the_engines_floats():
    softplus, hypot = make_ops([])
    inputs, parameters, prediction, loss = record(softplus, hypot, 0.3, -1.2, 0.8, 0.1)
    compiled = compile_graph(
        loss, inputs=list(inputs), parameters=list(parameters), outputs=[prediction]
    )
    assert f"{softplus.__name__}(" in compiled.source
    assert f"{hypot.__name__}(" in compiled.source
    standalone: dict = {}
    exec(compile(compiled.source, "readable source", "exec"), standalone)
    for sample in [(0.3, -1.2), (2.0, 0.5), (-4.0, 3.0)]:
        expected_outputs, expected_grads = engine_run(softplus, hypot, sample, (0.8, 0.1))
        outputs, grads = compiled(list(sample))
        assert tuple(outputs) == expected_outputs
        assert tuple(grads) == expected_grads
        outputs, grads = standalone["forward_backward"](*sample, 0.8, 0.1)
        assert tuple(outputs) == expected_outputs
        assert tuple(grads) == expected_grads


def test_a_batch_uses_batch_forward_and_matches_the_engine_per_sample():
    batch_calls: list = []
    softplus, hypot = make_ops(batch_calls)
    inputs, parameters, prediction, loss = record(softplus, hypot, 0.3, -1.2, 0.8, 0.1)
    compiled = compile_graph(
        loss, inputs=list(inputs), parameters=list(parameters), outputs=[prediction]
    )
    batch = np.array([[0.3, -1.2], [2.0, 0.5], [-4.0, 3.0], [0.0, 1.0]])
    expected = [engine_run(softplus, hypot, sample, (0.8, 0.1)) for sample in batch.tolist()]
    (losses, predictions), summed = compiled(batch)
    assert batch_calls, "the batch did not use softplus's batch_forward"
    for row, (expected_outputs, _) in enumerate(expected):
        assert (losses[row], predictions[row]) == pytest.approx(expected_outputs, rel=1e-12)
    expected_sum = np.sum([grads for _, grads in expected], axis=0)
    np.testing.assert_allclose(summed, expected_sum, rtol=1e-12)
    _, per_sample = compiled(batch, reduction="none")
    for row, (_, expected_grads) in enumerate(expected):
        assert tuple(per_sample[row]) == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)


def test_a_domain_error_of_a_custom_operation_in_a_batch_names_the_sample():
    def checked_log2(x: float) -> float:
        if x <= 0:
            raise ValueError(f"log2 of {x!r}: the argument must be positive")
        return math.log2(x)

    log2 = define_op(fresh("log2"), checked_log2, lambda g, out, x: g / (x * math.log(2.0)))
    x, w = Value(2.0, label="x"), Value(1.0, label="w")
    loss = log2(x * w)
    compiled = compile_graph(loss, inputs=[x], parameters=[w])
    assert compiled([4.0])[0][0] == 2.0
    with pytest.raises(ValueError, match=r"sample 1 of the batch: .*log2 of -3\.0"):
        compiled(np.array([[4.0], [-3.0]]))
