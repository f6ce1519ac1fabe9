"""to_torch and from_torch: the same network in PyTorch, the same outputs and the same SGD step."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, SGD, Layer, Neuron, cross_entropy, from_torch, mse_loss, to_torch
from nn.training import train_step

torch = pytest.importorskip("torch")  # the test command installs the 'torch' extra

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
architectures = st.tuples(
    st.integers(1, 4),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.sampled_from(ACTIVATIONS),
    st.sampled_from(ACTIVATIONS),
    st.integers(0, 2**16),
)


class DoubledLinear(torch.nn.Linear):
    """A Linear whose own forward computes twice what its weights say."""

    def forward(self, x):
        return 2 * super().forward(x)


class NegatedSequential(torch.nn.Sequential):
    def forward(self, x):
        return -super().forward(x)


def outputs(model, X):
    rows = [model(x.tolist()) for x in X]
    return np.array([[r.data] if not isinstance(r, list) else [v.data for v in r] for r in rows])


@settings(max_examples=40, deadline=None)
@given(architectures)
def test_to_torch_computes_the_same_outputs_and_from_torch_gives_the_weights_back(architecture):
    nin, nouts, activation, output_activation, seed = architecture
    model = MLP(nin, nouts, activation, output_activation, seed=seed)
    net = to_torch(model)
    X = np.random.default_rng(seed).normal(size=(7, nin)) * 2
    ours = outputs(model, X)
    theirs = net(torch.tensor(X, dtype=torch.float64)).detach().numpy()
    assert theirs.dtype == np.float64 and theirs.shape == (7, nouts[-1])
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-15)
    back = from_torch(net)
    assert back.state_dict() == model.state_dict()  # exact: float64 both ways
    assert (back.activation, back.output_activation) == (
        (activation if len(nouts) > 1 else output_activation),
        output_activation,
    )


def test_a_layer_and_a_neuron_go_to_torch_too():
    neuron = Neuron(3, "tanh", weights=[0.5, -1.0, 2.0], bias=0.25)
    x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    assert to_torch(neuron)(x).item() == pytest.approx(neuron([1.0, 2.0, 3.0]).data, rel=1e-15)
    layer = Layer(3, 2, "relu", seed=0)
    assert to_torch(layer)(x)[0].tolist() == pytest.approx([v.data for v in layer([1, 2, 3])])


def test_a_network_made_in_pytorch_comes_over():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
    ).double()  # fmt: skip
    model = from_torch(net)
    assert (model.nin, model.nouts, model.activation, model.output_activation) == (
        3, [5, 4, 2], "tanh", "linear",
    )  # fmt: skip
    X = np.random.default_rng(1).normal(size=(6, 3))
    expected = net(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(outputs(model, X), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("loss", "torch_loss", "nouts", "targets"),
    [
        (mse_loss, torch.nn.functional.mse_loss, [4, 2], lambda rng: rng.normal(size=(8, 2))),
        (cross_entropy, torch.nn.functional.cross_entropy, [4, 3],
         lambda rng: rng.integers(0, 3, size=8)),
    ],
)  # fmt: skip
def test_one_sgd_step_leaves_the_same_weights(loss, torch_loss, nouts, targets):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    y = targets(rng)
    model = MLP(3, nouts, "tanh", "linear", seed=3)
    net = to_torch(model)
    train_step(model, loss, SGD(model.parameters(), lr=0.1), X.tolist(), y.tolist())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    optimizer.zero_grad()
    torch_loss(net(torch.tensor(X)), torch.tensor(y)).backward()
    optimizer.step()
    after = from_torch(net).state_dict()
    assert list(after.values()) == pytest.approx(
        list(model.state_dict().values()), rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize(
    ("modules", "words"),
    [
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)], "Dropout"),
        (lambda: [torch.nn.Linear(2, 3, bias=False)], "without a bias"),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], "takes 4 inputs"),
        (lambda: [torch.nn.Tanh(), torch.nn.Linear(2, 1)], "must follow a Linear"),
        (
            lambda: [
                torch.nn.Linear(2, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 1),
            ],
            "different activations",
        ),
        (lambda: [], "no Linear"),
        # PyTorch computes 2 (w x + b) here: an MLP of its weights would compute half of that.
        (lambda: [DoubledLinear(2, 1)], r"module 0 is a DoubledLinear; .*of exactly these types"),
        (lambda: [torch.nn.Linear(2, 1, dtype=torch.complex128)], "weight is torch.complex128"),
        (lambda: [torch.nn.Linear(2, 1, device="meta")], "meta device: its weight holds no"),
        (lambda: [torch.nn.LazyLinear(1)], "LazyLinear .not initialised yet: run a batch"),
        (
            lambda: [torch.nn.Linear(2, 1), torch.nn.ReLU(), torch.nn.Identity()],
            r"module 2 \(Identity\) is a second activation after one Linear",
        ),
        (lambda: [torch.nn.Sigmoid()], r"module 0 \(Sigmoid\) comes before any Linear"),
    ],
)
def test_from_torch_names_what_it_cannot_read(modules, words):
    with pytest.raises(ValueError, match=words):
        from_torch(torch.nn.Sequential(*modules()))
    with pytest.raises(TypeError, match="Sequential"):
        from_torch(torch.nn.Linear(2, 1))


def test_from_torch_refuses_a_sequential_with_a_forward_of_its_own():
    with pytest.raises(TypeError, match="exactly: a subclass may have a forward of its own"):
        from_torch(NegatedSequential(torch.nn.Linear(2, 1)))


def test_without_pytorch_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r'needs PyTorch.*pip install -e "\.\[torch\]"'):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match="'torch' extra"):
        from_torch(None)
