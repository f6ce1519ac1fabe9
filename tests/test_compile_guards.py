"""Guards: a graph recorded on one branch never gives its numbers for a sample on another.

The truth each test checks against is the branch the engine takes for the sample (Python's own
comparison of the floats), the engine's numbers on that branch, and the source compile_graph wrote
before guards existed.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import GuardError, Value, compile_graph, no_grad, record_guards

# These tests are about the batch code too: small batches run it (see conftest.py).
pytestmark = pytest.mark.usefixtures("batch_code_for_every_batch")


def leaky_relu(x: Value) -> Value:
    return x if x > 0 else 0.01 * x


def compile_leaky(at: float):
    """(x * w) through a hand-written leaky relu, squared; recorded at x = `at`, w = 1.5."""
    x, w = Value(at, label="x"), Value(1.5, label="w")
    with record_guards() as guards:
        h = x * w
        h.label = "h"
        y = leaky_relu(h)
    return compile_graph(y * y, inputs=[x], parameters=[w], guards=guards)


def engine(x: float, w: float = 1.5) -> tuple[float, float]:
    """The engine on one sample: (loss, d loss / d w)."""
    x_value, w_value = Value(x), Value(w)
    y = leaky_relu(x_value * w_value)
    loss = y * y
    loss.backward()
    assert isinstance(w_value.grad, float)
    return loss.data, w_value.grad


# ---------------------------------------------------------------------- one sample
def test_a_sample_on_the_traced_branch_gives_the_engines_floats():
    compiled = compile_leaky(2.0)
    for x in (0.5, 3.0, 1e-300):
        (loss,), (d_w,) = compiled([x])
        assert (loss, d_w) == engine(x)


def test_a_sample_on_the_other_branch_raises_and_names_the_comparison():
    compiled = compile_leaky(2.0)
    with pytest.raises(GuardError) as caught:
        compiled([-1.0])
    error = caught.value
    assert error.comparison == "h > 0.0"
    assert error.traced is True
    assert error.row == {"x": -1.0}
    message = str(error)
    # The comparison as written, the sample's row, and both truth values.
    assert "return x if x > 0 else 0.01 * x" in message
    assert "x=-1.0" in message
    assert "h > 0.0 is False for it, True in the trace" in message


def test_a_graph_traced_on_the_false_branch_refuses_the_true_one():
    compiled = compile_leaky(-2.0)
    (loss,), (d_w,) = compiled([-0.5])
    assert (loss, d_w) == engine(-0.5)
    with pytest.raises(GuardError, match=re.escape("h > 0.0 is True for it, False in the trace")):
        compiled([0.5])
    # Zero is on the False side of h > 0, as in the engine.
    assert compiled([0.0])[0][0] == engine(0.0)[0]


def test_the_readable_source_checks_each_guard_with_a_plain_if():
    compiled = compile_leaky(2.0)
    lines = [line.strip() for line in compiled.source.splitlines()]
    assert "from autograd.guards import GuardError" in lines
    check = lines.index("if not h > 0.0:")
    assert lines[check - 1].startswith("# h > 0.0 was True in the trace (test_compile_guards.py")
    assert lines[check - 2] == "h = x * w"  # checked as soon as h is known
    # It runs on its own, and raises the same error.
    scope: dict[str, object] = {}
    exec(compiled.source, scope)
    with pytest.raises(GuardError, match=re.escape("h > 0.0")):
        scope["forward_backward"](-1.0, 1.5)  # type: ignore[operator]


def test_a_parameter_guard_is_checked_against_the_parameter_values_given():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with record_guards() as guards:
        y = x * w if w > 1 else x
    compiled = compile_graph(y, inputs=[x], parameters=[w], guards=guards)
    assert compiled([3.0], [4.0]) == ((12.0,), (3.0,))
    with pytest.raises(GuardError, match=re.escape("w > 1.0 is False for it, True in the trace")):
        compiled([3.0], [0.5])


# ---------------------------------------------------------------------- batches
@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_a_batch_with_rows_on_the_other_branch_raises_naming_every_such_row(reduction):
    compiled = compile_leaky(2.0)
    column = np.array([1.0, -2.0, 3.0, -0.5, 0.0, 4.0])
    with pytest.raises(GuardError) as caught:
        compiled(column[:, None], reduction=reduction)
    error = caught.value
    assert error.samples == tuple(np.flatnonzero(column * 1.5 <= 0))  # the engine's branch
    assert error.sample == 1
    assert error.row == {"x": -2.0}
    assert "sample 1 of the batch (x=-2.0)" in str(error)
    assert "3 samples of the batch do: [1, 3, 4]" in str(error)


@pytest.mark.parametrize("reduction", ["sum", "mean", "none"])
def test_a_batch_on_the_traced_branch_gives_the_engines_numbers(reduction):
    compiled = compile_leaky(2.0)
    column = np.array([0.5, 1.0, 2.5, 7.0])
    (losses,), grads = compiled(column[:, None], reduction=reduction)
    expected = [engine(x) for x in column]
    assert losses.tolist() == pytest.approx([loss for loss, _ in expected], rel=1e-12)
    per_sample = [d_w for _, d_w in expected]
    if reduction == "none":
        assert grads[:, 0].tolist() == pytest.approx(per_sample, rel=1e-12)
    else:
        total = math.fsum(per_sample) / (len(column) if reduction == "mean" else 1)
        assert grads[0] == pytest.approx(total, rel=1e-12)


def test_a_branch_that_guards_a_domain_raises_the_guard_error_not_the_domain_one():
    x = Value(2.0, label="x")
    with record_guards() as guards:
        y = x.log() if x > 0 else -x
    compiled = compile_graph(y, inputs=[x], parameters=[], guards=guards)
    with pytest.raises(GuardError, match=re.escape("x > 0.0")) as caught:
        compiled(np.array([[1.0], [-1.0], [3.0]]))
    assert caught.value.samples == (1,)
    with pytest.raises(GuardError, match=re.escape("x > 0.0")):
        compiled([-1.0])


# ---------------------------------------------------------------------- max and chains
def test_max_of_two_values_is_guarded():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with record_guards() as guards:
        m = max(a, b)
    assert m is b
    compiled = compile_graph(m * a, inputs=[a, b], parameters=[], guards=guards)
    assert compiled([1.0, 5.0]) == ((5.0,), ())
    with pytest.raises(GuardError) as caught:
        compiled([3.0, 2.0])
    assert caught.value.comparison == "b > a"  # what max ran
    assert "m = max(a, b)" in str(caught.value)  # as written
    with pytest.raises(GuardError) as caught:
        compiled(np.array([[1.0, 5.0], [3.0, 2.0], [0.0, 1.0], [9.0, -9.0]]))
    assert caught.value.samples == (1, 3)


@pytest.mark.parametrize(
    ("traced_at", "sample", "comparison", "traced"),
    [
        (0.5, 1.5, "x < 1.0", True),  # 0 < x holds, x < 1 does not
        (0.5, -1.0, "x > 0.0", True),  # 0 < x breaks first; Python never ran x < 1
        (2.0, 0.5, "x < 1.0", False),
    ],
)
def test_a_chained_comparison_is_two_guards(traced_at, sample, comparison, traced):
    x = Value(traced_at, label="x")
    with record_guards() as guards:
        y = x * x if 0 < x < 1 else x
    compiled = compile_graph(y, inputs=[x], parameters=[], guards=guards)
    assert [guard.symbol for guard in compiled.guards or ()] == [">", "<"]
    with pytest.raises(GuardError) as caught:
        compiled([sample])
    assert (caught.value.comparison, caught.value.traced) == (comparison, traced)
    assert "0 < x < 1" in str(caught.value)
    with pytest.raises(GuardError) as caught:
        compiled(np.array([[traced_at], [sample]]))
    assert caught.value.samples == (1,)


# ---------------------------------------------------------------------- which guards a graph takes
def test_a_guard_on_a_value_outside_the_outputs_graph_is_computed_and_checked():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with record_guards() as guards:
        shifted = x - 3.0  # not used by the output: only the branch reads it
        y = w * w if shifted > 0 else w
    compiled = compile_graph(y, inputs=[x], parameters=[w], guards=guards)
    assert compiled([2.0]) == ((2.0,), (1.0,))
    with pytest.raises(GuardError, match="is True for it, False in the trace"):
        compiled([5.0])


def test_the_guards_of_other_samples_graphs_in_the_same_log_are_left_out():
    w = Value(1.0, label="w")
    losses, inputs = [], []
    with record_guards() as guards:
        for at in (2.0, -2.0):  # two samples, two graphs sharing w, on both branches
            x = Value(at, label="x")
            inputs.append(x)
            losses.append(leaky_relu(x * w))
    assert len(guards) == 2
    compiled = compile_graph(losses[0], inputs=inputs[:1], parameters=[w], guards=guards)
    assert compiled.guards == (guards[0],)
    assert compiled([3.0]) == ((3.0,), (3.0,))


def test_a_guard_that_reads_an_undeclared_value_is_refused():
    x, threshold = Value(1.0, label="x"), Value(0.5, label="threshold")
    with record_guards() as guards:
        y = x * x if x > threshold else x
    with pytest.raises(ValueError, match="neither an input nor a parameter"):
        compile_graph(y, inputs=[x], parameters=[], guards=guards)


def test_no_grad_and_code_outside_a_block_record_no_guard():
    x = Value(1.0)
    assert x > 0  # outside any block
    with record_guards() as guards:
        with no_grad():
            assert x > 0
        assert x < 2
    assert [guard.symbol for guard in guards] == ["<"]


def test_nested_blocks_both_keep_a_comparison():
    x = Value(1.0)
    with record_guards() as outer:
        with record_guards() as inner:
            assert 2 > x  # noqa: SIM300  # reflected: Python runs x < 2
        assert x >= 1
    assert [(guard.left, guard.symbol, guard.right) for guard in inner] == [(x, "<", 2.0)]
    assert [guard.symbol for guard in outer] == ["<", ">="]


def test_guards_must_be_a_log():
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="record_guards"):
        compile_graph(x * x, inputs=[x], parameters=[], guards=[])  # type: ignore[arg-type]


# ---------------------------------------------------------------------- without comparisons
# The source compile_graph wrote for this graph before guards existed.
SOURCE_BEFORE_GUARDS = """\
from autograd.compile.float_rules import relu, sigmoid, step

