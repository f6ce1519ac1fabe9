"""compile_graph: the compiled code against the scalar engine, the article and finite differences.

For one sample the compiled code must give exactly the engine's floats (same operations, same
order). For a batch it must give, sample by sample, the engine's numbers to 1e-12 relative (numpy's
exp, sin... may differ from math's in the last bit); a gradient summed over the batch is compared
with the exactly rounded sum of the engine's per-sample gradients, to 1e-12 of the sum of their
magnitudes, since no summation order can do better than that when the terms cancel.
"""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, compile_graph, no_grad
from autograd.engine import data_of
from nn import MLP, PARAMETER_NAMES, ManualNetwork, people

# These tests are about the batch code: small batches run it too (see conftest.py).
pytestmark = pytest.mark.usefixtures("batch_code_for_every_batch")


REL = 1e-12


# ---------------------------------------------------------------------- helpers
def same(a: float, b: float) -> bool:
    """Bitwise-equal floats, nan equal to nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: float, b: float, scale: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return same(a, b)
    return abs(a - b) <= REL * max(abs(b), scale) + 1e-300


def engine_run(build, sample, parameter_values):
    """The scalar engine on one sample: (outputs, parameter gradients), or the error it raises.

    The sample's numbers go in as plain floats, so the engine treats them as constants, as the
    compiled code does: neither computes derivatives with respect to the data.
    """
    parameters = [Value(p) for p in parameter_values]
    try:
        outputs = build(list(sample), parameters)
        outputs[0].backward()
    except (ArithmeticError, ValueError) as error:
        return error
    return [data_of(o) for o in outputs], [p.grad for p in parameters]


def trace(build, sample, parameter_values):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(sample)]
    parameters = [Value(p, label=f"w{i}") for i, p in enumerate(parameter_values)]
    outputs = build(leaves, parameters)
    return compile_graph(outputs[0], leaves, parameters, outputs=outputs[1:])


def check_against_engine(build, samples, parameter_values):
    """Compile once from a sample the engine can run, then compare every path with the engine."""
    reference = [engine_run(build, s, parameter_values) for s in samples]
    runnable = [s for s, r in zip(samples, reference) if not isinstance(r, Exception)]
    if not runnable:
        return  # nothing to trace: every sample is outside some operation's domain
    compiled = trace(build, runnable[0], parameter_values)
    batch = np.array(samples, dtype=float)
    failed = [r for r in reference if isinstance(r, Exception)]
    if failed:
        # The batch raises the engine's error for the first failing sample.
        with pytest.raises(type(failed[0])):
            compiled(batch, parameter_values)
        for sample, expected in zip(samples, reference):
            if isinstance(expected, Exception):
                with pytest.raises(type(expected)):
                    compiled(sample, parameter_values)
        return

    # One sample at a time: exactly the engine's floats.
    for sample, (outputs, grads) in zip(samples, reference):
        got_outputs, got_grads = compiled(sample, parameter_values)
        assert all(same(a, b) for a, b in zip(got_outputs, outputs)), (got_outputs, outputs)
        assert all(same(a, b) for a, b in zip(got_grads, grads)), (got_grads, grads)

    # A batch, sample by sample (reduction="none").
    outputs, per_sample = compiled(batch, parameter_values, reduction="none")
    assert per_sample.shape == (len(samples), len(parameter_values))
    for i, (expected_outputs, expected_grads) in enumerate(reference):
        for column, expected in zip(outputs, expected_outputs):
            assert close(float(column[i]), expected), (i, column[i], expected)
        for got, expected in zip(per_sample[i], expected_grads):
            assert close(float(got), expected), (i, got, expected)

    # A batch, summed and averaged over the samples. The batch code adds up in another order than
    # the engine (matrix products), so the promise is normwise: the gradient vector within 1e-12
    # of the size of its terms, which a sum that cancels (within a sample or across) cannot beat.
    for reduction in ("sum", "mean"):
        _, reduced = compiled(batch, parameter_values, reduction=reduction)
        finite = [
            j
            for j in range(len(parameter_values))
            if all(math.isfinite(grads[j]) for _, grads in reference)
        ]
        exact = [math.fsum(grads[j] for _, grads in reference) for j in finite]
        magnitude = [math.fsum(abs(grads[j]) for _, grads in reference) for j in finite]
        if reduction == "mean":
            exact = [e / len(reference) for e in exact]
            magnitude = [m / len(reference) for m in magnitude]
        error = math.hypot(*(float(reduced[j]) - e for j, e in zip(finite, exact)))
        assert error <= REL * math.hypot(*magnitude) + 1e-300, (reduction, reduced, exact)


# ---------------------------------------------------------------------- the article
def article_network(x, p, *, labels=True):
    """The article's 2-2-1 network and loss on Values; p in the order of PARAMETER_NAMES."""
    w1, w2, b1, w3, w4, b2, w5, w6, b3 = p
    x0, x1, y_true = x
    h1 = (w1 * x0 + w2 * x1 + b1).sigmoid()
    h2 = (w3 * x0 + w4 * x1 + b2).sigmoid()
    o1 = (w5 * h1 + w6 * h2 + b3).sigmoid()
    if labels:
        h1.label, h2.label, o1.label = "h1", "h2", "y_pred"
    loss = (y_true - o1) ** 2
    return [loss, o1]


