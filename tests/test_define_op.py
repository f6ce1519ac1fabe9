"""define_op: an operation of your own is refused when malformed, and otherwise at home everywhere
a built-in one is: backward, higher-order grad, gradcheck, jvp, jacobian, drawings."""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from doc_examples import block_with
from engine_reference import exact, reals, sigmoid_derivatives
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import (
    OPERATIONS,
    GradcheckError,
    Value,
    define_op,
    grad,
    gradcheck,
    hessian,
    jacobian,
    jvp,
    sigmoid,
    to_dot,
)

_numbers = itertools.count()


def fresh(name: str) -> str:
    """A name no other test (nor the README, run in the same process) has registered."""
    return f"{name}_{next(_numbers)}_t"


def stable_softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def make_softplus():
    return define_op(fresh("softplus"), stable_softplus, lambda g, out, x: g * sigmoid(x))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------------- refusals
@pytest.mark.parametrize("taken", ["exp", "neg", "sigmoid", "step"])
def test_a_name_already_taken_is_refused(taken):
    with pytest.raises(ValueError, match=f"define_op: an operation named '{taken}'"):
        define_op(taken, math.exp, lambda g, out, x: g * out)


def test_defining_the_same_name_twice_is_refused_and_keeps_the_first():
    name = fresh("twice")
    first = define_op(name, math.sin, lambda g, out, x: g * autograd.cos(x))
    with pytest.raises(ValueError, match="exists already"):
        define_op(name, math.cos, lambda g, out, x: -g * autograd.sin(x))
    assert OPERATIONS[name].function is first
    assert first(0.0) == 0.0


@pytest.mark.parametrize("name", ["", "1st", "my op", "class", "soft-plus", 3, None])
def test_a_name_that_is_no_identifier_is_refused(name):
    with pytest.raises(ValueError, match="define_op: the name must be a Python identifier"):
        define_op(name, math.exp, lambda g, out, x: g * out)
    assert name not in OPERATIONS


@pytest.mark.parametrize("count", [0, 3])
def test_the_wrong_number_of_partials_is_refused(count):
    name = fresh("partials")
    partials = [lambda g, out, a, b: g] * count
    with pytest.raises(TypeError, match=f"needs one partial derivative per operand .*got {count}"):
        define_op(name, lambda a, b: a + b, *partials)
    assert name not in OPERATIONS


def test_forward_and_partials_must_be_functions():
    with pytest.raises(TypeError, match="forward must be callable, not float"):
        define_op(fresh("forward"), 1.0, lambda g, out, x: g)
    with pytest.raises(TypeError, match=r"partial 1 of .* is a str, not a function"):
        define_op(fresh("partial"), lambda a, b: a, lambda g, out, a, b: g, "g")


@pytest.mark.parametrize("result", [None, "1.0", 1j, True, [1.0], np.array([1.0])])
def test_a_forward_that_returns_no_real_number_is_refused_when_called(result):
    name = fresh("returns")
    broken = define_op(name, lambda x: result, lambda g, out, x: g)
    with pytest.raises(TypeError, match=f"the forward rule of '{name}' returned .* not a real"):
        broken(Value(1.0))
    with pytest.raises(TypeError, match=f"the forward rule of '{name}' returned"):
        broken(1.0)


def test_a_forward_returning_an_int_or_numpy_number_gives_a_float():
    rounded = define_op(fresh("floor"), math.floor, lambda g, out, x: 0.0)
    halved = define_op(fresh("half"), lambda x: np.float64(x / 2), lambda g, out, x: g / 2)
    assert type(rounded(Value(2.5)).data) is float
    assert rounded(2.5) == 2.0
    assert type(halved(3.0)) is float


def test_a_domain_error_of_forward_reaches_the_caller():
    def checked_log2(x):
        if x <= 0:
            raise ValueError(f"log2 of {x!r}: the argument must be positive")
        return math.log2(x)

    log2 = define_op(fresh("log2"), checked_log2, lambda g, out, x: g / (x * math.log(2)))
    with pytest.raises(ValueError, match=r"log2 of -1\.0"):
        log2(Value(-1.0))


def test_an_operand_of_no_known_kind_is_named():
    unary = make_softplus()
    with pytest.raises(TypeError, match="takes an int, a float or a numpy real scalar, not str"):
        unary("1")


