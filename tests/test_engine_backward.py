"""The backward pass: first derivatives of every operation and of random graphs, against hand
formulas and central finite differences; accumulation, seeds, and a very deep graph."""

import math
import sys

import numpy as np
import pytest
from engine_reference import (
    ALL_CASES,
    assert_matches_difference,
    case_id,
    central_difference,
    exact,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import ENGINE, plain_magnitude, programs, reference_output, run

import autograd
from autograd import Value


# ---------------------------------------------------------------------- every operation
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=40)
@given(data=st.data())
def test_gradient_of_each_operation_matches_formula_and_finite_differences(case, data):
    point = data.draw(case.points())
    leaves = [Value(x) for x in point]
    out = case.fn(*leaves)
    out.backward()

    def forward(*at):
        return case.fn(*[Value(x) for x in at]).data

    for index, (name, leaf) in enumerate(zip(case.names, leaves)):
        assert type(leaf.grad) is float
        assert leaf.grad == exact(case.partials[name](*point))
        numeric = central_difference(forward, point, index)
        assert_matches_difference(leaf.grad, numeric, magnitude=abs(out.data))


# ---------------------------------------------------------------------- random graphs
@settings(max_examples=150)
@given(program=programs())
def test_random_graphs_with_reused_subexpressions_match_finite_differences(program):
    inputs, steps = program
    magnitude = plain_magnitude(steps, inputs)
    leaves = [Value(x) for x in inputs]
    _, output = run(steps, leaves, ENGINE)
    output.backward()
    for index, leaf in enumerate(leaves):
        numeric = central_difference(reference_output(steps), inputs, index)
        assert_matches_difference(leaf.grad, numeric, magnitude)


@settings(max_examples=60)
@given(program=programs())
def test_grad_and_backward_agree_on_random_graphs(program):
    inputs, steps = program
    plain_magnitude(steps, inputs)
    leaves = [Value(x) for x in inputs]
    _, output = run(steps, leaves, ENGINE)
    by_grad = autograd.grad(output, leaves)
    output.backward()
    # A leaf listed twice in `inputs` is the same object; both routes must give the same float.
    assert by_grad == tuple(leaf.grad for leaf in leaves)


# ---------------------------------------------------------------------- exact examples
def test_a_value_used_twice():
    # b = a + a = 2a, c = b * b = 4a**2: dc/da = 8a, dc/db = 2b.
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    assert c.data == 36.0
    assert a.grad == 24.0
    assert b.grad == 12.0
    assert c.grad == 1.0


def test_a_diamond():
    # y = (2x)(x + 1) = 2x**2 + 2x: dy/dx = 4x + 2; the two branches meet again at y.
    x = Value(3.0)
    left = x * 2
    right = x + 1
    y = left * right
    y.backward()
    assert x.grad == 14.0
    assert left.grad == 4.0
    assert right.grad == 6.0


def test_intermediate_values_hold_the_derivative_of_the_output_with_respect_to_them():
    # c = ab, d = c + a, e = d**2 with a = 2, b = 3: de/dd = 2d = 16, de/dc = 16,
    # de/da = 16 b + 16 = 64, de/db = 16 a = 32.
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    e = d * d
    e.backward()
    assert (e.grad, d.grad, c.grad) == (1.0, 16.0, 16.0)
    assert (a.grad, b.grad) == (64.0, 32.0)


def test_the_article_example_neuron():
    # The article's neuron: weights (0, 1), bias 4, input (2, 3); output sigmoid(7) = 0.999...
    w1, w2, b = Value(0.0), Value(1.0), Value(4.0)
    out = (w1 * 2 + w2 * 3 + b).sigmoid()
    out.backward()
    s = 1 / (1 + math.exp(-7))
    assert out.data == pytest.approx(0.9990889488055994, rel=1e-15)
    assert w1.grad == exact(2 * s * (1 - s))
    assert w2.grad == exact(3 * s * (1 - s))
    assert b.grad == exact(s * (1 - s))


def test_constants_receive_no_gradient_and_unreached_leaves_keep_zero():
    x, unused = Value(2.0), Value(5.0)
    y = 3 * x + 1
    y.backward()
    assert x.grad == 3.0
    assert unused.grad == 0.0
    assert y.parents[1] == 1.0


def test_backward_from_a_leaf_gives_one():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_abs_and_relu_have_derivative_zero_at_the_kink_like_pytorch():
    for method in (abs, Value.relu):
        x = Value(0.0)
        method(x).backward()
        assert x.grad == 0.0


def test_two_to_the_x_and_x_to_the_y():
    x = Value(3.0)
    y = 2**x
    y.backward()
    assert y.data == 8.0
    assert x.grad == exact(8 * math.log(2))

    a, b = Value(2.0), Value(3.0)
    z = a**b
    z.backward()
    assert z.data == 8.0
    assert a.grad == 12.0  # b a**(b-1)
    assert b.grad == exact(8 * math.log(2))  # a**b log a


# ---------------------------------------------------------------------- accumulation, seeds
def test_backward_twice_doubles_leaf_gradients_but_not_intermediate_ones():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    c.backward()
    assert a.grad == 48.0
    assert b.grad == 12.0
    assert c.grad == 1.0


def test_leaf_gradients_accumulate_across_different_outputs():
    x = Value(2.0)
    (x * x).backward()
    (x * 5).backward()
    assert x.grad == 4.0 + 5.0


def test_intermediate_gradients_come_from_the_latest_backward():
    x = Value(2.0)
    h = x * x
    (h * 3).backward()
    assert h.grad == 3.0
    (h * 7).backward()
    assert h.grad == 7.0
    assert x.grad == 3 * 4.0 + 7 * 4.0


def test_zero_grad_resets_a_leaf():
    x = Value(2.0)
    (x * x).backward()
    x.zero_grad()
    assert x.grad == 0.0
    (x * x).backward()
    assert x.grad == 4.0


@pytest.mark.parametrize("seed", [2.5, 2, Value(2.5)], ids=repr)
def test_the_gradient_seed_scales_every_gradient(seed):
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward(seed)
    number = seed.data if isinstance(seed, Value) else float(seed)
    assert x.grad == number * 7.0
    assert h.grad == number
    assert y.grad == number
    assert type(x.grad) is float


def test_numpy_seed_is_accepted():
    x = Value(3.0)
    (x * x).backward(np.float32(0.5))
    assert x.grad == 3.0


# ---------------------------------------------------------------------- deep graphs, order
def test_a_chain_of_a_million_operations_at_the_default_recursion_limit():
    # v = x + x + ... + x (10**6 terms): data 10**6 * x and dv/dx = 10**6, both exact in floats.
    # Each step reuses x, so x also has a million users.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default: a recursive backward could not survive this
    try:
        x = Value(0.5)
        v = x
        for _ in range(10**6 - 1):
            v = v + x
        v.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert v.data == 500_000.0
    assert x.grad == 1_000_000.0
    assert v.parents[0].grad == 1.0


def test_topological_order_puts_inputs_before_their_users_once_each():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = autograd.topological_order(e)
    assert order[-1] is e
    assert sorted(map(id, order)) == sorted(map(id, [a, b, c, d, e]))
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for parent in v.parents:
            if isinstance(parent, Value):
                assert position[id(parent)] < position[id(v)]
    assert [id(v) for v in autograd.topological_order(e)] == [id(v) for v in order]


@pytest.mark.parametrize("bad", [[1.0], [], 5, "x", None])
def test_topological_order_names_what_it_got_instead_of_values(bad):
    with pytest.raises(TypeError, match="topological_order takes a Value or a non-empty sequence"):
        autograd.topological_order(bad)