def compile_article(parameter_values):
    x = [Value(0.0, label="x0"), Value(0.0, label="x1"), Value(0.0, label="y_true")]
    p = [Value(v, label=name) for v, name in zip(parameter_values, PARAMETER_NAMES)]
    loss, o1 = article_network(x, p)
    loss.label = "L"
    return compile_graph(loss, x, p, outputs=[o1])


def test_article_worked_example():
    # All weights 1, all biases 0, only Alice (-2, -1), y = 1: y_pred = 0.5236951..., and the
    # article's dL/dw1 = 0.0214695... (0.0214 in the article, from rounded factors).
    compiled = compile_article([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    (loss, y_pred), grads = compiled([-2.0, -1.0, 1.0])
    assert y_pred == pytest.approx(0.5236951, abs=1e-7)
    assert grads[0] == pytest.approx(0.0214695, abs=1e-7)
    assert loss == pytest.approx((1 - 0.5236951) ** 2, abs=1e-6)


def test_article_source_reads_like_the_hand_derived_code():
    compiled = compile_article([1.0] * 9)
    lines = [line.strip() for line in compiled.source.splitlines()]
    # It imports what it calls, so that it runs on its own.
    assert lines[:2] == ["from autograd.compile.float_rules import sigmoid", ""]
    assert lines[2] == "def forward_backward(x0, x1, y_true, w1, w2, b1, w3, w4, b2, w5, w6, b3):"
    # One forward line per operation: 17 in the article's network and its loss.
    forward = lines[lines.index("# forward: one operation per line") + 1 :]
    forward = forward[: next(i for i, line in enumerate(forward) if line.startswith("#"))]
    assert len(forward) == 17
    assert "h1 = sigmoid(t4)" in forward
    assert "L = t13 ** 2.0" in forward
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3", "h1", "h2", "y_pred"):
        assert any(line.startswith(f"d_L_d_{name} = ") for line in lines), name
    # The article's chain rule, one factor per line: the gradient passes through sums unchanged.
    assert "d_L_d_t12 = d_L_d_y_pred * (y_pred * (1 - y_pred))" in lines
    assert "d_L_d_w5 = d_L_d_t12 * h1" in lines
    assert "d_L_d_h1 = d_L_d_t12 * w5" in lines


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1),
    person=st.sampled_from(range(4)),
)
def test_article_gradients_equal_the_hand_derived_ones(seed, person):
    manual = ManualNetwork(seed=seed)
    parameter_values = [manual.state_dict()[name] for name in PARAMETER_NAMES]
    X, y = people()
    compiled = compile_article(parameter_values)
    sample = [float(X[person][0]), float(X[person][1]), float(y[person])]
    _, grads = compiled(sample)
    expected = manual.gradients(X[person], float(y[person]))
    for name, got in zip(PARAMETER_NAMES, grads):
        assert got == pytest.approx(expected[name], rel=1e-12, abs=1e-15), name
    # And the whole data set as one batch: the sum of the four hand-derived gradients.
    batch = np.column_stack([X, y]).astype(float)
    _, summed = compiled(batch)
    for j, name in enumerate(PARAMETER_NAMES):
        terms = [manual.gradients(X[i], float(y[i]))[name] for i in range(4)]
        magnitude = sum(abs(t) for t in terms)
        assert abs(summed[j] - math.fsum(terms)) <= 1e-12 * magnitude + 1e-300, name


