"""`Module` and the three modules built from it: `Neuron`, `Layer` and `MLP`.

A neuron multiplies each input by a weight, adds the weighted inputs and a bias, and passes the sum
through an activation (the article's sigmoid by default). A layer is a list of neurons that see the
same inputs; an MLP is a list of layers, each fed by the previous one.

Parameter names follow the position of each parameter, are stable, and are also set as the `label`
of each parameter Value (so drawings and error messages show them):

* a `Neuron`'s weights are ``w0, w1, ...`` and its bias is ``b``;
* a `Layer` prefixes the names of neuron ``i`` with ``N{i}.`` (``N1.w0``);
* an `MLP` prefixes the names of layer ``i`` with ``L{i}.`` (``L0.N1.w0``).

`parameters()` lists them layer by layer, neuron by neuron, each neuron's weights then its bias. For
the article's 2-2-1 network that is its w1, w2, b1, w3, w4, b2, w5, w6, b3.

A module with one output returns a single `Value`; with several it returns a list of Values. In the
same spirit a module with one input accepts a lone number or Value as well as a one-element list.

Which of the two a `Layer` or an `MLP` returns depends on its last size, known only at run time,
so a type checker sees ``model(x)`` as ``Any``, as it sees PyTorch's ``module(x)``; a name
annotated where it is bound (``y: Value = model(x)``) is checked from there on. A `Neuron` always
returns a Value, and says so.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Value
from nn.checks import Input, Seed, as_count, as_generator, as_inputs, as_real
from nn.serialization import MAX_FILE_BYTES, checked_state, describe, load_module, save_module

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": None,
}
INITS = ("normal", "lecun")


class Module:
    """Base class of everything that holds parameters, like PyTorch's ``nn.Module``.

    A subclass defines ``__call__`` and `named_parameters`; the rest (`parameters`, `zero_grad`,
    `state_dict`, `load_state_dict`, `save`, `load`) comes from here.
    """

    nin: int  # the length of one input vector; every module of nn has it

    if TYPE_CHECKING:  # for type checkers only: at run time a subclass defines the real one

        def __call__(self, x: Input) -> Any:
            """The module's output for one input: a Value, or a list of Values (see above)."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs of every parameter, in the documented stable order."""
        raise NotImplementedError(f"{type(self).__name__} must define named_parameters()")

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the same order as `named_parameters`."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set the gradient of every parameter back to 0.0 (leaves accumulate otherwise)."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    def _label_parameters(self) -> None:
        """Make each parameter's label its name, so a drawing shows where it sits."""
        for name, parameter in self.named_parameters():
            parameter.label = name

    def _config(self) -> dict[str, object]:
        """The constructor arguments that fix the structure; a saved file must match them."""
        return {"type": type(self).__name__}

    def __repr__(self) -> str:
        return describe(self._config())  # Neuron(nin=2, activation='sigmoid')

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` of every parameter, in order; plain floats, ready for JSON."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``{name: value}``, as made by `state_dict`.

        The names must be exactly this model's, and every value a finite int or float. Anything
        else raises `LoadError` naming the problem, and then no parameter has changed.
        """
        values = checked_state(state, self.named_parameters())
        for (_, parameter), value in zip(self.named_parameters(), values, strict=True):
            parameter.data = value

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the structure and parameters to `path` as JSON (never pickle).

        All at once or not at all: `path` holds its old content or the whole new file (see
        `nn.serialization`). Otherwise as writing with `open`: a new file gets the mode the umask
        allows, an existing one keeps its mode, a symlink keeps pointing to the (new) file, and a
        file `open` may not write is refused, as is anything but a regular file (a FIFO, a device).
        """
        save_module(self, path)

    def load(self, path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> Module:
        """Read parameters saved by `save` into this model and return it.

        The file must describe a module of the same structure (type, sizes, activations). A file
        that is not valid UTF-8 JSON of that shape, or whose parameters are missing, extra, not
        numbers or not finite, raises `LoadError`, and then the model is untouched. So does a
        file larger than `max_bytes` (64 MiB by default; raise it for a larger model) and
        anything but a regular file (a FIFO or a device, refused without waiting on it). A
        missing file raises `FileNotFoundError`, as `open` does.
        """
        return load_module(self, path, as_count(max_bytes, "max_bytes"))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str] | None:
        """Jupyter's rich display: the model drawn, or summed up when large (`nn.draw`); None
        falls back to repr."""
        from nn.draw import model_mimebundle  # drawing loads graphviz: only when asked to draw

        return model_mimebundle(self, include, exclude)


class Neuron(Module):
    """``activation(w0 * x0 + w1 * x1 + ... + b)``: the article's building block.

    >>> Neuron(2, weights=[0, 1], bias=4)([2, 3]).data  # the article's first example
    0.9990889488055994

    `weights` (length `nin`) and `bias` set the parameters; whichever is left out is drawn at
    random from `seed` (an int, a numpy Generator, or None for fresh entropy), weights first.
    ``init="normal"`` draws every weight and the bias from N(0, 1), as the article does;
    ``init="lecun"`` draws weights from N(0, 1/nin) and sets the bias to 0, which keeps wide
    layers out of saturation. Activations: "sigmoid" (default), "tanh", "relu", "linear".

    Attributes: `w` (list of weight Values), `b` (bias Value), `nin`, `activation`.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        weights: Sequence[float] | np.ndarray | None = None,
        bias: float | None = None,
        *,
        seed: Seed = None,
        init: str = "normal",
    ) -> None:
        self.nin = as_count(nin, "nin")
        self.activation = _check_activation(activation)
        self._activate = ACTIVATIONS[activation]
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {init!r}")
        rng = None if weights is not None and bias is not None else as_generator(seed)
        if weights is None:
            assert rng is not None  # made above whenever weights or bias is missing
            scale = 1.0 if init == "normal" else 1.0 / math.sqrt(self.nin)
            checked_weights: list[float] = (scale * rng.standard_normal(self.nin)).tolist()
        else:
            checked_weights = _check_weights(weights)
            if len(checked_weights) != self.nin:
                raise ValueError(f"Neuron({nin}) needs {nin} weights, got {len(checked_weights)}")
        if bias is None:
            assert rng is not None
            checked_bias = float(rng.standard_normal()) if init == "normal" else 0.0
        else:
            checked_bias = as_real(bias, "bias")
        self.w = [Value(weight) for weight in checked_weights]
        self.b = Value(checked_bias)
        self._label_parameters()

    def __call__(self, x: Input) -> Value:
        """The neuron's output for one input vector of length `nin`."""
        return self._forward(as_inputs(x, self.nin, "Neuron"))

    def _forward(self, xs: Sequence[Value | float]) -> Value:
        # Summed left to right, bias last, as the article writes w1 * x1 + w2 * x2 + b.
        w = self.w
        total = w[0] * xs[0]
        for i in range(1, self.nin):
            total = total + w[i] * xs[i]
        total = total + self.b
        return total if self._activate is None else self._activate(total)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``w0, w1, ..., b``."""
        return [*((f"w{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def _config(self) -> dict[str, object]:
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation}


class Layer(Module):
    """`nout` neurons, each seeing the same `nin` inputs.

    Random parameters come from one generator made from `seed`, neuron after neuron.
    Attributes: `neurons`, `nin`, `nout`, `activation`.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        *,
        seed: Seed = None,
        init: str = "normal",
    ) -> None:
        self.nin = as_count(nin, "nin")
        self.nout = as_count(nout, "nout")
        self.activation = _check_activation(activation)
        rng = as_generator(seed)
        self.neurons = [Neuron(nin, activation, seed=rng, init=init) for _ in range(nout)]
        self._label_parameters()

    def __call__(self, x: Input) -> Any:
        """The layer's outputs: a Value for one neuron, a list of Values for several (typed
        ``Any``: see the module's notes)."""
        outputs = self._forward(as_inputs(x, self.nin, "Layer"))
        return outputs[0] if self.nout == 1 else outputs

    def _forward(self, xs: Sequence[Value | float]) -> list[Value]:
        return [neuron._forward(xs) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``N{i}.<neuron name>`` for neuron i: ``N0.w0, N0.w1, N0.b, N1.w0, ...``."""
        return _prefixed("N", self.neurons)

    def _config(self) -> dict[str, object]:
        return {"type": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation}


class MLP(Module):
    """A multi-layer perceptron: layers of sizes `nouts`, the first fed `nin` inputs.

    >>> model = MLP(2, [2, 1], seed=0)  # the article's network: 2 inputs, h1 and h2, then o1
    >>> [name for name, _ in model.named_parameters()][:3]
    ['L0.N0.w0', 'L0.N0.w1', 'L0.N0.b']

    Hidden layers use `activation`; the last layer uses `output_activation`, which defaults to
    `activation` (the article's network is sigmoid throughout). Attributes: `layers`, `nin`,
    `nouts`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        *,
        seed: Seed = None,
        init: str = "normal",
    ) -> None:
        self.nin = as_count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, not {nouts!r}")
        self.nouts = [as_count(nout, "each layer size in nouts") for nout in nouts]
        self.activation = _check_activation(activation)
        if output_activation is None:
            output_activation = activation
        self.output_activation = _check_activation(output_activation)
        rng = as_generator(seed)
        inputs = [self.nin, *self.nouts[:-1]]
        activations = [activation] * (len(self.nouts) - 1) + [output_activation]
        self.layers = [
            Layer(nin, nout, layer_activation, seed=rng, init=init)
            for nin, nout, layer_activation in zip(inputs, self.nouts, activations, strict=True)
        ]
        self._label_parameters()

    def __call__(self, x: Input) -> Any:
        """The network's outputs: a Value for one output neuron, a list of Values for several
        (typed ``Any``: see the module's notes)."""
        xs: Sequence[Value | float] = as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            xs = layer._forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``L{i}.<layer name>`` for layer i: ``L0.N0.w0, ..., L1.N0.b``."""
        return _prefixed("L", self.layers)

    def _config(self) -> dict[str, object]:
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }


def _prefixed(prefix: str, parts: Sequence[Module]) -> list[tuple[str, Value]]:
    """The parts' parameters, each name prefixed with its part's: ``N0.w0``, ``L1.N0.b``."""
    return [
        (f"{prefix}{i}.{name}", parameter)
        for i, part in enumerate(parts)
        for name, parameter in part.named_parameters()
    ]


def _check_activation(name: str) -> str:  # typed str, but refuses any other object too
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {name!r}")
    return name


def _check_weights(weights: object) -> list[float]:
    if isinstance(weights, np.ndarray):
        if weights.ndim != 1:
            raise ValueError(f"weights must be 1-D, not an array of shape {weights.shape}")
        items: Sequence[object] = weights.tolist()
    elif isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(
            f"weights must be a list, tuple or 1-D numpy array of numbers, "
            f"not {type(weights).__name__}: {weights!r}"
        )
    else:
        items = weights
    return [as_real(weight, f"weights[{i}]") for i, weight in enumerate(items)]
