"""Neuron, Layer and MLP: forward values, parameter order and names, inputs, initialisation."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron

SIGMOID = lambda z: 1 / (1 + math.exp(-z))


def test_the_article_neuron():
    assert Neuron(2, weights=[0, 1], bias=4)([2, 3]).data == 0.9990889488055994


@pytest.mark.parametrize(
    ("activation", "function"),
    [
        ("sigmoid", SIGMOID),
        ("tanh", math.tanh),
        ("relu", lambda z: max(z, 0.0)),
        ("linear", lambda z: z),
    ],
)
@pytest.mark.parametrize("bias", [-3.0, 0.5])
def test_activations(activation, function, bias):
    neuron = Neuron(3, activation, weights=[0.5, -1.0, 2.0], bias=bias)
    expected = function(0.5 * 1.0 - 1.0 * 2.0 + 2.0 * -0.25 + bias)
    assert neuron([1.0, 2.0, -0.25]).data == pytest.approx(expected, rel=1e-15)


def test_neuron_gradients_are_the_inputs_times_the_sigmoid_slope():
    neuron = Neuron(2, weights=[0.3, -0.7], bias=0.1)
    out = neuron([2.0, 3.0])
    out.backward()
    slope = out.data * (1 - out.data)
    assert [w.grad for w in neuron.w] == pytest.approx([2.0 * slope, 3.0 * slope])
    assert neuron.b.grad == pytest.approx(slope)


def test_parameter_order_and_names_of_the_article_network():
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    # the article's w1, w2, b1, w3, w4, b2, w5, w6, b3
    assert names == [
        "L0.N0.w0", "L0.N0.w1", "L0.N0.b",
        "L0.N1.w0", "L0.N1.w1", "L0.N1.b",
        "L1.N0.w0", "L1.N0.w1", "L1.N0.b",
    ]  # fmt: skip
    h1, h2 = model.layers[0].neurons
    (o1,) = model.layers[1].neurons
    expected = [*h1.w, h1.b, *h2.w, h2.b, *o1.w, o1.b]
    assert all(a is b for a, b in zip(model.parameters(), expected, strict=True))
    assert [p.label for p in model.parameters()] == names
    assert [name for name, _ in Neuron(2, seed=0).named_parameters()] == ["w0", "w1", "b"]
    assert [name for name, _ in Layer(1, 2, seed=0).named_parameters()] == [
        "N0.w0",
        "N0.b",
        "N1.w0",
        "N1.b",
    ]


def test_parameters_are_stable_objects():
    model = MLP(3, [4, 2], seed=0)
    assert all(a is b for a, b in zip(model.parameters(), model.parameters(), strict=True))
    assert len(model.parameters()) == 4 * (3 + 1) + 2 * (4 + 1)


def test_one_output_is_a_value_several_are_a_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1, 2]), Value)
    assert isinstance(Layer(2, 1, seed=0)([1, 2]), Value)
    outputs = MLP(2, [3, 2], seed=0)([1, 2])
    assert isinstance(outputs, list) and len(outputs) == 2
    assert all(isinstance(v, Value) for v in outputs)
    # a one-neuron hidden layer feeds the next layer like any other
    assert isinstance(MLP(2, [1, 1], seed=0)([1, 2]), Value)


def test_mlp_is_its_layers_applied_in_turn():
    model = MLP(2, [3, 2], activation="tanh", output_activation="linear", seed=4)
    x = [0.3, -1.2]
    hidden = [n.w[0].data * x[0] + n.w[1].data * x[1] + n.b.data for n in model.layers[0].neurons]
    hidden = [math.tanh(z) for z in hidden]
    expected = [
        sum(w.data * h for w, h in zip(n.w, hidden, strict=True)) + n.b.data
        for n in model.layers[1].neurons
    ]
    assert [v.data for v in model(x)] == pytest.approx(expected, rel=1e-14)
    assert model.layers[0].activation == "tanh" and model.layers[1].activation == "linear"


def test_output_activation_defaults_to_activation():
    assert MLP(2, [2, 1], activation="relu").output_activation == "relu"
    assert MLP(2, [2, 1]).layers[-1].activation == "sigmoid"


@pytest.mark.parametrize(
    "x",
    [[1, 2], (1, 2), np.array([1.0, 2.0]), np.array([1, 2]), [Value(1.0), 2], [np.float32(1), 2]],
)
def test_accepted_inputs(x):
    model = MLP(2, [2, 1], seed=0)
    assert model(x).data == model([1.0, 2.0]).data


def test_a_one_input_model_takes_a_lone_number():
    model = MLP(1, [2, 1], seed=0)
    assert model(0.5).data == model([0.5]).data == model(Value(0.5)).data


def test_inputs_can_be_values_and_get_gradients():
    x = [Value(1.0), Value(-2.0)]
    Neuron(2, weights=[3.0, 5.0], bias=0.0, activation="linear")(x).backward()
    assert [v.grad for v in x] == [3.0, 5.0]


@pytest.mark.parametrize("module", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [2], seed=0)])
@pytest.mark.parametrize("x", [[1, 2], [1, 2, 3, 4], np.zeros(2), 1.0])
def test_wrong_input_length_names_expected_and_received(module, x):
    received = 1 if isinstance(x, float) else len(x)
    with pytest.raises(ValueError, match=f"expects 3 inputs, got {received}"):
        module(x)


@pytest.mark.parametrize("x", [[1, "2"], [1, None], [True, 2], "12", {1: 2}, None])
def test_wrong_input_types_raise_type_error(x):
    with pytest.raises(TypeError):
        MLP(2, [1], seed=0)(x)


@pytest.mark.parametrize(
    "x",
    [
        [np.complex128(1 + 2j), 1.0],
        [1.0, 1j],
        np.array([1 + 2j, 1.0]),
        [np.bool_(True), 1.0],
    ],
)
def test_complex_and_bool_inputs_are_refused_not_cut_to_their_real_part(x):
    with pytest.raises(TypeError, match=r"input \d .*must be a number.*not (complex|bool)"):
        MLP(2, [1], seed=0)(x)
    with pytest.raises(TypeError, match="complex"):
        MLP(1, [1], seed=0)(np.complex128(1 + 2j))


def test_two_dimensional_array_input_is_refused():
    with pytest.raises(ValueError, match="shape"):
        MLP(2, [1], seed=0)(np.zeros((1, 2)))


def test_seeds_make_initialisation_reproducible():
    assert MLP(2, [3, 1], seed=1).state_dict() == MLP(2, [3, 1], seed=1).state_dict()
    assert MLP(2, [3, 1], seed=1).state_dict() != MLP(2, [3, 1], seed=2).state_dict()
    a = MLP(2, [3, 1], seed=np.random.default_rng(8))
    assert a.state_dict() == MLP(2, [3, 1], seed=np.random.default_rng(8)).state_dict()
    assert MLP(2, [3, 1]).state_dict() != MLP(2, [3, 1]).state_dict()  # None: fresh entropy


def test_normal_init_draws_weights_then_bias_from_standard_normal():
    draws = np.random.default_rng(3).standard_normal(3).tolist()
    neuron = Neuron(2, seed=3)
    assert [p.data for p in neuron.parameters()] == draws


def test_lecun_init_scales_weights_and_zeroes_biases():
    layer = Layer(400, 3, seed=0, init="lecun")
    weights = np.array([w.data for n in layer.neurons for w in n.w])
    assert abs(weights.std() - 1 / math.sqrt(400)) < 0.005
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_explicit_weights_with_random_bias_and_the_reverse():
    assert Neuron(2, weights=[1, 2], seed=0).w[1].data == 2.0
    assert Neuron(2, bias=7, seed=0).b.data == 7.0


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: Neuron(0), ValueError, "at least 1"),
        (lambda: Neuron(2.0), TypeError, "nin must be an int"),
        (lambda: Neuron(2, "softmax"), ValueError, "activation must be one of"),
        (lambda: Neuron(2, weights=[1]), ValueError, "needs 2 weights, got 1"),
        (lambda: Neuron(2, weights=[1, "a"]), TypeError, r"weights\[1\] must be a number.*str"),
        (lambda: Neuron(2, bias="a"), TypeError, "bias must be a number.*str"),
        (lambda: Neuron(1, weights=5, bias=0), TypeError, "weights must be a list.*int"),
        (lambda: Neuron(1, weights="5", bias=0), TypeError, "weights must be a list.*str"),
        (lambda: Neuron(1, weights=np.array(5.0)), ValueError, "weights must be 1-D.*shape"),
        (lambda: Neuron(1, weights=np.ones((1, 1))), ValueError, "weights must be 1-D.*shape"),
        (lambda: Neuron(1, weights=[np.complex128(1 + 2j)]), TypeError, r"weights\[0\].*complex"),
        (lambda: Neuron(1, bias=np.complex64(1j)), TypeError, "bias.*complex64"),
        (lambda: Neuron(2, init="xavier"), ValueError, "init must be one of"),
        (lambda: Neuron(2, seed=1.5), TypeError, "seed"),
        (lambda: MLP(2, [1], seed=-1), ValueError, r"^seed must be an int >= 0 .* -1\)$"),
        (lambda: Layer(2, 1, seed=np.int64(-5)), ValueError, r"^seed must be an int >= 0"),
        (lambda: MLP(2, []), TypeError, "nouts"),
        (lambda: MLP(2, 3), TypeError, "nouts"),
        (lambda: MLP(2, [2, 0]), ValueError, "layer size"),
        (lambda: MLP(2, [2], output_activation="soft"), ValueError, "activation"),
    ],
)
def test_bad_construction_raises_clearly(build, error, words):
    with pytest.raises(error, match=words):
        build()


def test_zero_grad():
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_reprs_are_readable():
    assert repr(Neuron(2)) == "Neuron(nin=2, activation='sigmoid')"
    assert repr(Layer(2, 3, "tanh")) == "Layer(nin=2, nout=3, activation='tanh')"
    assert repr(MLP(2, [2, 1])) == (
        "MLP(nin=2, nouts=[2, 1], activation='sigmoid', output_activation='sigmoid')"
    )
