"""The batch plan: dense layers become matrix products, whatever built them, and batches keep the
engine's numbers to a relative 1e-12 (normwise), sample by sample.

Independent truth here is the scalar engine run on each sample: its outputs, and its gradients
summed with `math.fsum`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compile import program_builder, programs

from autograd import Value, compile_graph, no_grad
from autograd.compile.plan import Elementwise, Sums, make_plan
from autograd.compile.trace import Trace
from autograd.engine import data_of
from nn import MLP

# These tests are about the batch code: small batches run it too (see conftest.py).
pytestmark = pytest.mark.usefixtures("batch_code_for_every_batch")


REL = 1e-12
ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]


def engine_reference(build, samples, parameter_values):
    """Per sample: the engine's outputs and parameter gradients (data as constants)."""
    outputs, grads = [], []
    for sample in samples:
        parameters = [Value(v) for v in parameter_values]
        results = build(list(sample), parameters)
        results[0].backward()
        outputs.append([data_of(r) for r in results])
        grads.append([p.grad for p in parameters])
    return np.array(outputs), np.array(grads)


def assert_batch_matches_engine(build, samples, parameter_values):
    """Compile from the first sample; the batch's outputs (each a vector over the samples) and
    its summed gradient agree with the engine normwise; one sample agrees bit for bit."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(samples[0])]
    parameters = [Value(v, label=f"w{i}") for i, v in enumerate(parameter_values)]
    results = build(leaves, parameters)
    compiled = compile_graph(results[0], leaves, parameters, outputs=results[1:])
    ref_outputs, ref_grads = engine_reference(build, samples, parameter_values)

    batch = np.array(samples, dtype=float)
    for reduction in ("sum", "mean"):
        outputs, grads = compiled(batch, parameter_values, reduction=reduction)
        for k, column in enumerate(outputs):
            expected = ref_outputs[:, k]
            assert np.linalg.norm(column - expected) <= REL * np.linalg.norm(expected) + 1e-300
        expected = np.array([math.fsum(ref_grads[:, j]) for j in range(ref_grads.shape[1])])
        # A sum over samples can cancel: the bound is relative to the terms' own size.
        scale = np.linalg.norm(np.abs(ref_grads).sum(axis=0))
        if reduction == "mean":
            expected, scale = expected / len(samples), scale / len(samples)
        assert np.linalg.norm(grads - expected) <= REL * scale + 1e-300, reduction

    (got_outputs, got_grads) = compiled(list(samples[0]), parameter_values)
    assert list(got_outputs) == ref_outputs[0].tolist()
    assert list(got_grads) == ref_grads[0].tolist()
    return compiled


def mlp_by_hand(sizes, activation, loss):
    """build(x, parameters) for an MLP written directly with Values, the target last in x."""

    def build(x, parameters):
        values = iter(parameters)
        hidden, target = list(x[:-1]), x[-1]
        for layer, width in enumerate(sizes[1:]):
            outputs = []
            for _ in range(width):
                total = next(values) * hidden[0]
                for h in hidden[1:]:
                    total = total + next(values) * h
                total = total + next(values)
                last = layer == len(sizes) - 2
                act = "linear" if last else activation
                outputs.append(total if act == "linear" else getattr(total, act)())
            hidden = outputs
        if loss == "mse":
            losses = [(target - h) ** 2 for h in hidden]
        else:  # hinge on every output
            losses = [(1 - (2 * target - 1) * h).relu() for h in hidden]
        total = losses[0]
        for term in losses[1:]:
            total = total + term
        return [total / len(losses), hidden[0]]

    return build


def parameter_count(sizes):
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


# ---------------------------------------------------------------------- the plan's shape
def test_a_dense_layer_is_one_matrix_product_whoever_built_it():
    model = MLP(3, [5, 4, 2], "tanh", "linear", seed=0)
    x = [Value(0.1, label="x0"), Value(0.2, label="x1"), Value(0.3, label="x2")]
    by_nn = model(x)
    plan_nn = make_plan(Trace(by_nn[0] + by_nn[1], x, model.parameters(), ()))

    parameters = [Value(p.data) for p in model.parameters()]
    sizes = [3, 5, 4, 2]
    hidden = list(x)
    values = iter(parameters)
    for layer, width in enumerate(sizes[1:]):
        outputs = []
        for _ in range(width):
            total = next(values) * hidden[0]
            for h in hidden[1:]:
                total = total + next(values) * h
            total = total + next(values)
            outputs.append(total.tanh() if layer < 2 else total)
        hidden = outputs
    plan_hand = make_plan(Trace(hidden[0] + hidden[1], x, parameters, ()))

    assert plan_nn == plan_hand
    products = [s for s in plan_nn.steps if isinstance(s, Sums) and s.operand_rows]
    # The two linear outputs are added up, so their sums fold into one, which reads each hidden
    # value twice (two columns of its matrix for one row of values).
    assert [(len(s.rows), len(s.operand_rows)) for s in products] == [(5, 3), (4, 5), (1, 8)]
    assert [s.op for s in plan_nn.steps if isinstance(s, Elementwise)] == ["tanh", "tanh"]


def test_a_sum_of_plain_terms_is_one_reduction():
    x = [Value(float(i), label=f"x{i}") for i in range(6)]
    w = Value(0.5, label="w")
    terms = [(xi - w) ** 2 for xi in x]
    loss = terms[0]
    for term in terms[1:]:
        loss = loss + term
    plan = make_plan(Trace(loss, x, [w], ()))
    (reduction,) = [s for s in plan.steps if isinstance(s, Sums)]
    assert reduction.operand_rows == () and len(reduction.extras) == 6
    assert len(reduction.rows) == 1
    # Six subtractions and six squares, each as one call.
    assert [(s.op, len(s.rows)) for s in plan.steps if isinstance(s, Elementwise)] == [
        ("-", 6),
        ("**", 6),
    ]


def test_making_a_plan_changes_nothing_and_gives_the_same_plan_twice():
    model = MLP(2, [3, 1], seed=1)
    x = [Value(0.5), Value(-0.5)]
    out = model(x)
    before = [(v.data, v.grad, v.label) for v in model.parameters()]
    trace = Trace(out, x, model.parameters(), ())
    assert make_plan(trace) == make_plan(trace)
    assert [(v.data, v.grad, v.label) for v in model.parameters()] == before


def test_the_plan_prints_one_line_per_step():
    model = MLP(2, [16, 16, 1], "relu", "linear", seed=0)
    x = [Value(0.5), Value(-0.5)]
    compiled = compile_graph(model(x), x, model.parameters())
    text = compiled.plan_text
    assert "16 sums of 2 products (matrix product) + 1 more term each" in text
    assert "16 sums of 16 products (matrix product) + 1 more term each" in text
    assert "16 x relu" in text
    assert len(text.splitlines()) == 1 + len(compiled.plan.steps)


# ---------------------------------------------------------------------- numbers
@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=2),
    n_inputs=st.integers(1, 4),
    n_outputs=st.integers(1, 3),
    activation=st.sampled_from(ACTIVATIONS),
    loss=st.sampled_from(["mse", "hinge"]),
    seed=st.integers(0, 2**16),
    n=st.integers(1, 12),
)
def test_random_wide_mlps_equal_the_engine_sample_by_sample(
    sizes, n_inputs, n_outputs, activation, loss, seed, n
):
    shape = [n_inputs, *sizes, n_outputs]
    rng = np.random.default_rng(seed)
    parameter_values = rng.normal(size=parameter_count(shape)).tolist()
    samples = np.column_stack([rng.normal(size=(n, n_inputs)), rng.integers(0, 2, size=n)]).tolist()
    assert_batch_matches_engine(mlp_by_hand(shape, activation, loss), samples, parameter_values)


@settings(max_examples=60, deadline=None)
@given(case=programs(), widths=st.integers(1, 4))
def test_dense_parts_mixed_with_every_other_operation(case, widths):
    program, samples, parameter_values = case
    inner = program_builder(program)

    def build(x, parameters):
        output, last = inner(x, parameters)
        # A dense layer over the inputs and the program's output, fed back into the loss.
        operands = [*x, output]
        dense = []
        for m in range(widths):
            total = parameters[m % len(parameters)] * operands[0]
            for i, operand in enumerate(operands[1:], start=1):
                total = total + parameters[(m + i) % len(parameters)] * operand
            dense.append(total.tanh())
        loss = output
        for d in dense:
            loss = loss + d
        return [loss, last]

    # Samples outside an operation's domain are the compile tests' business; keep those that run.
    runnable = []
    for sample in samples:
        try:
            with no_grad():
                build([Value(v) for v in sample], [Value(v) for v in parameter_values])
        except (ArithmeticError, ValueError):
            continue
        runnable.append(sample)
    if runnable:
        assert_batch_matches_engine(build, runnable, parameter_values)


def test_reduction_none_is_the_engine_exactly():
    build = mlp_by_hand([2, 8, 1], "tanh", "mse")
    rng = np.random.default_rng(3)
    parameter_values = rng.normal(size=parameter_count([2, 8, 1])).tolist()
    samples = np.column_stack([rng.normal(size=(7, 2)), rng.integers(0, 2, 7)]).tolist()
    compiled = assert_batch_matches_engine(build, samples, parameter_values)
    outputs, per_sample = compiled(np.array(samples), parameter_values, reduction="none")
    ref_outputs, ref_grads = engine_reference(build, samples, parameter_values)
    assert per_sample.tolist() == ref_grads.tolist()
    assert outputs[0].tolist() == ref_outputs[:, 0].tolist()


# ---------------------------------------------------------------------- the readable source
def test_the_source_runs_on_its_own_and_gives_the_compiled_numbers():
    x = Value(0.3, label="x")
    w = Value(-1.2, label="w")
    b = Value(0.4, label="b")
    loss = ((w * x + b).tanh() - x.sin()).relu() + (x ** w.sigmoid()) + abs(w) * 2.0
    compiled = compile_graph(loss, [x], [w, b])
    namespace: dict[str, object] = {}
    exec(compiled.source, namespace)
    for sample in ([0.3], [1.7], [2.5]):
        assert namespace["forward_backward"](*sample, -1.2, 0.4) == compiled(sample)


def test_a_label_python_reserves_becomes_another_name():
    x = Value(1.0, label="__debug__")
    w = Value(2.0, label="None")
    compiled = compile_graph(x * w, [x], [w])
    assert compiled([3.0]) == ((6.0,), (3.0,))
    assert "__debug__ =" not in compiled.source


def test_many_values_sharing_one_label_get_distinct_names():
    x = Value(1.0, label="x")
    node = x
    for _ in range(3000):
        node = node * 1.0001
        node.label = "h"
    compiled = compile_graph(node, [], [x])
    lines = compiled.source.split("# backward")[0].splitlines()
    names = [line.split(" = ")[0].strip() for line in lines if " = " in line]
    assert len(names) == len(set(names)) == 3000
    # The loss is named first, then the others in order.
    assert names[-1] == "h" and names[:-1] == [f"h_{n}" for n in range(2, 3001)]
    (value,), (gradient,) = compiled([])
    assert value == pytest.approx(1.0001**3000, rel=1e-12)
    assert gradient == pytest.approx(1.0001**3000, rel=1e-12)


def test_a_small_batch_of_a_small_graph_runs_sample_by_sample_exactly():
    # Below the crossover the batch runs the readable code per sample: the engine's floats.
    build = mlp_by_hand([2, 2, 1], "sigmoid", "mse")
    parameter_values = np.random.default_rng(5).normal(size=parameter_count([2, 2, 1])).tolist()
    samples = [[0.5, -1.0, 1.0], [2.0, 0.3, 0.0], [-1.5, 1.5, 1.0]]
    leaves = [Value(x) for x in samples[0]]
    parameters = [Value(v) for v in parameter_values]
    results = build(leaves, parameters)
    compiled = compile_graph(results[0], leaves, parameters, outputs=results[1:])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("autograd.compile.runtime._SAMPLE_BY_SAMPLE", 10**9)
        outputs, summed = compiled(np.array(samples), parameter_values)
    ref_outputs, ref_grads = engine_reference(build, samples, parameter_values)
    assert outputs[0].tolist() == ref_outputs[:, 0].tolist()
    assert summed.tolist() == ref_grads.sum(axis=0).tolist()


# ---------------------------------------------------------------------- pins (mutation survivors)
def test_sums_over_the_same_operands_keep_their_own_plain_and_bias_terms():
    # Four sums at one level, each over x0 and x1: one with a plain Value term more (x0), one with
    # two terms the same for every sample (w4 + 1.0), one with one (w5), one with none. The plan
    # groups sums by their operands: each must keep its own extra terms in a group.
    def build(x, w):
        with_input = w[0] * x[0] + w[1] * x[1] + x[0]
        bare = w[2] * x[0] + w[3] * x[1]
        two_biases = w[6] * x[0] + w[7] * x[1] + w[4] + 1.0
        one_bias = w[8] * x[0] + w[9] * x[1] + w[5]
        loss = with_input * bare + two_biases * one_bias
        return [loss, with_input, bare, two_biases, one_bias]

    rng = np.random.default_rng(0)
    samples = rng.normal(size=(5, 2)).tolist()
    assert_batch_matches_engine(build, samples, rng.normal(size=10).tolist())


@pytest.mark.parametrize(("reduction", "gradient"), [("sum", 4.0), ("mean", 1.0)])
def test_a_loss_that_is_a_parameter_has_the_gradient_of_every_sample(reduction, gradient):
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    compiled = compile_graph(w, [x], [w], outputs=[w * x])
    (losses, products), grads = compiled(np.arange(4.0).reshape(4, 1), reduction=reduction)
    assert losses.tolist() == [2.0] * 4 and products.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert grads.tolist() == [gradient]  # d(w + w + w + w)/dw = 4 (mean: 1)


def test_the_fallback_after_an_overflow_flag_starts_the_gradients_afresh():
    # d loss / du = 1e200 * y = 1e350 overflows to inf, as it does in the engine: numpy flags it,
    # the samples run one by one without an error, and the batch runs again. The gradients it
    # had written before the flag must not count twice: d loss / dw = x = 3.
    x, y = Value(3.0, label="x"), Value(1e150, label="y")
    w, u = Value(0.5, label="w"), Value(1e-100, label="u")
    loss = w * x + 1e200 * (u * y)
    loss.backward()
    assert (w.grad, u.grad) == (3.0, math.inf)
    compiled = compile_graph(loss, [x, y], [w, u])
    (values,), grads = compiled(np.array([[3.0, 1e150]]))
    assert values.tolist() == [loss.data]
    assert grads.tolist() == [3.0, math.inf]


def test_a_value_labelled_power_is_renamed_in_the_code_that_calls_power():
    x, w = Value(2.0, label="power"), Value(0.5, label="w")
    loss = x**w
    loss.backward()
    compiled = compile_graph(loss, [x], [w])
    assert "power = " not in compiled.source
    assert compiled([2.0]) == ((loss.data,), (w.grad,))
    (values,), grads = compiled(np.array([[2.0], [3.0]]))
    assert values.tolist() == [2.0**0.5, 3.0**0.5]
    assert grads.tolist() == pytest.approx([2.0**0.5 * math.log(2.0) + 3.0**0.5 * math.log(3.0)])


def test_abs_at_its_kink_has_the_engines_gradient_in_a_batch():
    # d|x - w|/dw is -sign(x - w): 0 where x == w, as in the engine (and PyTorch).
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    compiled = compile_graph(abs(x - w), [x], [w])
    samples = [1.0, 2.0, 1.0, 1.0]
    expected = []
    for sample in samples:
        v = Value(1.0)
        abs(sample - v).backward()
        expected.append(v.grad)
    assert expected == [0.0, -1.0, 0.0, 0.0]
    (values,), summed = compiled(np.array([samples]).T)  # the batch code (see conftest.py)
    assert values.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert summed.tolist() == [sum(expected)]
