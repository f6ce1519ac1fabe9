"""Value.register_hook: hooks see the summed gradient, may replace it, and come off again."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from random_graphs import ENGINE, GRAPH_OPERATIONS, plain_magnitude, programs

import autograd
from autograd import Value, grad
from autograd.backprop import has_hooks


@pytest.fixture(autouse=True)
def no_hook_left_behind():
    """Every test removes its hooks; the table is empty again, so backward takes its fast path."""
    yield
    assert autograd.backprop._hooks == {}


def test_hook_sees_the_gradient_summed_over_every_use():
    x = Value(2.0)
    seen = []
    handle = x.register_hook(seen.append)
    (x * x + 3 * x).backward()
    handle.remove()
    assert seen == [7.0]  # d/dx (x^2 + 3x) = 2x + 3
    assert x.grad == 7.0


def test_hook_on_an_intermediate_replaces_what_flows_on():
    x = Value(3.0)
    h = x * 2.0
    y = h**2  # dy/dh = 2h = 12, dy/dx = 24
    with h.register_hook(lambda g: max(-5.0, min(g, 5.0))):
        y.backward()
    assert h.grad == 5.0
    assert x.grad == 10.0  # the clipped 5, times dh/dx = 2


def test_a_hook_returning_none_changes_nothing():
    x = Value(0.5)
    with x.register_hook(lambda g: None):
        (x.sin() * x).backward()
    assert x.grad == pytest.approx(0.5 * 0.8775825618903728 + 0.479425538604203)


def test_hooks_run_in_the_order_they_were_added_each_on_the_previous_result():
    x = Value(1.0)
    first = x.register_hook(lambda g: g + 1.0)
    second = x.register_hook(lambda g: g * 10.0)
    (x * 4.0).backward()
    first.remove()
    second.remove()
    assert x.grad == 50.0  # (4 + 1) * 10


def test_removed_hooks_are_not_called_and_removing_twice_is_harmless():
    x = Value(1.0)
    calls = []
    handle = x.register_hook(calls.append)
    assert has_hooks(x)
    handle.remove()
    handle.remove()
    assert not has_hooks(x)
    (x * 2.0).backward()
    assert calls == []
    assert x.grad == 2.0


def test_removing_one_of_two_identical_hooks_keeps_the_other():
    x = Value(1.0)
    calls = []
    first = x.register_hook(calls.append)
    second = x.register_hook(calls.append)
    first.remove()
    (x * 2.0).backward()
    second.remove()
    assert calls == [2.0]


def test_a_leaf_accumulates_the_replaced_gradient():
    w = Value(1.0)
    with w.register_hook(lambda g: g / 2):
        (w * 6.0).backward()
        (w * 6.0).backward()
    assert w.grad == 6.0  # 3 + 3, not 6 + 6


def test_a_hook_on_the_output_sees_the_seed():
    x = Value(2.0)
    y = x * x
    seen = []
    with y.register_hook(seen.append):
        y.backward(gradient=0.25)
    assert seen == [0.25]
    assert x.grad == 1.0


def test_grad_calls_hooks_too():
    x = Value(2.0)
    with x.register_hook(lambda g: -g):
        (dx,) = grad(x**3, x)
    assert dx == -12.0
    assert x.grad == 0.0  # grad leaves .grad alone


def test_with_create_graph_the_hook_gets_a_value_and_its_result_is_differentiable():
    x = Value(2.0)
    received = []

    def double(g):
        received.append(g)
        return g * 2

    handle = x.register_hook(double)
    (dy,) = grad(x**3, x, create_graph=True)
    handle.remove()
    assert isinstance(received[0], Value)
    assert dy.data == 24.0  # 2 * 3x^2
    (d2y,) = grad(dy, x)
    assert d2y == 24.0  # d/dx 6x^2 = 12x


def test_a_hook_that_returns_a_value_without_create_graph_passes_its_number_on():
    x = Value(1.0)
    with x.register_hook(lambda g: Value(g * 3)):
        (x * 2.0).backward()
    assert x.grad == 6.0
    assert type(x.grad) is float


def test_a_hook_that_returns_no_number_is_named():
    x = Value(1.0)

    def broken(g):
        return "clipped"

    expected = r"the hook broken on Value\(.*\) returned str 'clipped'"
    with x.register_hook(broken), pytest.raises(TypeError, match=expected):
        (x * 2.0).backward()


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match=r"a hook must be callable.*not float"):
        Value(1.0).register_hook(1.0)


def test_a_hook_error_reaches_the_caller_unchanged():
    x = Value(1.0)

    def fails(g):
        raise RuntimeError("from the hook")

    with x.register_hook(fails), pytest.raises(RuntimeError, match="from the hook"):
        (x * 2.0).backward()


# ---------------------------------------------------------------------- properties
def run_with(steps, inputs, at_step, treat):
    """The random program of `random_graphs`, with `treat` applied to the result of step `at_step`
    as soon as it is computed; returns the leaves and the output."""
    leaves = [Value(x) for x in inputs]
    results = list(leaves)
    for position, (name, arguments) in enumerate(steps):
        result = GRAPH_OPERATIONS[name][1](ENGINE, *[results[i] for i in arguments])
        results.append(treat(result) if position == at_step else result)
    output = results[len(inputs)]
    for result in results[len(inputs) + 1 :]:
        output = output + result
    return leaves, output


@given(programs(), st.data())
def test_a_hook_returning_zero_is_detaching_that_value(program, data):
    inputs, steps = program
    plain_magnitude(steps, inputs)  # keeps intermediate values moderate
    at_step = data.draw(st.integers(0, len(steps) - 1))
    handles = []

    def zero_hook(value):
        handles.append(value.register_hook(lambda g: 0.0))
        return value

    leaves, output = run_with(steps, inputs, at_step, zero_hook)
    hooked = grad(output, leaves)
    handles[0].remove()
    leaves, output = run_with(steps, inputs, at_step, Value.detach)
    detached = grad(output, leaves)
    assert hooked == pytest.approx(detached, rel=1e-12, abs=1e-12)


@given(programs(), st.floats(-3, 3, allow_nan=False))
def test_a_scaling_hook_on_the_output_scales_every_gradient(program, factor):
    inputs, steps = program
    plain_magnitude(steps, inputs)
    leaves, output = run_with(steps, inputs, -1, lambda value: value)
    plain = grad(output, leaves)
    with output.register_hook(lambda g: g * factor):
        scaled = grad(output, leaves)
    assert scaled == pytest.approx([factor * g for g in plain], rel=1e-9, abs=1e-12)


@given(programs())
def test_an_identity_hook_on_every_value_changes_no_bit(program):
    inputs, steps = program
    plain_magnitude(steps, inputs)
    leaves, output = run_with(steps, inputs, -1, lambda value: value)
    plain = grad(output, leaves)
    handles = [v.register_hook(lambda g: g) for v in autograd.topological_order(output)]
    hooked = grad(output, leaves)
    for handle in handles:
        handle.remove()
    assert hooked == plain
