"""The bridge to PyTorch: the same network as a ``torch.nn.Sequential``, and back.

A model that outgrows scalar Values (wider layers, more data, a GPU) moves to PyTorch with its
weights: `to_torch` builds ``Linear`` layers in float64 holding the same numbers, each followed by
the same activation module, and `from_torch` reads such a ``Sequential`` back into an `MLP`::

    net = nn.to_torch(nn.MLP(2, [16, 16, 1], "tanh", "sigmoid", seed=0))
    net(torch.zeros(5, 2, dtype=torch.float64))    # samples x outputs: shape (5, 1)
    model = nn.from_torch(net)                     # and back, the same numbers

PyTorch is optional: ``pip install -e ".[torch]"`` installs the version these functions are
tested with. Without it they raise ImportError saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nn.module import MLP, Layer, Module, Neuron

if TYPE_CHECKING:
    import torch
    from torch.nn import Sequential  # the local name torch in to_torch is the module imported late

INSTALL_HINT = 'pip install -e ".[torch]"'
# nn's activations and the torch.nn modules that compute the same function.
TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def to_torch(model: Module) -> torch.nn.Sequential:
    """`model` (an `MLP`, a `Layer` or a `Neuron`) as a float64 ``torch.nn.Sequential``.

    Each layer becomes a ``Linear`` whose weight row i holds neuron i's weights, then the
    layer's activation module (none for "linear"). The result takes a batch, a tensor of
    samples x inputs, and returns samples x outputs. The weights are copies: training one model
    does not change the other.
    """
    torch = _import_torch("to_torch")
    modules: list[Any] = []
    for neurons, activation in _layers(model):
        linear = torch.nn.Linear(neurons[0].nin, len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        if activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    sequential: Sequential = torch.nn.Sequential(*modules)
    return sequential


def from_torch(sequential: torch.nn.Sequential) -> MLP:
    """The `MLP` computing what `sequential` computes: ``Linear`` layers, each followed by at most
    one of ``Sigmoid``, ``Tanh``, ``ReLU`` (or ``Identity``), the same one after every hidden
    layer, with real weights that hold numbers. Anything else raises ValueError naming the
    module. The types must be exactly these: a subclass may compute something else in its own
    ``forward``, which nn cannot read."""
    torch = _import_torch("from_torch")
    if type(sequential) is not torch.nn.Sequential:
        raise TypeError(
            "from_torch needs a torch.nn.Sequential (exactly: a subclass may have a forward of "
            f"its own), not {type(sequential).__name__}"
        )
    activations = {getattr(torch.nn, module): name for name, module in TORCH_ACTIVATIONS.items()}
    activations[torch.nn.Identity] = "linear"
    layers: list[tuple[Any, str | None]] = []  # each Linear and its activation, None for none yet
    for index, module in enumerate(sequential):
        kind = type(module)
        if kind is torch.nn.Linear:
            _check_linear(torch, module, index)
            if layers and layers[-1][0].out_features != module.in_features:
                raise ValueError(
                    f"module {index} takes {module.in_features} inputs, but the layer before "
                    f"gives {layers[-1][0].out_features}"
                )
            layers.append((module, None))
        elif kind in activations:
            if not layers:
                raise ValueError(
                    f"module {index} ({kind.__name__}) comes before any Linear; an activation "
                    "must follow a Linear"
                )
            if layers[-1][1] is not None:
                raise ValueError(
                    f"module {index} ({kind.__name__}) is a second activation after one Linear; "
                    "from_torch reads at most one (Identity counts as one)"
                )
            layers[-1] = (layers[-1][0], activations[kind])
        else:
            lazy = isinstance(module, torch.nn.modules.lazy.LazyModuleMixin)
            raise ValueError(
                f"module {index} is a {kind.__name__}"
                f"{' (not initialised yet: run a batch through it first)' if lazy else ''}; "
                f"from_torch reads only torch.nn.Linear and the activations "
                f"{sorted(TORCH_ACTIVATIONS.values())} or Identity, of exactly these types "
                "(a subclass may compute something else)"
            )
    if not layers:
        raise ValueError("the Sequential holds no Linear layer")
    read = [(linear, activation or "linear") for linear, activation in layers]
    hidden = {activation for _, activation in read[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"the hidden layers use different activations ({sorted(hidden)}); an MLP uses one"
        )
    output_activation = read[-1][1]
    activation = hidden.pop() if hidden else output_activation
    model = MLP(
        read[0][0].in_features,
        [linear.out_features for linear, _ in read],
        activation,
        output_activation,
        seed=0,
    )
    values = []
    for linear, _ in read:
        weights = linear.weight.detach().to(torch.float64).tolist()
        biases = linear.bias.detach().to(torch.float64).tolist()
        for row, bias in zip(weights, biases, strict=True):
            values.extend([*row, bias])
    names_in_order = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names_in_order, values, strict=True)))
    return model


def _check_linear(torch: Any, linear: Any, index: int) -> None:
    """A Linear whose weights nn can take: a bias, real numbers, and numbers at all."""
    if linear.bias is None:
        raise ValueError(f"module {index} is a Linear without a bias; every neuron of nn has one")
    for name in ("weight", "bias"):
        tensor = getattr(linear, name)
        if tensor.is_meta:
            raise ValueError(
                f"module {index} is a Linear on the meta device: its {name} holds no numbers"
            )
        if not tensor.is_floating_point():  # complex: taking the real part would change it
            raise ValueError(
                f"module {index} is a Linear whose {name} is {tensor.dtype}; nn's parameters "
                "are real numbers"
            )


def _layers(model: Module) -> list[tuple[list[Neuron], str]]:
    if isinstance(model, MLP):
        return [(layer.neurons, layer.activation) for layer in model.layers]
    if isinstance(model, Layer):
        return [(model.neurons, model.activation)]
    if isinstance(model, Neuron):
        return [([model], model.activation)]
    raise TypeError(f"to_torch takes an MLP, a Layer or a Neuron, not {type(model).__name__}")


def _import_torch(who: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"nn.{who} needs PyTorch, an optional dependency of backproplab; install it with "
            f"{INSTALL_HINT} (the 'torch' extra)"
        ) from None
    return torch
