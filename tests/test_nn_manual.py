"""The article's hand-derived network against the autograd MLP: what the project promises."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import ManualDerivativeError, check_manual
from nn import (
    EMILY,
    FRANK,
    MLP,
    PARAMETER_NAMES,
    SGD,
    LoadError,
    ManualNetwork,
    article_network,
    fit,
    mse_loss,
    people,
)
from nn.article import deriv_sigmoid, sigmoid

ALL_ONES = {name: (1.0 if name.startswith("w") else 0.0) for name in PARAMETER_NAMES}
ALICE = ([-2.0, -1.0], 1.0)

parameter = st.floats(-5, 5, allow_nan=False)
coordinate = st.floats(-30, 30, allow_nan=False)
networks = st.fixed_dictionaries({name: parameter for name in PARAMETER_NAMES})


# ---------------------------------------------------------------------- the article's numbers
def test_the_article_sigmoid_and_its_derivative():
    assert sigmoid(0) == 0.5
    assert sigmoid(7) == pytest.approx(0.999, abs=5e-4)  # the article's first neuron: f(7)
    assert deriv_sigmoid(0) == 0.25
    for x in (-3.0, -0.5, 0.0, 1.0, 4.0):
        h = 1e-5
        central = (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
        assert deriv_sigmoid(x) == pytest.approx(central, rel=1e-8)
    # Far out it saturates instead of overflowing: math.exp(800) would raise OverflowError.
    assert sigmoid(-800.0) == 0.0 and sigmoid(800.0) == 1.0
    assert deriv_sigmoid(-800.0) == 0.0 and deriv_sigmoid(800.0) == 0.0


def test_feedforward_of_the_article_network():
    every_neuron_w01_b0 = dict(w1=0, w2=1, w3=0, w4=1, w5=0, w6=1, b1=0, b2=0, b3=0)
    network = ManualNetwork(every_neuron_w01_b0)
    assert network.feedforward([2, 3]) == 0.7216325609518421
    assert network.to_mlp()([2, 3]).data == 0.7216325609518421


def test_worked_backprop_example_by_hand():
    network = ManualNetwork(ALL_ONES)
    assert network.feedforward(ALICE[0]) == 0.5236951740839997
    assert network.gradients(*ALICE)["w1"] == 0.02146953526581111
    # the article's rounded factors: dL/dypred * dypred/dh1 * dh1/dw1
    assert network.gradients(*ALICE)["w1"] == pytest.approx(-0.952 * 0.249 * -0.0904, abs=1e-4)


def test_worked_backprop_example_by_autograd():
    mlp = ManualNetwork(ALL_ONES).to_mlp()
    y_pred = mlp(ALICE[0])
    assert y_pred.data == 0.5236951740839997
    mse_loss([ALICE[1]], [y_pred]).backward()
    # the engine multiplies the same factors in another order: equal to the last bit or one ulp
    assert mlp.parameters()[0].grad == pytest.approx(0.02146953526581111, rel=1e-15)


# ---------------------------------------------------------------------- manual == automatic
def check_the_article_derivation(**options) -> bool:
    """The project's promise through the public `check_manual`: over searched weights and samples,
    the article's hand-derived gradients equal autograd's on the same network."""
    model = article_network(seed=0)

    def loss(x0, x1, y_true):
        return mse_loss([y_true], [model([x0, x1])])

    def by_hand(x0, x1, y_true, **parameters):
        return ManualNetwork(parameters).gradients([x0, x1], y_true)

    return check_manual(
        loss,
        by_hand,
        bounds=[(-30, 30), (-30, 30), (0, 1)],
        parameters=model.parameters(),
        parameter_bounds=(-5, 5),
        rtol=1e-9,
        atol=1e-300,
        **options,
    )


def test_autograd_gradients_equal_the_hand_derived_ones():
    assert check_the_article_derivation(max_examples=150)


def test_a_slip_in_the_hand_derived_network_is_caught(monkeypatch):
    # The article's sigmoid' with a plus: at every number 0, f(0) (1 + f(0)) = 0.75, not 0.25
    monkeypatch.setattr("nn.article.deriv_sigmoid", lambda x: sigmoid(x) * (1 + sigmoid(x)))
    with pytest.raises(ManualDerivativeError) as error:
        check_the_article_derivation()
    assert set(error.value.point.values()) == {0.0}
    # dL/dy_pred = -2 (0 - 0.5) = 1, so dL/db3 = 1 * 0.75 with the slip, 1 * 0.25 without
    assert re.search(r"dL/db3 +0\.75 +0\.25 ", str(error.value))


@settings(max_examples=40)
@given(
    st.fixed_dictionaries({name: st.floats(-2, 2) for name in PARAMETER_NAMES}),
    st.floats(-3, 3),
    st.floats(-3, 3),
    st.floats(0, 1),
)
def test_hand_derived_gradients_match_central_differences(parameters, x0, x1, y_true):
    """The hand derivation itself is checked against numbers that use no derivative at all."""
    network = ManualNetwork(parameters)
    by_hand = network.gradients([x0, x1], y_true)
    eps = 1e-6
    for name in PARAMETER_NAMES:
        shifted = dict(parameters)
        shifted[name] = parameters[name] + eps
        above = (y_true - ManualNetwork(shifted).feedforward([x0, x1])) ** 2
        shifted[name] = parameters[name] - eps
        below = (y_true - ManualNetwork(shifted).feedforward([x0, x1])) ** 2
        numeric = (above - below) / (2 * eps)
        assert by_hand[name] == pytest.approx(numeric, rel=1e-4, abs=1e-8), name


def test_a_thousand_epochs_of_manual_and_automatic_training_stay_equal():
    X, y = people()
    manual = ManualNetwork(seed=2024)
    mlp = manual.to_mlp()
    manual_losses = manual.train(X, y, learn_rate=0.1, epochs=1000)
    automatic_losses = fit(mlp, X, y, optimizer=SGD(mlp.parameters(), lr=0.1), epochs=1000)
    assert len(manual_losses) == len(automatic_losses) == 1000
    assert max(abs(a - b) for a, b in zip(manual_losses, automatic_losses, strict=True)) < 1e-9
    trained = ManualNetwork.from_mlp(mlp).state_dict()
    assert max(abs(trained[name] - getattr(manual, name)) for name in PARAMETER_NAMES) < 1e-9
    assert manual_losses[-1] < manual_losses[0] / 10  # and the training did train


# ---------------------------------------------------------------------- training outcome
# Seed 13 is the one seed in 0..499 where 1000 epochs leave Frank at 0.31: it converges late.
SLOW_SEEDS = {13}


@pytest.mark.parametrize("seed", [s for s in range(40) if s not in SLOW_SEEDS])
def test_after_training_emily_is_female_and_frank_male(seed):
    X, y = people()
    network = ManualNetwork(seed=seed)
    network.train(X, y)
    assert network.feedforward(EMILY.shifted) > 0.9
    assert network.feedforward(FRANK.shifted) < 0.1


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_after_autograd_training_emily_is_female_and_frank_male(seed):
    X, y = people()
    model = MLP(2, [2, 1], seed=seed)
    losses = fit(model, X, y)
    assert all(later <= earlier + 1e-12 for earlier, later in zip(losses, losses[1:]))
    assert model(EMILY.shifted).data > 0.9
    assert model(FRANK.shifted).data < 0.1


def test_train_reports_like_the_article(capsys):
    X, y = people()
    ManualNetwork(seed=0).train(X, y, epochs=30, report_every=10)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" loss: ")[0] for line in lines] == ["Epoch 0", "Epoch 10", "Epoch 20"]
    assert all(len(line.split(" loss: ")[1]) == 5 for line in lines)  # "%.3f"


# ---------------------------------------------------------------------- conversions
def test_the_same_seed_gives_the_same_network_both_ways():
    assert ManualNetwork(seed=5).to_mlp().state_dict() == MLP(2, [2, 1], seed=5).state_dict()


def test_parameters_map_in_the_article_order():
    network = ManualNetwork({name: float(i) for i, name in enumerate(PARAMETER_NAMES)})
    mlp = network.to_mlp()
    assert [p.data for p in mlp.parameters()] == [float(i) for i in range(9)]
    assert mlp.layers[0].neurons[1].w[0].data == network.w3
    assert mlp.layers[1].neurons[0].b.data == network.b3
    assert ManualNetwork.from_mlp(mlp).state_dict() == network.state_dict()


def test_default_initialisation_is_reproducible_and_standard_normal():
    assert ManualNetwork(seed=1).state_dict() == ManualNetwork(seed=1).state_dict()
    assert ManualNetwork(seed=1).state_dict() != ManualNetwork(seed=2).state_dict()
    expected = np.random.default_rng(9).standard_normal(9).tolist()
    assert list(ManualNetwork(seed=9).state_dict().values()) == expected


@pytest.mark.parametrize(
    "mlp",
    [MLP(2, [3, 1]), MLP(3, [2, 1]), MLP(2, [2, 1], activation="tanh"), MLP(2, [2, 1, 1])],
    ids=repr,
)
def test_from_mlp_refuses_other_networks(mlp):
    with pytest.raises(ValueError, match="sigmoid MLP"):
        ManualNetwork.from_mlp(mlp)


def test_bad_parameters_and_inputs_raise():
    with pytest.raises(ValueError, match="w1"):
        ManualNetwork({"w1": 1.0})
    with pytest.raises(TypeError, match="b3"):
        ManualNetwork({**ALL_ONES, "b3": "zero"})
    with pytest.raises(TypeError, match=r"w2 must be a number.*complex128"):
        ManualNetwork({**ALL_ONES, "w2": np.complex128(1 + 1j)})
    with pytest.raises(TypeError, match=r"input 1 must be a number.*complex128"):
        ManualNetwork(ALL_ONES).feedforward([1.0, np.complex128(1 + 1j)])
    with pytest.raises(TypeError, match=r"target 0 must be a number.*complex128"):
        ManualNetwork(ALL_ONES).train([[1, 2]], [np.complex128(1 + 1j)], epochs=1)
    with pytest.raises(ValueError, match="2 inputs, got 3"):
        ManualNetwork(ALL_ONES).feedforward([1, 2, 3])
    with pytest.raises(ValueError, match="as many targets"):
        ManualNetwork(ALL_ONES).train([[1, 2]], [1, 0])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_parameters_are_refused_as_mlp_refuses_them(bad):
    with pytest.raises(ValueError, match="parameter w5 must be finite"):
        ManualNetwork({**ALL_ONES, "w5": bad})
    network = ManualNetwork(ALL_ONES)
    with pytest.raises(ValueError, match="must be finite"):
        network.load_state_dict({**ALL_ONES, "b1": bad})
    assert network.state_dict() == ALL_ONES
    mlp = MLP(2, [2, 1], seed=0)
    with pytest.raises(LoadError, match="must be finite"):
        mlp.load_state_dict({**mlp.state_dict(), "L1.N0.w0": bad})


def test_the_article_network_carries_the_article_names():
    model = article_network(seed=3)
    assert [p.label for p in model.parameters()] == list(PARAMETER_NAMES)
    assert model.state_dict() == MLP(2, [2, 1], seed=3).state_dict()
    assert [p.label for p in ManualNetwork(seed=1).to_mlp().parameters()] == list(PARAMETER_NAMES)
