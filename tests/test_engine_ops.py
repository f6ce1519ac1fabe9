"""Value construction, what each operation records, and forward values against `math`."""

import math
import operator
import warnings

import numpy as np
import pytest
from engine_reference import ALL_CASES, case_id, exact
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value

BINARY_OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


# ---------------------------------------------------------------------- construction
@pytest.mark.parametrize(
    "data, expected",
    [
        (3, 3.0),
        (-2.5, -2.5),
        (np.float64(1.25), 1.25),
        (np.float32(0.5), 0.5),
        (np.float16(-0.25), -0.25),
        (np.int64(7), 7.0),
        (np.int32(-3), -3.0),
        (np.uint8(200), 200.0),
    ],
    ids=repr,
)
def test_value_accepts_real_scalars_and_stores_a_plain_float(data, expected):
    v = Value(data)
    assert v.data == expected
    assert type(v.data) is float


def test_a_new_value_is_a_leaf_with_no_gradient_yet():
    v = Value(2.0)
    assert v.grad == 0.0
    assert v.label == ""
    assert v.op == ""
    assert v.parents == ()
    assert v.is_leaf


def test_label_is_kept_and_settable():
    v = Value(1.0, label="w1")
    assert v.label == "w1"
    v.label = "bias"
    assert v.label == "bias"


def test_data_and_item_give_the_number():
    v = Value(np.float32(1.5)) * 2
    assert v.data == 3.0
    assert v.item() == 3.0
    assert type(v.item()) is float


# ---------------------------------------------------------------------- what is recorded
def test_binary_operations_record_op_and_parents_in_argument_order():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    for result, op in [(a + b, "+"), (a - b, "-"), (a * b, "*"), (a / b, "/"), (a**b, "**")]:
        assert result.op == op
        assert result.parents == (a, b)
        assert not result.is_leaf
    # Swapped operands swap the parents: the order is the argument order, never a set's.
    assert (b - a).parents == (b, a)
    assert (b**a).parents == (b, a)


def test_constants_are_kept_as_floats_among_the_parents_on_either_side():
    x = Value(2.0)
    for result, parents in [
        (3 * x, (3.0, x)),
        (x * 3, (x, 3.0)),
        (1 - x, (1.0, x)),
        (x - 1, (x, 1.0)),
        (6 / x, (6.0, x)),
        (x**2, (x, 2.0)),
        (2**x, (2.0, x)),
    ]:
        assert result.parents == parents
        assert [type(p) for p in result.parents if not isinstance(p, Value)] == [float]


def test_a_value_used_twice_appears_twice_among_the_parents():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    assert (b * b).parents == (b, b)


@pytest.mark.parametrize(
    "method, op",
    [
        (operator.neg, "neg"),
        (abs, "abs"),
        (Value.exp, "exp"),
        (Value.log, "log"),
        (Value.sqrt, "sqrt"),
        (Value.tanh, "tanh"),
        (Value.sigmoid, "sigmoid"),
        (Value.relu, "relu"),
        (Value.sin, "sin"),
        (Value.cos, "cos"),
    ],
)
def test_unary_operations_record_their_name_and_single_parent(method, op):
    x = Value(0.5)
    result = method(x)
    assert result.op == op
    assert result.parents == (x,)


def test_unary_plus_is_the_value_itself():
    x = Value(0.5)
    assert +x is x


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_each_case_records_the_expected_operation(case):
    leaves = [Value(1.5) for _ in case.names]
    result = case.fn(*leaves)
    assert result.op == case.op
    assert {id(p) for p in result.parents if isinstance(p, Value)} == {id(v) for v in leaves}


# ---------------------------------------------------------------------- forward values
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=25)
@given(data=st.data())
def test_forward_value_matches_the_math_formula(case, data):
    point = data.draw(case.points())
    assert case.fn(*[Value(x) for x in point]).data == exact(case.partials[""](*point))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"])
def test_module_functions_record_on_values_and_compute_on_numbers(name):
    function = getattr(autograd, name)
    x = Value(0.7)
    recorded = function(x)
    assert isinstance(recorded, Value)
    assert recorded.op == name
    assert recorded.parents == (x,)
    plain = function(0.7)
    assert type(plain) is float
    assert plain == exact(recorded.data)
    assert function(np.float32(0.75)) == exact(function(0.75))


def test_module_functions_on_numbers_give_the_math_values():
    assert autograd.exp(1) == exact(math.e)
    assert autograd.log(math.e) == exact(1.0)
    assert autograd.sqrt(2) == exact(math.sqrt(2))
    assert autograd.sigmoid(0) == 0.5
    assert autograd.relu(-3) == 0.0
    assert autograd.relu(3) == 3.0


# ---------------------------------------------------------------------- numpy scalars
NUMPY_SCALARS = [np.float32(1.5), np.float64(1.5), np.int64(3), np.int32(2), np.float16(0.5)]


# Plain ints take the operators' fast path, numpy scalars the general conversion: both are floats.
@pytest.mark.parametrize("scalar", [*NUMPY_SCALARS, 3, 7], ids=repr)
@pytest.mark.parametrize("operation", BINARY_OPERATORS, ids=lambda f: f.__name__)
def test_numpy_scalars_work_on_both_sides_of_every_binary_operation(operation, scalar):
    x = Value(1.25)
    number = float(scalar)
    for result, expected, parents in [
        (operation(x, scalar), operation(1.25, number), (x, number)),
        (operation(scalar, x), operation(number, 1.25), (number, x)),
    ]:
        assert isinstance(result, Value)
        assert result.data == exact(expected)
        assert result.parents == parents
        assert all(type(p) is float for p in result.parents if p is not x)


@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
def test_gradients_flow_through_operations_with_numpy_scalars(scalar):
    c = float(scalar)
    x = Value(2.0)
    y = scalar * x + x / scalar - scalar**x
    y.backward()
    assert x.grad == exact(c + 1 / c - c**2.0 * math.log(c))


# ---------------------------------------------------------------------- saturation
def test_sigmoid_and_tanh_saturate_exactly_without_overflow_or_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            assert Value(-1000.0).sigmoid().data == 0.0
            assert Value(1000.0).sigmoid().data == 1.0
            assert Value(1000.0).tanh().data == 1.0
            assert Value(-1000.0).tanh().data == -1.0
            assert autograd.sigmoid(-1000) == 0.0
            assert autograd.sigmoid(np.float32(1000)) == 1.0
            for x in (-1000.0, 1000.0):
                for method in (Value.sigmoid, Value.tanh):
                    leaf = Value(x)
                    method(leaf).backward()
                    assert leaf.grad == 0.0


@settings(max_examples=100)
@given(x=st.floats(-745.0, 745.0, allow_nan=False))
def test_sigmoid_matches_a_stable_formula_over_the_whole_float_range(x):
    # The stable textbook form: e**x / (1 + e**x) below zero, 1 / (1 + e**-x) above.
    expected = math.exp(x) / (1 + math.exp(x)) if x < 0 else 1 / (1 + math.exp(-x))
    assert Value(x).sigmoid().data == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_relu_passes_nan_through_rather_than_hiding_it():
    assert math.isnan(Value(float("nan")).relu().data)
    assert math.isnan(autograd.relu(float("nan")))
    assert Value(-0.0).relu().data == 0.0