# ---------------------------------------------------------------------- random MLPs
@st.composite
def mlps(draw):
    n_inputs = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    activation = draw(st.sampled_from(["sigmoid", "tanh", "relu", "linear"]))
    loss = draw(st.sampled_from(["mse", "hinge", "cross_entropy"]))
    model = MLP(n_inputs, [*sizes, 1], activation, "sigmoid", seed=draw(st.integers(0, 2**16)))
    n = draw(st.integers(1, 6))
    numbers = st.floats(-3.0, 3.0, allow_nan=False)
    samples = [
        [
            *draw(st.lists(numbers, min_size=n_inputs, max_size=n_inputs)),
            draw(st.sampled_from([0.0, 1.0])),
        ]
        for _ in range(n)
    ]
    return model, loss, samples


def mlp_builder(model: MLP, loss_name: str):
    """build(inputs, parameters) for the model's per-sample loss; the target is the last input."""
    structure = model

    def build(x, parameters):
        # The model's layers with these parameter Values in place of its own.
        values = iter(parameters)
        hidden = list(x[:-1])
        for layer in structure.layers:
            outputs = []
            for neuron in layer.neurons:
                w = [next(values) for _ in neuron.w]
                b = next(values)
                total = w[0] * hidden[0]
                for wi, xi in zip(w[1:], hidden[1:]):
                    total = total + wi * xi
                total = total + b
                outputs.append(
                    total if neuron.activation == "linear" else getattr(total, neuron.activation)()
                )
            hidden = outputs
        prediction, target = hidden[0], x[-1]
        if loss_name == "mse":
            loss = (target - prediction) ** 2
        elif loss_name == "hinge":
            loss = (1 - (2 * target - 1) * prediction).relu()
        else:  # cross entropy on a sigmoid output, kept away from log(0)
            p = prediction * 0.998 + 0.001
            loss = -(target * p.log() + (1 - target) * (1 - p).log())
        return [loss, prediction]

    return build


@settings(max_examples=40)
@given(mlps())
def test_random_mlps_equal_the_engine(case):
    model, loss_name, samples = case
    parameter_values = [p.data for p in model.parameters()]
    check_against_engine(mlp_builder(model, loss_name), samples, parameter_values)


def test_mlp_batch_gradient_matches_central_differences():
    # Independent truth: finite differences of the batch loss, evaluated by the engine's forward.
    model = MLP(2, [3, 1], "tanh", "sigmoid", seed=3)
    build = mlp_builder(model, "mse")
    rng = np.random.default_rng(0)
    batch = np.column_stack([rng.normal(size=(5, 2)), rng.integers(0, 2, 5)]).astype(float)
    theta = [p.data for p in model.parameters()]
    compiled = trace(build, batch[0].tolist(), theta)
    _, grads = compiled(batch, theta, reduction="mean")

    def batch_loss(values):
        with no_grad():
            losses = [
                build([Value(x) for x in row], [Value(v) for v in values])[0].data
                for row in batch.tolist()
            ]
        return sum(losses) / len(losses)

    eps = 1e-6
    for j in range(len(theta)):
        above, below = list(theta), list(theta)
        above[j] += eps
        below[j] -= eps
        numeric = (batch_loss(above) - batch_loss(below)) / (2 * eps)
        assert grads[j] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


# ---------------------------------------------------------------------- random expression graphs
UNARY = ("neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos")
BINARY = ("+", "-", "*", "/", "**")
constants = st.sampled_from([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0])
steps = st.tuples(
    st.sampled_from(UNARY + BINARY),
    st.integers(0, 50),  # first argument: an earlier node (taken modulo their number)
    st.integers(0, 50),  # second argument
    st.sampled_from(["values", "constant left", "constant right"]),
    constants,
)