# ---------------------------------------------------------------------- at home everywhere
def test_the_function_records_on_values_and_computes_on_numbers():
    softplus = make_softplus()
    x = Value(0.5)
    y = softplus(x)
    assert y.op == softplus.__name__
    assert y.parents == (x,)
    assert y.data == stable_softplus(0.5)
    assert softplus(0.5) == stable_softplus(0.5)
    assert OPERATIONS[softplus.__name__].arity == 1


def test_backward_uses_the_partial():
    softplus = make_softplus()
    x = Value(0.5)
    (softplus(x) * 3.0).backward()
    assert x.grad == exact(3.0 * logistic(0.5))


@settings(max_examples=30)
@given(reals(-6, 6))
def test_second_and_third_derivatives_come_from_the_partial_differentiated_again(at):
    # d/dx softplus = sigmoid, so the second and third derivatives are sigmoid's first two.
    softplus = make_softplus()
    first, second, _ = sigmoid_derivatives()
    x = Value(at)
    (d1,) = grad(softplus(x), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert d1.data == exact(logistic(at))
    assert d2.data == exact(first(at))
    assert d3 == exact(second(at))


def test_the_articles_deriv_sigmoid_as_the_rule_of_the_articles_sigmoid():
    # The article's derivative, written as an operation of its own, is the partial of its sigmoid:
    # derivatives of any order then come from these two rules alone.
    deriv_sigmoid = define_op(
        fresh("deriv_sigmoid"),
        lambda x: logistic(x) * (1 - logistic(x)),
        lambda g, out, x: g * out * (1 - 2 * sigmoid(x)),
    )
    article_sigmoid = define_op(fresh("sigmoid"), logistic, lambda g, out, x: g * deriv_sigmoid(x))
    first, second, third = sigmoid_derivatives()
    x = Value(0.7)
    (d1,) = grad(article_sigmoid(x), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.data, d2.data, d3) == (exact(first(0.7)), exact(second(0.7)), exact(third(0.7)))
    assert gradcheck(lambda x: article_sigmoid(x) * x, [0.7], order=2)


def binary_hypot():
    return define_op(
        fresh("hypot"),
        math.hypot,
        lambda g, out, a, b: g * a / out,
        lambda g, out, a, b: g * b / out,
    )


def test_a_binary_operation_takes_values_and_constants_on_either_side():
    hypot = binary_hypot()
    x = Value(3.0)
    for y, expected in [(hypot(x, 4.0), 0.6), (hypot(4.0, x), 0.6), (hypot(x, x), 2**0.5)]:
        (dx,) = grad(y, x)
        assert dx == exact(expected)
    assert hypot(x, 4.0).parents == (x, 4.0)
    assert hypot(3, 4) == 5.0


def test_gradcheck_of_order_two_passes_for_a_binary_operation():
    hypot = binary_hypot()
    assert gradcheck(lambda a, b: hypot(a * b, b.exp()), [0.8, -0.3], order=2)


def test_gradcheck_catches_a_wrong_partial():
    wrong = define_op(fresh("wrong"), math.sin, lambda g, out, x: g * autograd.sin(x))
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: wrong(x), [0.4])


def test_forward_mode_comes_for_free():
    hypot = binary_hypot()
    softplus = make_softplus()

    def f(a, b):
        return [hypot(a, b), softplus(a * b), hypot(2.0, softplus(b))]

    point, tangents = [3.0, 4.0], [0.5, -1.0]
    outputs, derivatives = jvp(f, point, tangents)
    np.testing.assert_allclose(derivatives, jacobian(f, point) @ tangents, rtol=1e-14)
    assert outputs[0] == 5.0
    assert derivatives[0] == pytest.approx(0.6 * 0.5 + 0.8 * -1.0)


def test_the_hessian_of_a_custom_operation():
    softplus = make_softplus()
    H = hessian(lambda a, b: softplus(a * b), [0.5, 2.0])
    s = logistic(1.0)
    ds = s * (1 - s)
    # d2/da2 = b^2 s', d2/da db = s + a b s', d2/db2 = a^2 s'
    np.testing.assert_allclose(H, [[4 * ds, s + ds], [s + ds, 0.25 * ds]], rtol=1e-12)


def test_the_drawing_names_the_operation(tmp_path):
    softplus = make_softplus()
    x = Value(0.5, label="x")
    y = softplus(x * 2.0)
    y.backward()
    assert f"label={softplus.__name__} " in to_dot(y).source
    svg = autograd.to_svg(y, tmp_path / "softplus.svg")
    assert f">{softplus.__name__}<" in svg


