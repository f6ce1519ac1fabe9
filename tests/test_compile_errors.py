"""compile_graph refuses what it cannot compile faithfully, and the compiled code raises the
engine's domain errors, naming the generated line and, in a batch, the sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rules import with_partials

from autograd import OPERATIONS, Value, compile_graph


def small_graph():
    x0, x1 = Value(1.0, label="x0"), Value(2.0, label="x1")
    w = Value(0.5, label="w")
    loss = (w * x0 + x1).tanh()
    return loss, [x0, x1], [w]


# ---------------------------------------------------------------------- compiling
def test_arguments_must_be_values():
    loss, inputs, parameters = small_graph()
    with pytest.raises(TypeError, match="loss must be a Value"):
        compile_graph(1.0, inputs, parameters)
    with pytest.raises(TypeError, match="inputs must be a list or tuple of Values"):
        compile_graph(loss, inputs[0], parameters)
    with pytest.raises(TypeError, match=r"parameters\[0\] must be a Value, not float"):
        compile_graph(loss, inputs, [0.5])


def test_inputs_and_parameters_must_be_distinct_leaves():
    loss, (x0, x1), (w,) = small_graph()
    with pytest.raises(ValueError, match="must be leaves"):
        compile_graph(loss, [x0, x1], [w * 2])
    with pytest.raises(ValueError, match=r"'w' .* is both an input and a parameter"):
        compile_graph(loss, [x0, x1, w], [w])
    with pytest.raises(ValueError, match="the same Value appears twice in inputs"):
        compile_graph(loss, [x0, x0, x1], [w])


def test_an_undeclared_leaf_is_refused():
    # Silently freezing a forgotten parameter would train the wrong model.
    loss, (x0, x1), _ = small_graph()
    with pytest.raises(ValueError, match=r"'w' .* neither an input nor a parameter"):
        compile_graph(loss, [x0, x1], [])


def test_an_input_the_outputs_do_not_depend_on_is_refused():
    loss, inputs, parameters = small_graph()
    unused = Value(3.0, label="x2")
    with pytest.raises(ValueError, match="do not depend on the input 'x2'"):
        compile_graph(loss, [*inputs, unused], parameters)


def test_a_parameter_the_trace_did_not_see_is_refused():
    loss, inputs, parameters = small_graph()
    stray = Value(3.0, label="b")
    with pytest.raises(ValueError, match=r"parameter 'b' .* the trace did not see it"):
        compile_graph(loss, inputs, [*parameters, stray])


def test_a_derivative_rule_that_branches_on_data_is_refused(monkeypatch):
    rule = lambda g, out, a: g * (1.0 if a > 0 else 0.0)
    monkeypatch.setitem(OPERATIONS, "relu", with_partials("relu", [rule]))
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with pytest.raises(ValueError, match="cannot compile the derivative of 'relu'"):
        compile_graph((w * x).relu(), [x], [w])


# ---------------------------------------------------------------------- calling with bad data
@pytest.fixture
def compiled():
    return compile_graph(*small_graph())


def test_a_sample_of_the_wrong_length_names_the_inputs(compiled):
    with pytest.raises(ValueError, match=r"expected 2 inputs per sample \(x0, x1\).*3 numbers"):
        compiled([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "batch, message",
    [
        (np.zeros((4, 3)), r"a batch of shape \(4, 3\)"),
        (np.zeros((0, 2)), r"a batch of shape \(0, 2\)"),
    ],
)
def test_a_batch_of_the_wrong_shape_is_refused(compiled, batch, message):
    with pytest.raises(ValueError, match=message):
        compiled(batch)


def test_data_of_the_wrong_kind_is_refused(compiled):
    with pytest.raises(ValueError, match=r"not an array of shape \(2, 2, 2\)"):
        compiled(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="not str"):
        compiled("12")
    with pytest.raises(TypeError, match="must hold real numbers, not dtype bool"):
        compiled(np.ones((3, 2), dtype=bool))
    with pytest.raises(TypeError, match="an input takes an int, a float or a numpy real scalar"):
        compiled([1.0, "2"])
    with pytest.raises(TypeError, match=r"not str: '1\.5'"):
        compiled(["1.5", 2.0])


def test_parameter_values_are_checked(compiled):
    with pytest.raises(ValueError, match="expected 1 parameter values, got 2"):
        compiled([1.0, 2.0], [0.5, 0.5])
    with pytest.raises(ValueError, match="1-D array of real numbers"):
        compiled([1.0, 2.0], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        compiled([1.0, 2.0], reduction="average")


# ---------------------------------------------------------------------- domain errors
def compile_unary(method: str):
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    return compile_graph(getattr(w * x, method)(), [x], [w])


@pytest.mark.parametrize(
    "method, bad, error, message",
    [
        ("log", -1.0, ValueError, "log of -1.0"),
        ("sqrt", -4.0, ValueError, "sqrt of -4.0"),
        ("exp", 1000.0, OverflowError, "exp of 1000.0 is too large"),
    ],
)
def test_domain_errors_name_the_line_and_the_sample(method, bad, error, message):
    compiled = compile_unary(method)
    with pytest.raises(
        error, match=rf"{message}.*line \d+ of the compiled code: L = {method}\(t1\)"
    ):
        compiled([bad])
    batch = np.array([[1.0], [2.0], [bad], [3.0]])
    with pytest.raises(error, match=rf"sample 2 of the batch: {message}"):
        compiled(batch)


def test_division_by_zero_and_a_zero_sqrt_in_backward():
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    compiled = compile_graph(w / x, [x], [w])
    # The engine's words, not Python's "float division by zero".
    with pytest.raises(ZeroDivisionError, match=r"^division by zero: 1\.0 / 0\.0 .*: L = w / x"):
        compiled([0.0])
    with pytest.raises(ZeroDivisionError, match="sample 1 of the batch: division by zero"):
        compiled(np.array([[1.0], [0.0]]))
    # d sqrt(u) / du = 1 / (2 sqrt(u)) is infinite at 0: the engine raises there, and so do we.
    compiled = compile_graph((w * x).sqrt(), [x], [w])
    with pytest.raises(ZeroDivisionError, match="d_L_d_t1"):
        compiled([0.0])


def test_numpy_scalars_in_one_sample_compute_as_floats():
    # numpy's float64 is a float subclass whose division by zero gives inf and a warning: a
    # sample holding them must be converted first, and raise as a float sample does.
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    compiled = compile_graph(w / x, [x], [w])
    outputs, grads = compiled([np.float64(2.0)], [np.float64(3.0)])
    assert [type(number) for number in (*outputs, *grads)] == [float, float]
    assert outputs == (1.5,) and grads == (0.5,)
    with pytest.raises(ZeroDivisionError, match=r"^division by zero: 1\.0 / 0\.0 .*: L = w / x"):
        compiled([np.float64(0.0)], [1.0])


def test_a_negative_base_to_a_fractional_power():
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    compiled = compile_graph((w * x) ** 0.5, [x], [w])
    with pytest.raises(ValueError, match=r"negative base -4\.0 to the non-integer exponent 0\.5"):
        compiled([-4.0])
    with pytest.raises(ValueError, match="sample 0 of the batch: power: negative base"):
        compiled(np.array([[-4.0]]))


@pytest.mark.parametrize(
    ("base", "exponent", "error", "message"),
    [
        (1e200, 2, OverflowError, r"power: 1e\+200 \*\* 2\.0 is too large for a float"),
        (1e-200, -3, OverflowError, r"power: 1e-200 \*\* -3\.0 is too large for a float"),
        (0.0, -2, ZeroDivisionError, r"power: 0\.0 to the negative exponent -2\.0"),
    ],
)
def test_an_integral_power_raises_the_engines_error(base, exponent, error, message):
    # The readable code writes t1 ** 2.0 with Python's float power, whose own messages are
    # "(34, 'Numerical result out of range')" and "0.0 cannot be raised to a negative power".
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    with pytest.raises(error, match=f"^{message}$"):
        Value(base) ** exponent
    compiled = compile_graph((w * x) ** exponent, [x], [w])
    with pytest.raises(error, match=rf"^{message} \(at line 4 of the compiled code: L = t1 \*\* "):
        compiled([base])
    with pytest.raises(error, match=f"^sample 1 of the batch: {message}"):
        compiled(np.array([[1.0], [base]]))


def test_infinities_pass_where_the_engine_lets_them_pass():
    # Multiplying two huge floats gives inf without an error in Python, and so in the engine:
    # the batch code, where numpy flags it, checks the samples and then lets it pass too.
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    compiled = compile_graph(w * x * x, [x], [w])
    engine = Value(1.0) * 1e200 * 1e200
    assert math.isinf(engine.data)
    (out,), (grad,) = compiled([1e200])
    assert math.isinf(out) and math.isinf(grad)
    (outs,), grads = compiled(np.array([[1e200], [1.0]]))
    assert math.isinf(outs[0]) and outs[1] == 1.0 and math.isinf(grads[0])


def test_a_list_of_rows_is_pointed_to_numpy(compiled):
    with pytest.raises(
        TypeError, match=r"a batch must be a 2-D numpy array: pass np.array\(rows\)"
    ):
        compiled([[1.0, 2.0], [3.0, 4.0]])


def test_compile_graph_refuses_a_graph_holding_a_hooked_value():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    h = w * x
    h.label = "h"
    loss = h.tanh()
    with h.register_hook(lambda g: g), pytest.raises(ValueError, match=r"h.*hook"):
        compile_graph(loss, inputs=[x], parameters=[w])
    compiled = compile_graph(loss, inputs=[x], parameters=[w])  # the hook is gone
    assert compiled([1.0])[0][0] == loss.data


def test_a_hook_on_a_parameter_is_refused_too():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    loss = (w * x).tanh()
    with w.register_hook(lambda g: g), pytest.raises(ValueError, match=r"w.*hook"):
        compile_graph(loss, inputs=[x], parameters=[w])