def apply(step, nodes):
    """One step of a random program: (result, positions of the nodes it used).

    Domains are guarded so that most programs run. The module functions (autograd.log...) work
    on Values and on plain numbers alike, as the engine reference needs.
    """
    op, i, j, shape, c = step
    i, j = i % len(nodes), j % len(nodes)
    a, b = nodes[i], nodes[j]
    if op in UNARY:
        if op == "log":
            return autograd.log(abs(a) + 0.5), {i}
        if op == "sqrt":
            return autograd.sqrt(abs(a) + 0.25), {i}
        if op == "neg":
            return -a, {i}
        if op == "abs":
            return abs(a), {i}
        return getattr(autograd, op)(a), {i}
    if shape == "constant right":
        if op == "/":
            return a / c, {i}
        if op == "**":  # integral exponents for any base, others for a positive one
            return (a ** round(c) if c == round(c) else (abs(a) + 0.5) ** c), {i}
    if shape == "constant left":
        if op == "/":
            return c / (abs(b) + 0.5), {j}
        if op == "**":  # a positive constant to a Value power
            return abs(c) ** autograd.tanh(b), {j}
    if op == "/":
        return a / (abs(b) + 0.5), {i, j}
    if op == "**":
        return (abs(a) + 0.5) ** autograd.tanh(b), {i, j}
    left, right, used = (
        (c, b, {j})
        if shape == "constant left"
        else (a, c, {i})
        if shape == "constant right"
        else (a, b, {i, j})
    )
    return {"+": operator.add, "-": operator.sub, "*": operator.mul}[op](left, right), used


def program_builder(program):
    def build(x, parameters):
        leaves = [*x, *parameters]
        nodes = list(leaves)
        depends = [{k} for k in range(len(leaves))]  # the leaves each node was computed from
        used: set[int] = set()
        for step in program:
            result, arguments = apply(step, nodes)
            nodes.append(result)
            depends.append(set().union(*(depends[k] for k in arguments)))
            used |= arguments
        # The output adds up every result nothing else uses, so that the graph holds every step
        # (the engine computes each step eagerly, the compiled code only what the output needs),
        # then every leaf not yet used (compile_graph refuses unused inputs).
        sinks = [k for k in range(len(leaves), len(nodes)) if k not in used]
        output = nodes[sinks[0]]
        for k in sinks[1:]:
            output = output + nodes[k]
        reached = set().union(*(depends[k] for k in sinks))
        for k, leaf in enumerate(leaves):
            if k not in reached:
                output = output + 0.5 * leaf
        return [output, nodes[-1]]

    return build


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 3))
    n_parameters = draw(st.integers(1, 3))
    program = draw(st.lists(steps, min_size=1, max_size=14))
    numbers = st.floats(-2.0, 2.0, allow_nan=False)
    n = draw(st.integers(1, 4))
    samples = [draw(st.lists(numbers, min_size=n_inputs, max_size=n_inputs)) for _ in range(n)]
    parameter_values = draw(st.lists(numbers, min_size=n_parameters, max_size=n_parameters))
    return program, samples, parameter_values


@settings(max_examples=150)
@given(programs())
def test_random_expression_graphs_equal_the_engine(case):
    program, samples, parameter_values = case
    check_against_engine(program_builder(program), samples, parameter_values)


@pytest.mark.parametrize("op", UNARY + BINARY)
@pytest.mark.parametrize("shape", ["values", "constant left", "constant right"])
def test_every_op_alone(op, shape):
    # Each op on its own, fed by a parameter and an input, so that no op escapes the random tests.
    def build(x, p):
        node, _ = apply((op, 0, 1, shape, 1.5), [x[0] * p[0], x[0] + p[1]])
        return [node * p[0] + x[0] * p[1]]

    samples = [[0.7], [-1.3], [2.0], [0.0]]
    check_against_engine(build, samples, [0.9, -0.4])


# ---------------------------------------------------------------------- behaviour
def test_backward_accumulates_into_grad_like_the_engine():
    compiled = compile_article([0.5] * 9)
    X, y = people()
    batch = np.column_stack([X, y]).astype(float)
    compiled.backward(batch, reduction="mean")
    compiled.backward(batch, reduction="mean")  # leaves accumulate: twice the gradient
    values = [0.5] * 9
    for j, parameter in enumerate(compiled.parameters):
        terms = [engine_run(article_network, row, values)[1][j] for row in batch.tolist()]
        assert parameter.grad == pytest.approx(2 * sum(terms) / 4, rel=1e-12, abs=1e-15)


def test_parameters_default_to_their_current_data():
    compiled = compile_article([0.5] * 9)
    sample = [-2.0, -1.0, 1.0]
    before = compiled(sample)
    for parameter in compiled.parameters:
        parameter.data = 1.0
    after = compiled(sample)
    assert after == compiled(sample, [1.0] * 9)
    assert before == compiled(sample, [0.5] * 9)
    assert before != after


