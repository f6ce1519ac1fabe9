"""compile_function: a branching function of Values, compiled per branch, equals the engine row by
row, on single samples and on batches whose rows take different branches."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, compile_function

# These tests are about the batch code too: small batches run it (see conftest.py).
pytestmark = pytest.mark.usefixtures("batch_code_for_every_batch")


def make_fn(w: Value, v: Value):
    """Three branches: one reads both inputs and w, one w and v, one a domain only it may take."""

    def fn(x: Value, y: Value) -> tuple[Value, Value]:
        h = w * x
        if h > 1:
            out = (h - 1).log() * y  # the log's domain is guarded by the branch
        elif h > 0:
            out = h * y
        else:
            out = (0.01 * h).exp() * v
        return out * out, out

    return fn


def engine_rows(fn, parameters: list[Value], data: np.ndarray):
    """The engine, row by row: each row's outputs and gradients."""
    rows = []
    for sample in data.tolist():
        for p in parameters:
            p.zero_grad()
        loss, out = fn(*(Value(x) for x in sample))
        loss.backward()
        rows.append(((loss.data, out.data), [p.grad for p in parameters]))
    return rows


def test_one_sample_on_each_branch_gives_the_engines_floats():
    w, v = Value(0.5, label="w"), Value(2.0, label="v")
    fn = make_fn(w, v)
    compiled = compile_function(fn, parameters=[w, v])
    samples = [[3.0, 2.0], [1.0, -1.0], [-1.0, 4.0], [5.0, 1.0], [0.5, 0.5]]
    for sample, (outputs, grads) in zip(samples, engine_rows(fn, [w, v], np.array(samples))):
        assert compiled(sample) == (outputs, tuple(grads))
    assert len(compiled.branches) == 3  # one per branch, each traced once


@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_a_mixed_batch_equals_the_engine_row_by_row(reduction):
    w, v = Value(0.5, label="w"), Value(2.0, label="v")
    fn = make_fn(w, v)
    compiled = compile_function(fn, parameters=[w, v])
    data = np.random.default_rng(0).uniform(-6, 6, size=(300, 2))
    expected = engine_rows(fn, [w, v], data)
    (losses, outs), grads = compiled(data, reduction=reduction)
    assert losses.tolist() == pytest.approx([e[0][0] for e in expected], rel=1e-12)
    assert outs.tolist() == pytest.approx([e[0][1] for e in expected], rel=1e-12)
    per_sample = np.array([e[1] for e in expected])
    if reduction == "none":  # sample by sample: the engine's floats
        assert grads.tolist() == per_sample.tolist()
        assert losses.tolist() == [e[0][0] for e in expected]
    else:
        for j in range(2):
            total = math.fsum(per_sample[:, j])
            magnitude = np.abs(per_sample[:, j]).sum()
            if reduction == "mean":
                total, magnitude = total / len(data), magnitude / len(data)
            assert abs(grads[j] - total) <= 1e-12 * magnitude
    assert len(compiled.branches) == 3


def test_a_parameter_a_branch_does_not_read_gets_no_gradient_from_its_rows():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    compiled = compile_function(lambda x: a * x if x > 0 else b * x, parameters=[a, b])
    assert compiled([1.5]) == ((3.0,), (1.5, 0.0))
    assert compiled([-1.5]) == ((-4.5,), (0.0, -1.5))
    (outputs,), grads = compiled(np.array([[1.0], [-2.0], [4.0]]))
    assert outputs.tolist() == [2.0, -6.0, 8.0]
    assert grads.tolist() == [5.0, -2.0]


def test_the_parameters_current_data_are_read_at_each_call():
    w = Value(1.0, label="w")
    compiled = compile_function(lambda x: w * x if w > 0 else -w * x, parameters=[w])
    assert compiled([2.0]) == ((2.0,), (2.0,))
    w.data = -3.0  # another branch: traced again
    assert compiled([2.0]) == ((6.0,), (-2.0,))
    assert len(compiled.branches) == 2


def test_a_sample_of_another_width_is_refused():
    compiled = compile_function(lambda x, y: x * y)
    compiled([1.0, 2.0])
    with pytest.raises(ValueError, match="takes 2 inputs per sample"):
        compiled([1.0])


def test_the_generated_code_names_the_functions_arguments():
    w = Value(1.0, label="w")
    compiled = compile_function(lambda speed: w * speed if speed > 0 else w, parameters=[w])
    compiled([2.0])
    assert "def forward_backward(speed, w):" in compiled.branches[0].graph.source


@settings(max_examples=30)
@given(
    weights=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    rows=st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=12),
)
def test_max_and_chained_comparisons_in_a_function_equal_the_engine(weights, rows):
    parameters = [Value(p) for p in weights]
    w1, w2, w3 = parameters

    def fn(x: Value, y: Value) -> Value:
        a, b = w1 * x, w2 * y
        m = max(a, b)
        return m * w3 if -1 < m < 1 else m + w3

    compiled = compile_function(fn, parameters=parameters)
    data = np.array(rows, dtype=float)
    expected = engine_rows(lambda x, y: (fn(x, y), fn(x, y)), parameters, data)
    (losses,), grads = compiled(data, reduction="none")
    assert losses.tolist() == [e[0][0] for e in expected]  # exact: sample by sample
    assert grads.tolist() == [e[1] for e in expected]
    (losses,), _ = compiled(data)
    assert losses.tolist() == pytest.approx([e[0][0] for e in expected], rel=1e-12, abs=1e-300)


def test_a_comparison_of_an_undeclared_value_is_refused():
    w, threshold = Value(1.0, label="w"), Value(0.5, label="threshold")
    compiled = compile_function(lambda x: w * x if threshold > 0 else x, parameters=[w])
    with pytest.raises(ValueError, match="declare it in parameters="):
        compiled([1.0])
