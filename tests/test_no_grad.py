"""`no_grad` (a context manager and a decorator, per thread) and `Value.detach`."""

import threading

import pytest

import autograd
from autograd import Value, is_grad_enabled, no_grad

WAIT = 10.0  # seconds; only a safety net so that a broken test cannot hang, never a timing check


# ---------------------------------------------------------------------- no_grad, one thread
def test_no_grad_records_no_graph():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        z = x.sin()
    assert is_grad_enabled()
    for result in (y, z):
        assert result.is_leaf
        assert result.op == ""
        assert result.parents == ()
    assert y.data == 5.0
    y.backward()
    assert x.grad == 0.0


def test_recording_resumes_after_no_grad():
    x = Value(2.0)
    with no_grad():
        pass
    y = x * x
    assert y.parents == (x, x)


def test_no_grad_blocks_nest_and_restore_the_outer_setting():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_as_a_decorator():
    @no_grad()
    def predict(x):
        """Doubles x."""
        assert not is_grad_enabled()
        return x * 2

    x = Value(3.0)
    y = predict(x)
    assert y.data == 6.0
    assert y.is_leaf
    assert is_grad_enabled()
    assert predict.__name__ == "predict"
    assert predict.__doc__ == "Doubles x."
    # Called again, and called from inside another no_grad block.
    assert predict(x).is_leaf
    with no_grad():
        predict(x)
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert (x * 2).parents == (x, 2.0)


def test_a_decorated_function_may_call_itself():
    @no_grad()
    def countdown(n):
        assert not is_grad_enabled()
        return Value(0.0) if n == 0 else countdown(n - 1) + 1

    assert countdown(5).data == 5.0
    assert is_grad_enabled()


# ---------------------------------------------------------------------- no_grad, threads
def test_no_grad_in_several_threads_does_not_disable_recording_in_others():
    # Eight threads meet inside their blocks (even ones in no_grad, odd ones not), all compute at
    # once, and each reports whether its own result was recorded.
    count = 8
    inside = threading.Barrier(count, timeout=WAIT)
    computed = threading.Barrier(count, timeout=WAIT)
    recorded: dict[int, bool] = {}
    enabled_after: dict[int, bool] = {}

    def compute(k):
        x = Value(float(k))
        inside.wait()
        y = x * x
        computed.wait()
        recorded[k] = y.parents == (x, x)

    def worker(k):
        if k % 2 == 0:
            with no_grad():
                compute(k)
        else:
            compute(k)
        enabled_after[k] = is_grad_enabled()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert recorded == {k: k % 2 == 1 for k in range(count)}
    assert enabled_after == dict.fromkeys(range(count), True)


def test_a_new_thread_records_even_when_its_creator_is_inside_no_grad():
    seen = {}

    def worker():
        x = Value(1.0)
        seen["enabled"] = is_grad_enabled()
        seen["recorded"] = (x + 1).parents == (x, 1.0)

    with no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(WAIT)
    assert seen == {"enabled": True, "recorded": True}


def test_one_decorated_function_used_by_two_threads_at_once():
    # Thread A is inside an outer no_grad block, thread B is not; both call the same decorated
    # function, entering A then B and leaving A then B. Each must get back its own setting.
    a_entered, b_entered, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    @no_grad()
    def step(entered, wait_for):
        entered.set()
        wait_for.wait(WAIT)

    def thread_a():
        with no_grad():
            step(a_entered, b_entered)
            seen["a, back inside its own no_grad"] = is_grad_enabled()
        a_left.set()

    def thread_b():
        a_entered.wait(WAIT)
        step(b_entered, a_left)
        seen["b, after the call"] = is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert seen == {"a, back inside its own no_grad": False, "b, after the call": True}


# ---------------------------------------------------------------------- detach
def test_detach_gives_a_new_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    h = x * 3
    d = h.detach()
    assert d is not h
    assert d.data == 6.0
    assert d.is_leaf
    assert d.parents == ()
    assert h.parents == (x, 3.0)  # the original keeps its graph


def test_detach_stops_gradients():
    # y = x * detach(x): only the first factor carries a gradient, dy/dx = x (not 2x).
    x = Value(3.0)
    y = x * x.detach()
    y.backward()
    assert x.grad == 3.0


def test_detach_stops_higher_order_gradients():
    # g = d(x**2)/dx = 2x = 6. Through g, d(g * x)/dx = d(2x**2)/dx = 4x = 12; with g detached
    # it is the constant 6, and d(6x)/dx = 6.
    x = Value(3.0)
    (g,) = autograd.grad(x**2, x, create_graph=True)
    (through_g,) = autograd.grad(g * x, x)
    (stopped,) = autograd.grad(g.detach() * x, x)
    assert through_g == 12.0
    assert stopped == 6.0