# ---------------------------------------------------------------------- random smooth operations
# A unary operation f(x) = a sin(b x) + c x^2 + d exp(e x), with its partial written by hand; and
# a binary one f(x, y) = a sin(x y) + b x^2 y + c exp(x - y). The same functions written with
# built-in operations are the reference.
coefficients = st.floats(-2, 2, allow_nan=False, allow_infinity=False)


def unary_op(a, b, c, d, e):
    def forward(x):
        return a * math.sin(b * x) + c * x * x + d * math.exp(e * x)

    def partial(g, out, x):
        return g * (a * b * autograd.cos(b * x) + 2 * c * x + d * e * autograd.exp(e * x))

    def reference(x):
        return a * (b * x).sin() + c * x * x + d * (e * x).exp()

    return define_op(fresh("smooth"), forward, partial), reference


def binary_op(a, b, c):
    def forward(x, y):
        return a * math.sin(x * y) + b * x * x * y + c * math.exp(x - y)

    def partial_x(g, out, x, y):
        return g * (a * y * autograd.cos(x * y) + 2 * b * x * y + c * autograd.exp(x - y))

    def partial_y(g, out, x, y):
        return g * (a * x * autograd.cos(x * y) + b * x * x - c * autograd.exp(x - y))

    def reference(x, y):
        return a * (x * y).sin() + b * x * x * y + c * (x - y).exp()

    return define_op(fresh("smooth2"), forward, partial_x, partial_y), reference


@settings(max_examples=40)
@given(st.tuples(*[coefficients] * 5), st.tuples(*[coefficients] * 3), reals(-1, 1), reals(-1, 1))
def test_random_smooth_operations_pass_gradcheck_of_order_two(unary, binary, x, y):
    f, _ = unary_op(*unary)
    h, _ = binary_op(*binary)
    assert gradcheck(lambda x, y: h(f(x), y.tanh()) + f(x * y), [x, y], order=2)


@settings(max_examples=40)
@given(st.tuples(*[coefficients] * 5), st.tuples(*[coefficients] * 3), reals(-1, 1), reals(-1, 1))
def test_random_smooth_operations_match_the_same_function_of_built_ins(unary, binary, x, y):
    f, f_reference = unary_op(*unary)
    h, h_reference = binary_op(*binary)

    def derivatives(fn):
        """Value, gradient and Hessian by reverse mode, and a third derivative."""
        leaves = [Value(x), Value(y)]
        out = fn(*leaves)
        firsts = grad(out, leaves, create_graph=True)
        seconds = [grad(first, leaves, create_graph=True) for first in firsts]
        (third,) = grad(seconds[0][1], leaves[0])
        return [
            out.data,
            *[d.data for d in firsts],
            *[d.data for row in seconds for d in row],
            third,
        ]

    custom = derivatives(lambda x, y: h(f(x), y))
    built_in = derivatives(lambda x, y: h_reference(f_reference(x), y))
    assert custom == pytest.approx(built_in, rel=1e-9, abs=1e-9)


def test_the_readme_example_gives_what_its_comments_say():
    # In a fresh process: the example's names (softplus, deriv_sigmoid) are registered once per
    # process, and tests/test_docs.py runs the same example in this one.
    script = block_with("define_op(") + "\nprint(dy.data, d2y)\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    first, second = map(float, done.stdout.split())
    assert first == exact(logistic(0.5))
    assert second == exact(sigmoid_derivatives()[0](0.5))
    assert second == pytest.approx(0.235, abs=5e-4)


# ---------------------------------------------------------------------- what would break a reader
@pytest.mark.parametrize(
    "name",
    [
        *["power", "add", "multiply", "exp", "np", "values", "t1", "g", "L", "inf", "a", "out"],
        *["coefficients", "x0", "p3", "w2", "rows4", "d_L_d_w", "kept", "GuardError"],
    ],
)
def test_a_name_the_registry_or_generated_code_uses_is_refused(name):
    with pytest.raises(ValueError, match=f"define_op: .*'{name}'"):
        define_op(name, lambda x: 42.0, lambda g, out, x: g)
    assert OPERATIONS.get(name) is None or OPERATIONS[name].forward(2.0) != 42.0


