"""Higher-order gradients (``create_graph=True``) and `autograd.grad`: second derivatives against
finite differences of the first, every derivative up to the third against hand formulas."""

import math

import pytest
from engine_reference import (
    ALL_CASES,
    assert_matches_difference,
    case_id,
    central_difference,
    engine_derivative,
    exact,
    orderings,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import ENGINE, plain_magnitude, programs, run

import autograd
from autograd import Value


def first_derivative_by_backward(fn, index):
    """d fn / d input[index] as a float function of the inputs, from an ordinary backward."""

    def derivative(*at):
        leaves = [Value(x) for x in at]
        fn(*leaves).backward()
        return leaves[index].grad

    return derivative


# ---------------------------------------------------------------------- every operation
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=25)
@given(data=st.data())
def test_every_derivative_up_to_the_third_matches_the_hand_formula(case, data):
    point = data.draw(case.points())
    for key, formula in case.partials.items():
        expected = formula(*point)
        for order in orderings(key):
            assert engine_derivative(case, point, order) == exact(expected), order


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=25)
@given(data=st.data())
def test_second_derivatives_match_finite_differences_of_the_first(case, data):
    point = data.draw(case.points())
    for i, first_name in enumerate(case.names):
        first = first_derivative_by_backward(case.fn, i)
        for j, second_name in enumerate(case.names):
            analytic = engine_derivative(case, point, first_name + second_name)
            numeric = central_difference(first, point, j)
            assert_matches_difference(analytic, numeric, magnitude=abs(first(*point)))


@settings(max_examples=60)
@given(program=programs())
def test_second_derivatives_of_random_graphs_match_finite_differences_of_the_first(program):
    inputs, steps = program
    magnitude = plain_magnitude(steps, inputs)

    def output(*at):
        return run(steps, at, ENGINE)[1]

    leaves = [Value(x) for x in inputs]
    firsts = autograd.grad(output(*leaves), leaves, create_graph=True)
    for i, first in enumerate(firsts):
        seconds = autograd.grad(first, leaves)
        for j, second in enumerate(seconds):
            numeric = central_difference(first_derivative_by_backward(output, i), inputs, j)
            assert_matches_difference(second, numeric, magnitude)


# ---------------------------------------------------------------------- backward(create_graph)
def test_backward_with_create_graph_gives_values_that_differentiate_again():
    # y = x**4 at x = 2: y' = 4x**3 = 32, y'' = 12x**2 = 48, y''' = 24x = 48.
    x = Value(2.0)
    y = x**4
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    assert first.data == 32.0
    x.zero_grad()
    first.backward(create_graph=True)
    second = x.grad
    assert isinstance(second, Value)
    assert second.data == 48.0
    x.zero_grad()
    second.backward()
    assert x.grad == 48.0


def test_create_graph_gives_intermediate_values_value_gradients_too():
    x = Value(1.5)
    h = x.sin()
    y = h * h
    y.backward(create_graph=True)
    assert isinstance(h.grad, Value)
    assert h.grad.data == exact(2 * math.sin(1.5))
    assert isinstance(y.grad, Value)


def test_a_value_seed_with_create_graph_is_differentiated_through():
    # backward(gradient=s) with s = x gives x.grad = x * d(x**2)/dx = 2 x**2: its derivative is 4x.
    x = Value(3.0)
    (x**2).backward(x, create_graph=True)
    first = x.grad
    assert first.data == 18.0
    (second,) = autograd.grad(first, x)
    assert second == 12.0


def test_mixed_second_derivatives_of_a_two_input_function():
    # f = x**2 y + sin(x y) at (1, 2), by hand:
    # f_xx = 2y - y**2 sin(xy), f_xy = 2x + cos(xy) - xy sin(xy), f_yy = -x**2 sin(xy).
    x, y = Value(1.0), Value(2.0)
    f = x**2 * y + (x * y).sin()
    fx, fy = autograd.grad(f, [x, y], create_graph=True)
    fxx, fxy = autograd.grad(fx, [x, y])
    fyx, fyy = autograd.grad(fy, [x, y])
    s, c = math.sin(2.0), math.cos(2.0)
    assert fxx == exact(4 - 4 * s)
    assert fxy == exact(2 + c - 2 * s)
    assert fyx == exact(2 + c - 2 * s)
    assert fyy == exact(-s)


# ---------------------------------------------------------------------- autograd.grad
def test_grad_returns_a_tuple_and_leaves_every_grad_untouched():
    a, b = Value(2.0), Value(3.0)
    a.grad = 100.0  # an earlier, unrelated gradient must survive
    h = a * b
    y = h + a
    result = autograd.grad(y, [a, b])
    assert result == (4.0, 2.0)
    assert type(result) is tuple
    assert all(type(g) is float for g in result)
    assert (a.grad, b.grad, h.grad, y.grad) == (100.0, 0.0, 0.0, 0.0)


def test_grad_with_create_graph_leaves_grad_untouched_too():
    x = Value(2.0)
    y = x**3
    (g,) = autograd.grad(y, [x], create_graph=True)
    assert isinstance(g, Value)
    assert g.data == 12.0
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_grad_gives_zero_for_an_input_the_output_does_not_use():
    x, unused = Value(2.0), Value(5.0)
    assert autograd.grad(x * x, [x, unused]) == (4.0, 0.0)
    _, with_graph = autograd.grad(x * x, [x, unused], create_graph=True)
    assert with_graph.data == 0.0


def test_grad_of_a_single_value_is_a_one_tuple():
    x = Value(3.0)
    assert autograd.grad(x * x, x) == (6.0,)


def test_grad_with_respect_to_an_intermediate_value():
    x = Value(3.0)
    h = x * x
    y = h.sin()
    (dy_dh,) = autograd.grad(y, [h])
    assert dy_dh == exact(math.cos(9.0))


def nth_derivative(f, at: float, n: int) -> float:
    x = Value(at)
    derivative = f(x)
    for _ in range(n):
        (derivative,) = autograd.grad(derivative, x, create_graph=True)
    return derivative.data if isinstance(derivative, Value) else derivative


@pytest.mark.parametrize(
    ("f", "n", "expected"),
    [
        (lambda x: x**2, 3, 0.0),  # 2, then 0: never a ** -1 at 0
        (lambda x: x**3, 3, 6.0),
        (lambda x: x**3, 4, 0.0),
        (lambda x: x**0, 1, 0.0),
        (lambda x: x**1, 1, 1.0),
    ],
)
def test_powers_at_zero_have_every_derivative(f, n, expected):
    assert nth_derivative(f, 0.0, n) == expected


def test_a_value_exponent_of_zero_keeps_its_own_derivative():
    x, y = Value(2.0), Value(0.0)
    dx, dy = autograd.grad(x**y, [x, y])
    assert dx == 0.0
    assert dy == pytest.approx(math.log(2.0))
