"""A Value never quietly becomes a float: float(), int(), round(), math's functions and bool()
refuse with a message saying what to write; formatting and comparisons read the data."""

import math
import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value

finite = st.floats(-1e6, 1e6, allow_nan=False)


@pytest.mark.parametrize(
    "convert", [float, int, round, math.exp, math.log, math.sqrt, math.floor], ids=repr
)
def test_turning_a_value_into_a_number_is_refused_with_the_way_to_record_it(convert):
    with pytest.raises(TypeError) as raised:
        convert(Value(1.5))
    message = str(raised.value)
    assert "v.exp()" in message and "autograd.exp(v)" in message and "v.data" in message


def test_the_new_users_math_exp_no_longer_gives_a_silent_zero_gradient():
    w, x = Value(1.2), Value(1.0)
    with pytest.raises(TypeError, match="cut it out of the graph"):
        math.exp(w) * x
    y = w.exp() * x  # what the message says to write
    y.backward()
    assert w.grad == pytest.approx(math.exp(1.2))  # 3.32, the true gradient


def test_truth_of_a_value_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"compare it \(if v > 0:\)"):
        bool(Value(0.0))
    with pytest.raises(TypeError, match="truth of a Value"):
        if Value(1.0):
            pass


def test_formatting_reads_the_data_and_plain_formatting_is_the_repr():
    v = Value(2.0 / 3.0, label="w")
    assert f"{v:.3f}" == "0.667"
    assert format(v, "e") == format(2.0 / 3.0, "e")
    assert f"{v}" == repr(v)


@given(finite, finite)
def test_comparisons_compare_the_data_and_give_plain_bools(a, b):
    for compare in (operator.lt, operator.le, operator.gt, operator.ge):
        expected = compare(a, b)
        for left, right in ((Value(a), Value(b)), (Value(a), b), (a, Value(b))):
            result = compare(left, right)
            assert type(result) is bool
            assert result == expected


def test_a_comparison_is_not_recorded_the_graph_keeps_the_branch_taken():
    x = Value(-2.0)
    y = x if x > 0 else 0.01 * x  # a hand-written leaky relu
    y.backward()
    assert x.grad == 0.01
    assert max(Value(1.0), Value(3.0)).data == 3.0


def test_equality_and_hashing_stay_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2


def test_comparing_with_something_that_is_no_number_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) < "2"  # noqa: B015
    with pytest.raises(TypeError):
        Value(1.0) >= None  # noqa: B015


def test_the_registered_functions_take_values_and_numbers_still():
    assert autograd.exp(0) == 1.0
    assert autograd.exp(Value(0.0)).data == 1.0
