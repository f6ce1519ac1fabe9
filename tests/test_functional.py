"""jacobian, hessian, hvp, vjp (reverse mode) and jvp (forward mode): hand formulas, central finite
differences over random functions of several inputs, and the identities that tie them together."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from doc_examples import block_with
from engine_reference import assert_matches_difference, central_difference, reals
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import GRAPH_OPERATIONS, MATH, plain_magnitude, programs

import autograd
from autograd import Value, hessian, hvp, jacobian, jvp, vjp

# The registered functions work on Values (jacobian, hessian), on the numbers forward mode pushes
# through f (jvp) and on floats, so one namespace serves every mode.
REGISTERED = SimpleNamespace(
    exp=autograd.exp,
    log=autograd.log,
    sqrt=autograd.sqrt,
    tanh=autograd.tanh,
    sigmoid=autograd.sigmoid,
    sin=autograd.sin,
    cos=autograd.cos,
)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock_hessian(x, y):
    return np.array([[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200.0]])


# ---------------------------------------------------------------------- hand formulas
def test_jacobian_is_outputs_by_inputs():
    x, y = 2.0, 3.0
    J = jacobian(lambda x, y: [x * y, x + y, x.sin()], [x, y])
    assert J.dtype == np.float64
    np.testing.assert_allclose(J, [[y, x], [1.0, 1.0], [math.cos(x), 0.0]], rtol=1e-15)


def test_jacobian_of_one_value_is_one_row():
    J = jacobian(lambda x, y, z: x * y * z, [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(J, [[12.0, 8.0, 6.0]])


def test_jacobian_row_of_an_output_that_ignores_an_input_is_zero_there():
    np.testing.assert_array_equal(jacobian(lambda x, y: [x, 3 * x], [1.0, 5.0]), [[1, 0], [3, 0]])


def test_hessian_of_rosenbrock():
    H = hessian(rosenbrock, [0.5, -1.0])
    np.testing.assert_allclose(H, rosenbrock_hessian(0.5, -1.0), rtol=1e-14)


def test_hessian_of_a_linear_function_is_zero():
    np.testing.assert_array_equal(hessian(lambda x, y: 3 * x - y, [1.0, 2.0]), np.zeros((2, 2)))


def test_hvp_of_rosenbrock_is_its_hessian_times_v():
    v = [0.3, -2.0]
    np.testing.assert_allclose(
        hvp(rosenbrock, [0.5, -1.0], v), rosenbrock_hessian(0.5, -1.0) @ v, rtol=1e-14
    )


def test_vjp_is_v_times_the_jacobian():
    def f(x, y):
        return [x * y, x + y, x.sin()]

    np.testing.assert_allclose(
        vjp(f, [2.0, 3.0], [1.0, -1.0, 2.0]),
        np.array([1.0, -1.0, 2.0]) @ np.array([[3, 2], [1, 1], [math.cos(2.0), 0]]),
        rtol=1e-15,
    )


def test_vjp_of_one_output_takes_a_lone_number():
    np.testing.assert_array_equal(vjp(lambda x, y: x * y, [2.0, 3.0], 2.0), [6.0, 4.0])
    np.testing.assert_array_equal(vjp(lambda x, y: x * y, [2.0, 3.0], [2.0]), [6.0, 4.0])


def test_jvp_gives_the_outputs_and_their_derivatives_along_the_tangents():
    outputs, derivatives = jvp(lambda x, y: [x * y, x.sin(), 2**x, x**y], [2.0, 3.0], [1.0, 0.5])
    np.testing.assert_allclose(outputs, [6.0, math.sin(2.0), 4.0, 8.0], rtol=1e-15)
    expected = [3 + 0.5 * 2, math.cos(2.0), 4 * math.log(2), 3 * 4 + 0.5 * 8 * math.log(2)]
    np.testing.assert_allclose(derivatives, expected, rtol=1e-15)


def test_jvp_of_every_operator_and_method_matches_the_jacobian():
    def f(x, y):
        return [
            x + y,
            1 + x,
            x - y,
            1 - x,
            x * 2,
            2 * x,
            x / y,
            1 / x,
            x**2,
            2**x,
            x**y,
            -x,
            +x,
            abs(-x),
            x.exp(),
            x.log(),
            x.sqrt(),
            x.tanh(),
            x.sigmoid(),
            x.relu(),
            x.sin(),
            x.cos(),
            autograd.step(x) + x,
            autograd.sign(x) * x,
            np.float64(2.0) * x,
        ]

    point, tangents = [0.7, 1.3], [0.25, -1.5]
    outputs, derivatives = jvp(f, point, tangents)
    np.testing.assert_allclose(derivatives, jacobian(f, point) @ tangents, rtol=1e-14)
    leaves = [Value(x) for x in point]
    np.testing.assert_array_equal(outputs, [output.data for output in f(*leaves)])


def test_jvp_treats_a_value_met_inside_f_as_a_constant():
    w = Value(3.0)
    _, (derivative,) = jvp(lambda x: w * x + x * w + w ** autograd.exp(x), [0.0], [1.0])
    assert derivative == pytest.approx(6.0 + 3.0 * math.log(3.0))


def test_jvp_skips_operands_that_do_not_move():
    # d(x ** y)/dy needs log(x), undefined at x < 0; along x alone it is not needed.
    _, (derivative,) = jvp(lambda x, y: x**y, [-2.0, 3.0], [1.0, 0.0])
    assert derivative == 12.0
    with pytest.raises(ValueError, match=r"jvp through '\*\*' at operands -2.0, 3.0"):
        jvp(lambda x, y: x**y, [-2.0, 3.0], [1.0, 1.0])


def test_jvp_names_an_undefined_derivative():
    with pytest.raises(ZeroDivisionError, match=r"jvp through 'sqrt' at operands 0\.0"):
        jvp(lambda x: x.sqrt(), [0.0], [1.0])


def test_jvp_keeps_the_domain_errors_of_the_forward_rule():
    with pytest.raises(ValueError, match=r"log of -1\.0"):
        jvp(lambda x: x.log(), [-1.0], [1.0])


def test_jvp_refuses_what_is_no_number():
    with pytest.raises(TypeError, match="unsupported operand"):
        jvp(lambda x: x + "a", [1.0], [1.0])
    with pytest.raises(TypeError, match="an operand of \\*\\* in jvp"):
        jvp(lambda x: autograd.OPERATIONS["**"].function(x, [2]), [1.0], [1.0])


def test_every_function_takes_a_numpy_vector():
    point = np.array([0.5, -1.0])
    np.testing.assert_allclose(hessian(rosenbrock, point), rosenbrock_hessian(0.5, -1.0))
    assert jvp(rosenbrock, point, np.array([1.0, 0.0]))[1][0] == pytest.approx(
        jacobian(rosenbrock, point)[0, 0]
    )


# ---------------------------------------------------------------------- errors
ALL = {
    "jacobian": lambda f, x: jacobian(f, x),
    "hessian": lambda f, x: hessian(f, x),
    "hvp": lambda f, x: hvp(f, x, [1.0]),
    "vjp": lambda f, x: vjp(f, x, [1.0]),
    "jvp": lambda f, x: jvp(f, x, [1.0]),
}


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("result", "message"),
    [
        (lambda x: 2.0, "f must return a Value or a non-empty list of Values .*, not float"),
        (lambda x: None, "f must return a Value .*, not NoneType"),
        (lambda x: [], "f must return a Value .*, not an empty list"),
        (lambda x: [x, 1.0], "f must return .*; output 1 is a float: 1.0"),
    ],
)
def test_a_bad_result_of_f_is_named(name, result, message):
    with pytest.raises(TypeError, match=f"{name}: {message}"):
        ALL[name](result, [1.0])


@pytest.mark.parametrize("name", ALL)
def test_empty_inputs_are_refused(name):
    with pytest.raises(ValueError, match=f"{name}: inputs is empty"):
        ALL[name](lambda: Value(1.0), [])


@pytest.mark.parametrize("name", ALL)
def test_inputs_must_be_a_list_of_numbers(name):
    with pytest.raises(TypeError, match=f"{name}: inputs must be a list, tuple or 1-D numpy"):
        ALL[name](lambda x: x, 1.0)
    with pytest.raises(TypeError, match=f"{name}: each of inputs takes .* not str"):
        ALL[name](lambda x: x, ["1"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: vjp(lambda x, y: [x, y], [1.0, 2.0], [1.0]), "vjp: v has 1 numbers, f has 2"),
        (lambda: vjp(lambda x, y: [x, y], [1.0, 2.0], 1.0), "vjp: v must be a list"),
        (lambda: hvp(lambda x, y: x * y, [1.0, 2.0], [1.0]), "hvp: v has 1 numbers, f has 2"),
        (lambda: jvp(lambda x, y: x, [1.0, 2.0], [1.0]), "jvp: tangents has 1 numbers, f has 2"),
    ],
)
def test_a_vector_of_the_wrong_length_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("name", ["hessian", "hvp"])
def test_second_order_needs_one_output(name):
    with pytest.raises(ValueError, match=f"{name} needs an f with one output .*, not 2 outputs"):
        ALL[name](lambda x: [x, x * x], [1.0])


# ---------------------------------------------------------------------- random functions
def outputs_of(steps, at, m):
    """Every intermediate result of a random program (the inputs left out), and their sum: a
    function of several inputs with several outputs that share subexpressions."""
    results = list(at)
    for name, arguments in steps:
        results.append(GRAPH_OPERATIONS[name][1](m, *[results[i] for i in arguments]))
    outputs = results[len(at) :]
    total = outputs[0]
    for output in outputs[1:]:
        total = total + output
    return [*outputs, total]


def function(steps, m=REGISTERED):
    return lambda *at: outputs_of(steps, at, m)


def reference(steps, k):
    return lambda *at: outputs_of(steps, at, MATH)[k]


@given(programs())
def test_jacobian_of_random_functions_matches_central_differences(program):
    inputs, steps = program
    magnitude = plain_magnitude(steps, inputs)
    J = jacobian(function(steps), inputs)
    assert J.shape == (len(steps) + 1, len(inputs))
    for k in range(J.shape[0]):
        for i in range(len(inputs)):
            numeric = central_difference(reference(steps, k), inputs, i)
            assert_matches_difference(J[k, i], numeric, magnitude)


@given(programs())
def test_hessian_of_random_functions_matches_differences_of_the_gradient(program):
    inputs, steps = program
    magnitude = plain_magnitude(steps, inputs)

    def total(*at):
        return function(steps)(*at)[-1]

    H = hessian(total, inputs)
    for i in range(len(inputs)):
        for j in range(len(inputs)):
            numeric = central_difference(lambda *at, i=i: jacobian(total, at)[0, i], inputs, j)
            assert_matches_difference(H[i, j], numeric, magnitude)


@given(programs())
def test_hessian_of_random_functions_is_symmetric(program):
    inputs, steps = program
    plain_magnitude(steps, inputs)
    H = hessian(lambda *at: function(steps)(*at)[-1], inputs)
    scale = 1.0 + np.abs(H).max()
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-12 * scale)


@st.composite
def program_and_vectors(draw):
    inputs, steps = draw(programs())
    tangents = draw(st.lists(reals(-2, 2), min_size=len(inputs), max_size=len(inputs)))
    weights = draw(st.lists(reals(-2, 2), min_size=len(steps) + 1, max_size=len(steps) + 1))
    return inputs, steps, tangents, weights


def assert_close(actual, expected, scale):
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12 * (1.0 + scale))


@given(program_and_vectors())
def test_jvp_is_the_jacobian_times_the_tangents(case):
    inputs, steps, tangents, _ = case
    plain_magnitude(steps, inputs)
    J = jacobian(function(steps), inputs)
    outputs, derivatives = jvp(function(steps), inputs, tangents)
    assert_close(derivatives, J @ tangents, np.abs(J).sum())
    leaves = [Value(x) for x in inputs]
    np.testing.assert_array_equal(outputs, [v.data for v in function(steps)(*leaves)])


@given(program_and_vectors())
def test_jvp_along_a_one_hot_direction_is_a_jacobian_column(case):
    inputs, steps, _, _ = case
    plain_magnitude(steps, inputs)
    J = jacobian(function(steps), inputs)
    for i in range(len(inputs)):
        one_hot = [1.0 if j == i else 0.0 for j in range(len(inputs))]
        assert_close(jvp(function(steps), inputs, one_hot)[1], J[:, i], np.abs(J).sum())


@given(program_and_vectors())
def test_vjp_is_the_weights_times_the_jacobian(case):
    inputs, steps, _, weights = case
    plain_magnitude(steps, inputs)
    J = jacobian(function(steps), inputs)
    assert_close(vjp(function(steps), inputs, weights), np.array(weights) @ J, np.abs(J).sum())


@settings(max_examples=50)
@given(program_and_vectors())
def test_hvp_of_random_functions_is_their_hessian_times_v(case):
    inputs, steps, tangents, _ = case
    plain_magnitude(steps, inputs)

    def total(*at):
        return function(steps)(*at)[-1]

    H = hessian(total, inputs)
    assert_close(hvp(total, inputs, tangents), H @ tangents, np.abs(H).sum())


# ---------------------------------------------------------------------- the examples' promises
def test_the_readme_example_computes_what_its_comments_say():
    namespace: dict = {}
    exec(compile(block_with("jacobian(f"), "README.md", "exec"), namespace)
    f = namespace["f"]
    x, y = 1.0, 2.0
    expected = [[y, x], [math.cos(x + y)] * 2, [math.exp(x) / y, -math.exp(x) / y**2]]
    np.testing.assert_allclose(jacobian(f, [x, y]), expected, rtol=1e-14)
    np.testing.assert_allclose(namespace["column"], [row[0] for row in expected], rtol=1e-14)
    np.testing.assert_array_equal(hessian(lambda x, y: x * x * y, [2.0, 3.0]), [[6, 4], [4, 0]])
    np.testing.assert_array_equal(hvp(lambda x, y: x * x * y, [2.0, 3.0], [1.0, 0.0]), [6, 4])


def test_the_readme_hook_example_clips():
    namespace: dict = {}
    exec(compile(block_with("register_hook"), "README.md", "exec"), namespace)
    assert namespace["w"].grad == 1.0


def test_an_output_that_does_not_depend_on_the_inputs_has_zero_derivatives_in_both_modes():
    c = Value(2.0)

    def f(x):
        return [x * 3.0, c]

    np.testing.assert_array_equal(jacobian(f, [1.0]), [[3.0], [0.0]])
    outputs, derivatives = jvp(f, [1.0], [1.0])
    np.testing.assert_array_equal(outputs, [3.0, 2.0])
    np.testing.assert_array_equal(derivatives, [3.0, 0.0])
