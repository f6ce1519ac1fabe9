"""`gradcheck` passes on correct derivatives and fails, with a readable table, on wrong ones."""

import math

import pytest
from engine_reference import ALL_CASES, BINARY_CASES, case_id
from hypothesis import given, settings
from hypothesis import strategies as st
from rules import with_partials

import autograd
from autograd import OPERATIONS, GradcheckError, Value, gradcheck


def wrong(partial):
    """A wrong derivative: the right one plus 1 + |right one| (for an upstream gradient of 1), so
    it is off by more than gradcheck's tolerance whatever the right one's size or sign."""

    def wrong_partial(g, out, *inputs):
        right = partial(g, out, *inputs)
        return right + g + abs(right)

    return wrong_partial


def with_wrong_partials(op, which):
    """The record of `op` with the partials at the positions in `which` made wrong."""
    return with_partials(
        op,
        (
            wrong(partial) if position in which else partial
            for position, partial in enumerate(OPERATIONS[op].partials)
        ),
    )


def table_rows(message):
    """The table lines of a GradcheckError, by the derivative each names."""
    rows = {}
    for line in message.splitlines()[1:]:
        cells = line.split()
        rows[cells[0]] = cells
    return rows


# ---------------------------------------------------------------------- passing
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=10)
@given(data=st.data())
def test_gradcheck_passes_every_correct_operation_to_the_second_order(case, data):
    point = data.draw(case.points())
    assert gradcheck(case.fn, list(point)) is True
    assert gradcheck(case.fn, list(point), order=2) is True


def test_gradcheck_accepts_values_and_numbers_and_leaves_input_grads_alone():
    x = Value(0.5, label="x")
    assert gradcheck(lambda x, y: (x * y).sin() + y.exp(), [x, 2]) is True
    assert x.grad == 0.0
    assert x.is_leaf


# ---------------------------------------------------------------------- failing
@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
@settings(max_examples=10)
@given(data=st.data())
def test_gradcheck_fails_on_a_deliberately_wrong_derivative(case, data):
    point = data.draw(case.points())
    positions = range(OPERATIONS[case.op].arity)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(OPERATIONS, case.op, with_wrong_partials(case.op, set(positions)))
        with pytest.raises(GradcheckError) as raised:
            gradcheck(case.fn, list(point))
    rows = table_rows(str(raised.value))
    for index in range(len(point)):
        assert rows[f"d/dx{index}"][-1] == "differs"


@pytest.mark.parametrize("case", BINARY_CASES, ids=case_id)
@pytest.mark.parametrize("position", [0, 1])
def test_the_table_flags_only_the_input_whose_derivative_is_wrong(case, position):
    a, b = Value(1.5, label="a"), Value(0.75, label="b")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(OPERATIONS, case.op, with_wrong_partials(case.op, {position}))
        with pytest.raises(GradcheckError) as raised:
            gradcheck(case.fn, [a, b])
    message = str(raised.value)
    assert message.startswith("gradcheck failed: 1 of 2 derivatives differ")
    rows = table_rows(message)
    assert rows["derivative"][:4] == ["derivative", "analytic", "numeric", "difference"]
    flagged, right = ("a", "b") if position == 0 else ("b", "a")
    assert rows[f"d/d{flagged}"][-1] == "differs"
    assert rows[f"d/d{right}"][-1] != "differs"
    # The flagged row shows the wrong analytic value and the numeric one beside it.
    true = case.partials[flagged](1.5, 0.75)
    analytic, numeric, difference = rows[f"d/d{flagged}"][1:4]
    assert float(analytic) == pytest.approx(true + 1 + abs(true), rel=1e-9)
    assert float(numeric) == pytest.approx(true, rel=1e-6)
    assert float(difference) == pytest.approx(abs(true) + 1, rel=1e-2)  # printed to 3 digits


def test_order_two_catches_a_derivative_rule_that_is_right_but_not_differentiable():
    # tanh's derivative computed from the float behind `out`: first derivatives stay right, but the
    # rule's own graph no longer depends on x, so second derivatives come out wrong.
    def tanh_rule_on_data(g, out, a):
        t = out.data if isinstance(out, Value) else out
        return g * (1 - t * t)

    def fn(x):
        return x.tanh()

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(OPERATIONS, "tanh", with_partials("tanh", [tanh_rule_on_data]))
        assert gradcheck(fn, [0.8]) is True
        with pytest.raises(GradcheckError) as raised:
            gradcheck(fn, [Value(0.8, label="x")], order=2)
    rows = table_rows(str(raised.value))
    assert rows["d/dx"][-1] != "differs"
    assert rows["d2/dx"][:2] == ["d2/dx", "dx"]
    assert rows["d2/dx"][-1] == "differs"
    t = math.tanh(0.8)
    assert float(rows["d2/dx"][3]) == pytest.approx(-2 * t * (1 - t * t), rel=1e-6)


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"inputs": [1.0], "order": 3}, ValueError),
        ({"inputs": [1.0], "eps": 0.0}, ValueError),
        ({"inputs": [1.0], "eps": -1e-6}, ValueError),
        ({"inputs": []}, TypeError),
        ({"inputs": Value(1.0)}, TypeError),
        ({"inputs": 1.0}, TypeError),
        ({"inputs": ["1.0"]}, TypeError),
        ({"inputs": [True]}, TypeError),
    ],
    ids=repr,
)
def test_gradcheck_rejects_bad_arguments(arguments, error):
    with pytest.raises(error):
        gradcheck(lambda x: x * x, **arguments)


def test_gradcheck_needs_a_function_returning_a_value():
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: 1.0, [1.0])


def test_gradcheck_is_exported_with_its_error():
    assert autograd.gradcheck is gradcheck
    assert issubclass(GradcheckError, AssertionError)


# ---------------------------------------------------------------------- pins (mutation survivors)
def test_gradcheck_counts_a_nan_derivative_as_a_difference():
    # sigmoid saturates to exactly 1.0, so its local derivative is 0 and 0 * inf gives a NaN
    # analytic derivative, where the function is flat: its numeric derivative is 0.
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x: (x * math.inf).sigmoid(), [1.0])
    assert table_rows(str(caught.value))["d/dx0"][1:3] == ["nan", "0"]


def test_gradcheck_defaults_catch_a_derivative_a_few_percent_off(monkeypatch):
    # d sin(x)/dx made 3% too large: far beyond finite-difference error at the default eps.
    sin_rule = OPERATIONS["sin"].partials
    monkeypatch.setitem(
        OPERATIONS, "sin", with_partials("sin", (lambda *a, p=p: 1.03 * p(*a) for p in sin_rule))
    )
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x.sin(), [0.5])
    # 0.01% off passes: within the documented default rtol=1e-3.
    monkeypatch.setitem(
        OPERATIONS, "sin", with_partials("sin", (lambda *a, p=p: 1.0001 * p(*a) for p in sin_rule))
    )
    assert gradcheck(lambda x: x.sin(), [0.5]) is True