def test_a_python_if_is_baked_into_the_trace():
    # The documented limit: the branch taken while tracing is taken for every sample.
    def build(x, p):
        return [x[0] * p[0] if x[0].data > 0 else -x[0] * p[0]]

    compiled = trace(build, [1.0], [2.0])
    (output,), _ = compiled([-3.0], [2.0])
    assert output == -6.0  # the engine would take the other branch and give 6.0


def test_a_parameter_outside_the_loss_gets_zero():
    x, w, v = Value(1.0, label="x"), Value(2.0, label="w"), Value(3.0, label="v")
    loss, extra = x * w, x * v
    compiled = compile_graph(loss, [x], [w, v], outputs=[extra])
    (out, other), grads = compiled([5.0])
    assert (out, other, grads) == (10.0, 15.0, (5.0, 0.0))
    _, batch_grads = compiled(np.array([[1.0], [2.0]]))
    assert batch_grads.tolist() == [3.0, 0.0]


def test_loss_that_is_a_parameter_or_input():
    w = Value(2.0, label="w")
    x = Value(1.0, label="x")
    compiled = compile_graph(w, [], [w])
    assert compiled([]) == ((2.0,), (1.0,))
    compiled = compile_graph(x * 1.0, [x], [])
    assert compiled([4.0]) == ((4.0,), ())


def test_labels_become_names_and_clashes_are_resolved():
    a = Value(1.0, label="L0.N0.w0")
    b = Value(2.0, label="exp")  # a function name of the generated code
    c = Value(3.0, label="L0.N0.w0")  # the same label twice
    loss = (a * b).exp() + c
    compiled = compile_graph(loss, [], [a, b, c])
    assert "\ndef forward_backward(L0_N0_w0, exp_, L0_N0_w0_2):\n" in compiled.source
    assert compiled([], [1.0, 2.0, 3.0])[1] == pytest.approx((2 * math.exp(2), math.exp(2), 1.0))


def test_batch_code_runs_each_dense_layer_as_one_matrix_product():
    # A 2-16-16-1 MLP has 600-odd operations; the batch code runs each layer's sums of products
    # as one matrix product and each layer's activations as one call.
    model = MLP(2, [16, 16, 1], "relu", "linear", seed=0)
    build = mlp_builder(model, "hinge")
    compiled = trace(build, [0.5, -0.5, 1.0], [p.data for p in model.parameters()])
    operations = compiled.source.split("# backward")[0].count(" = ")
    assert operations > 600
    assert compiled.batch_source.count("np.matmul(") == 3
    shapes = [
        (len(step.rows), len(step.operand_rows))
        for step in compiled.plan.steps
        if getattr(step, "operand_rows", ())
    ]
    assert shapes == [(16, 2), (16, 16), (1, 16)]
    assert "16 x relu" in compiled.plan_text


def test_a_batch_result_is_not_changed_by_the_next_call():
    x, y = Value(2.0, label="x"), Value(1.0, label="y")
    w = Value(0.5, label="w")
    loss = (y - (w * x).sigmoid()) ** 2
    compiled = compile_graph(loss, inputs=[x, y], parameters=[w])
    first_batch = np.array([[2.0, 1.0], [0.0, 0.0]])
    (first,), first_grads = compiled(first_batch, reduction="none")
    kept, kept_grads = first.copy(), first_grads.copy()
    compiled(np.array([[5.0, 0.0], [1.0, 1.0]]), reduction="none")
    assert np.array_equal(first, kept)
    assert np.array_equal(first_grads, kept_grads)
    expected = [(t - 1 / (1 + math.exp(-0.5 * s))) ** 2 for s, t in first_batch.tolist()]
    assert first.tolist() == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------- pins (mutation survivors)
def test_backward_with_reduction_none_sums_the_samples_into_grad():
    # Per-sample gradients are kept apart in the returned rows, but .grad, like the engine's
    # backward over several samples, holds their sum (not their mean).
    compiled = compile_article([0.5] * 9)
    X, y = people()
    batch = np.column_stack([X, y]).astype(float)
    compiled.backward(batch, reduction="none")
    values = [0.5] * 9
    for j, parameter in enumerate(compiled.parameters):
        terms = [engine_run(article_network, row, values)[1][j] for row in batch.tolist()]
        assert parameter.grad == pytest.approx(math.fsum(terms), rel=1e-12, abs=1e-15)
        assert abs(math.fsum(terms)) > 1e-6  # large enough for a mean to differ from the sum
