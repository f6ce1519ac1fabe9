"""Bad input raises the documented error, and the message names the operation and the value."""

import math
import operator

import numpy as np
import pytest

import autograd
from autograd import Value

NOT_REAL_SCALARS = [
    "1.0",
    None,
    1j,
    [1.0],
    (1.0,),
    np.array(1.0),
    np.array([1.0, 2.0]),
    np.complex128(1.0),
    True,
    np.bool_(True),
    Value,
]


@pytest.mark.parametrize("bad", NOT_REAL_SCALARS, ids=repr)
def test_value_rejects_anything_but_a_real_scalar_naming_its_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


@pytest.mark.parametrize("bad", NOT_REAL_SCALARS, ids=repr)
@pytest.mark.parametrize(
    "operation",
    [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow],
    ids=lambda f: f.__name__,
)
def test_binary_operations_reject_non_real_operands_on_either_side(operation, bad):
    x = Value(2.0)
    with pytest.raises(TypeError):
        operation(x, bad)
    with pytest.raises(TypeError):
        operation(bad, x)


def test_the_type_error_of_an_operation_names_the_operand_type():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "1.0"
    with pytest.raises(TypeError, match="bool"):
        Value(1.0) * True
    with pytest.raises(TypeError, match="bool"):
        True * Value(1.0)
    with pytest.raises(OverflowError, match="too large"):
        Value(1.0) + 10**400
    with pytest.raises(OverflowError, match="too large"):
        10**400 * Value(1.0)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"])
@pytest.mark.parametrize("bad", ["1.0", None, True, 1j, [1.0]], ids=repr)
def test_module_functions_reject_non_real_input_naming_function_and_type(name, bad):
    with pytest.raises(TypeError, match=type(bad).__name__) as error:
        getattr(autograd, name)(bad)
    assert name in str(error.value)


# Each case: the failing call, the error type, a word naming the operation, the value as printed.
DOMAIN_ERRORS = [
    (lambda: Value(0.0).log(), ValueError, "log", "0.0"),
    (lambda: Value(-1.5).log(), ValueError, "log", "-1.5"),
    (lambda: autograd.log(-1.5), ValueError, "log", "-1.5"),
    (lambda: Value(-4.0).sqrt(), ValueError, "sqrt", "-4.0"),
    (lambda: autograd.sqrt(-4), ValueError, "sqrt", "-4.0"),
    (lambda: Value(-2.0) ** 0.5, ValueError, "power", "-2.0"),
    (lambda: Value(-2.0) ** Value(0.5), ValueError, "power", "-2.0"),
    (lambda: (-8.0) ** Value(1 / 3), ValueError, "power", "-8.0"),
    (lambda: Value(1.5) / 0, ZeroDivisionError, "division", "1.5"),
    (lambda: Value(1.5) / Value(0.0), ZeroDivisionError, "division", "1.5"),
    (lambda: 1.5 / Value(0.0), ZeroDivisionError, "division", "1.5"),
    (lambda: Value(1.5) / np.float32(0.0), ZeroDivisionError, "division", "1.5"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "power", "-1.0"),
    (lambda: 0.0 ** Value(-2.0), ZeroDivisionError, "power", "-2.0"),
    (lambda: Value(1000.0).exp(), OverflowError, "exp", "1000.0"),
    (lambda: Value(10.0) ** 400, OverflowError, "power", "400"),
]


@pytest.mark.parametrize("call, error, operation, value", DOMAIN_ERRORS)
def test_domain_errors_follow_math_and_name_operation_and_value(call, error, operation, value):
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert operation in message
    assert value in message


def test_a_negative_base_to_an_integer_power_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0
    assert ((-2.0) ** Value(-1.0)).data == -0.5


def test_backward_through_sqrt_at_zero_raises_a_clear_error():
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError) as raised:
        y.backward()
    assert "sqrt" in str(raised.value)
    assert "0.0" in str(raised.value)


def test_backward_through_sqrt_at_zero_with_create_graph_raises_too():
    x = Value(0.0)
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        x.sqrt().backward(create_graph=True)


def test_backward_for_the_exponent_of_a_negative_base_raises_a_clear_error():
    # d(a ** b)/db = a ** b * log(a) has no real value for a < 0: an error, not a silent number.
    a, b = Value(-2.0), Value(2.0)
    y = a**b
    with pytest.raises(ValueError) as raised:
        y.backward()
    assert "**" in str(raised.value)
    assert "-2.0" in str(raised.value)


@pytest.mark.parametrize("bad", ["1", None, [1.0], True, 1j], ids=repr)
def test_backward_rejects_a_seed_that_is_not_a_real_scalar(bad):
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=type(bad).__name__):
        y.backward(bad)


def test_grad_rejects_non_value_output_and_inputs():
    x = Value(1.0)
    with pytest.raises(TypeError, match="float"):
        autograd.grad(1.0, [x])
    with pytest.raises(TypeError, match="input 1 is float"):
        autograd.grad(x * 2, [x, 2.0])
    with pytest.raises(TypeError, match="a Value or a sequence of Values, not int"):
        autograd.grad(x * 2, 5)


def test_backward_through_log_of_a_subnormal_raises_instead_of_giving_inf():
    # d log(x)/dx = 1/x is too large for a float when x is subnormal; the engine says so, as it
    # does for x ** -1, instead of returning an infinite gradient.
    x = Value(5e-324)
    y = x.log()
    assert y.data == math.log(5e-324)  # the forward value is an ordinary float
    with pytest.raises(OverflowError, match=r"log.*too large"):
        y.backward()
    z = Value(1e-300)
    z.log().backward()
    assert z.grad == pytest.approx(1e300, rel=1e-15)