def forward_backward(x, y, w, b):
    # forward: one operation per line
    t1 = w * x
    t2 = t1 + b
    y_pred = sigmoid(t2)
    t3 = y - y_pred
    t4 = t3 ** 2.0
    t5 = relu(w)
    t6 = 0.01 * t5
    L = t4 + t6
    # backward: d_L_d_v is dL/dv, summed over all uses of v
    d_L_d_t4 = 1.0
    d_L_d_t6 = 1.0
    d_L_d_t5 = d_L_d_t6 * 0.01
    d_L_d_w = d_L_d_t5 * step(w)
    d_L_d_t3 = d_L_d_t4 * 2.0 * t3
    d_L_d_y_pred = -d_L_d_t3
    d_L_d_t2 = d_L_d_y_pred * (y_pred * (1 - y_pred))
    d_L_d_b = d_L_d_t2
    d_L_d_w = d_L_d_w + d_L_d_t2 * x
    return (L, y_pred,), (d_L_d_w, d_L_d_b,)
"""


@pytest.mark.parametrize("logged", [False, True])
def test_a_graph_without_comparisons_compiles_to_the_same_source(logged):
    x, y = Value(2.0, label="x"), Value(1.0, label="y")
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    with record_guards() as guards:
        assert Value(3.0) > 1  # another graph's comparison, in the same log
        y_pred = (w * x + b).sigmoid()
        y_pred.label = "y_pred"
        loss = (y - y_pred) ** 2 + 0.01 * w.relu()
    compiled = compile_graph(
        loss, [x, y], [w, b], outputs=[y_pred], guards=guards if logged else None
    )
    assert compiled.source == SOURCE_BEFORE_GUARDS
    assert "kept" not in compiled.batch_source
    assert "guard" not in compiled.plan_text
    assert compiled.guards == (() if logged else None)


# ---------------------------------------------------------------------- property
@settings(max_examples=40)
@given(
    weights=st.lists(st.floats(-2, 2), min_size=4, max_size=4),
    traced=st.floats(-3, 3),
    samples=st.lists(st.floats(-3, 3), min_size=1, max_size=8),
)
def test_a_hand_written_relu_layer_is_exact_or_raises_exactly_where_the_engine_branches(
    weights, traced, samples
):
    """Two hidden units with a hand-written relu: the compiled graph gives the engine's numbers
    for every sample whose branches are the trace's, and raises for exactly the others."""

    def build(x: Value, parameters: list[Value]) -> tuple[Value, list[bool]]:
        w1, w2, v1, v2 = parameters
        hidden = [x * w1 - 1.0, x * w2 + 0.5]
        taken = [h > 0 for h in hidden]
        active = [h if on else 0.0 * h for h, on in zip(hidden, taken)]
        return active[0] * v1 + active[1] * v2, taken

    x = Value(traced, label="x")
    parameters = [Value(p, label=f"p{i}") for i, p in enumerate(weights)]
    with record_guards() as guards:
        loss, traced_branches = build(x, parameters)
    compiled = compile_graph(loss, [x], parameters, guards=guards)

    expected_broken = []
    for index, sample in enumerate(samples):
        sample_parameters = [Value(p) for p in weights]
        sample_loss, branches = build(Value(sample), sample_parameters)
        if branches != traced_branches:
            expected_broken.append(index)
            with pytest.raises(GuardError):
                compiled([sample])
            continue
        sample_loss.backward()
        (got,), grads = compiled([sample])
        assert got == sample_loss.data
        assert list(grads) == [p.grad for p in sample_parameters]
    batch = np.array(samples)[:, None]
    if expected_broken:
        with pytest.raises(GuardError) as caught:
            compiled(batch, reduction="none")
        assert caught.value.samples == tuple(expected_broken)
    else:
        compiled(batch)  # runs