def test_a_custom_power_can_no_longer_change_compiled_powers():
    # Before: define_op("power", ...) was accepted, and every compiled x ** w then gave 42.0.
    with pytest.raises(ValueError, match="exists already"):
        define_op("power", lambda a, b: 42.0, lambda g, out, a, b: g, lambda g, out, a, b: g)
    x, w = Value(2.0, label="x"), Value(1.5, label="w")
    compiled = autograd.compile_graph(x**w, [x], [w])
    (value,), _ = compiled([2.0])
    assert value == pytest.approx(2.0**1.5)


@pytest.mark.parametrize("name", ["**", "+", "my op", "ｅｘｐ", "ｃube", "__x"])  # noqa: RUF001
def test_a_name_that_is_no_plain_identifier_is_refused(name):
    before = dict(OPERATIONS)
    with pytest.raises(ValueError, match="define_op"):
        define_op(name, lambda x: x, lambda g, out, x: g)
    assert before == OPERATIONS


def test_a_name_python_reads_as_another_says_which():
    fullwidth_c = "\uff43ube"
    with pytest.raises(ValueError, match=f"Python reads the name '{fullwidth_c}' as 'cube'"):
        define_op(fullwidth_c, lambda x: x**3, lambda g, out, x: g * 3 * x * x)


def test_partials_that_do_not_take_the_forwards_operands_are_refused():
    # The example: one partial, so one operand, but a forward of two. Accepted before.
    with pytest.raises(TypeError, match=r"'two_in\w*': forward takes \(a, b\), but with 1 partial"):
        define_op(fresh("two_in"), lambda a, b: a * b, lambda g, out, a, b: g * b)
    with pytest.raises(TypeError, match=r"partial 1 takes \(g, b\), .* called as \(g, out, a, b\)"):
        define_op(fresh("two_in"), lambda a, b: a * b, lambda g, out, a, b: g * b, lambda g, b: g)
    with pytest.raises(TypeError, match=r"partial 0 takes \(g, out\), .* called as \(g, out, a\)"):
        define_op(fresh("one_in"), lambda a: a, lambda g, out: g)


def test_a_batch_forward_that_is_not_callable_is_refused():
    with pytest.raises(TypeError, match=r"batch_forward of 'batch\w*' must be callable"):
        define_op(fresh("batch"), math.exp, lambda g, out, x: g * out, batch_forward=np.ones(3))


@pytest.mark.parametrize(
    ("partial", "words"),
    [
        (lambda g, out, x: g * math.exp(x), "autograd.exp, not math.exp"),
        (lambda g, out, x: None, "returned NoneType None"),
        (lambda g, out, x: np.array([1.0, 2.0]), "returned ndarray"),
        (lambda g, out, x: "1", "returned str"),
        (lambda g, out, x: g if x > 0 else 0.0, "no if on a value"),
    ],
    ids=["math.exp", "None", "array", "str", "if"],
)
def test_a_partial_that_cannot_run_on_values_is_refused_at_definition(partial, words):
    name = fresh("partial")
    with pytest.raises(TypeError, match=re.escape(words)):
        define_op(name, math.exp, partial)
    assert name not in OPERATIONS


def test_a_math_partial_no_longer_gives_a_silent_zero_hessian():
    # Before: g * math.exp(a) was accepted, and hessian gave 0 where the truth is e.
    with pytest.raises(TypeError):
        define_op(fresh("mexp"), math.exp, lambda g, out, a: g * math.exp(a))
    good = define_op(fresh("gexp"), math.exp, lambda g, out, a: g * autograd.exp(a))
    assert hessian(lambda a: good(a), [1.0])[0, 0] == pytest.approx(math.e)


def test_a_batch_forward_that_disagrees_with_forward_is_refused_when_compiling():
    cube = define_op(
        fresh("cube"),
        lambda x: x**3,
        lambda g, out, x: g * 3 * x * x,
        batch_forward=lambda x: x**3 + 0.5,
    )
    x, w = Value(3.0, label="x"), Value(1.0, label="w")
    with pytest.raises(
        ValueError, match=r"batch_forward of 'cube\w*' gives 27.5 where its forward"
    ):
        autograd.compile_graph(cube(w * x), [x], [w])


def test_a_batch_forward_of_the_wrong_shape_is_refused_when_compiling():
    total = define_op(
        fresh("total"), lambda x: x, lambda g, out, x: g, batch_forward=lambda x: float(x.sum())
    )
    x, w = Value(3.0, label="x"), Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"must return an array of the shape of its operands"):
        autograd.compile_graph(total(w * x), [x], [w])
