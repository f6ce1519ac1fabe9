"""The article's world: its people, its network written out by hand, and its names.

Victor Zhou's "Implementing Neural Networks from Scratch in Python" predicts gender from weight
(pounds) and height (inches), with female = 1 and male = 0, after shifting each weight by -135
and each height by -66 so that the inputs sit near 0. Its network has 2 inputs, a hidden layer
of two sigmoid neurons h1 and h2, one sigmoid output o1, and nine parameters::

    h1 = sigmoid(w1 * x0 + w2 * x1 + b1)
    h2 = sigmoid(w3 * x0 + w4 * x1 + b2)
    o1 = sigmoid(w5 * h1 + w6 * h2 + b3)

`ManualNetwork` is its ``OurNeuralNetwork``, the gradients the article's chain-rule products
written out one by one with no autograd at all: an independent check of the engine.
`article_network` is the same network as an autograd MLP, its parameters labelled with the
article's names for drawings; `sigmoid` and `deriv_sigmoid` are the article's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from nn.checks import Seed, as_generator, as_real
from nn.module import MLP

WEIGHT_SHIFT = 135
HEIGHT_SHIFT = 66
FEMALE = 1
MALE = 0


class Person(NamedTuple):
    """One row of the article's table: weight in pounds, height in inches, gender (F = 1)."""

    name: str
    weight: float
    height: float
    gender: int

    @property
    def shifted(self) -> tuple[float, float]:
        """(weight - 135, height - 66): the inputs the article's network is trained on."""
        return (self.weight - WEIGHT_SHIFT, self.height - HEIGHT_SHIFT)


PEOPLE = (
    Person("Alice", 133, 65, FEMALE),
    Person("Bob", 160, 72, MALE),
    Person("Charlie", 152, 70, MALE),
    Person("Diana", 120, 60, FEMALE),
)
# The two people the article predicts after training; their gender is the article's answer.
EMILY = Person("Emily", 128, 63, FEMALE)
FRANK = Person("Frank", 155, 68, MALE)


def people(shifted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The article's training set as ``(X, y)``: X is 4 x 2 (weight, height), y is 4 genders.

    >>> X, y = people()
    >>> X.tolist(), y.tolist()
    ([[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]], [1.0, 0.0, 0.0, 1.0])
    """
    rows = [person.shifted if shifted else (person.weight, person.height) for person in PEOPLE]
    return np.array(rows, dtype=float), np.array([person.gender for person in PEOPLE], dtype=float)


# The article's names in the order of MLP(2, [2, 1]).parameters().
PARAMETER_NAMES = ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3")


def sigmoid(x: float) -> float:
    """The article's activation, f(x) = 1 / (1 + e^(-x)), without overflow for very negative x."""
    if x < -700.0:
        return math.exp(x)  # equals 1 / (1 + e^(-x)) to far below a float's precision here
    return 1.0 / (1.0 + math.exp(-x))


def deriv_sigmoid(x: float) -> float:
    """The article's derivative of the sigmoid: f'(x) = f(x) * (1 - f(x))."""
    fx = sigmoid(x)
    return fx * (1 - fx)


class ManualNetwork:
    """The article's 2-2-1 sigmoid network, trained with hand-derived gradients.

    `parameters` maps each of the names w1..w6, b1..b3 to a number; without it every parameter is
    drawn from N(0, 1) as in the article, from `seed` (an int, a numpy Generator or None), in the
    order of `PARAMETER_NAMES`, which is the order ``MLP(2, [2, 1], seed=seed)`` draws them in: the
    same seed gives the same network both ways.
    """

    def __init__(self, parameters: Mapping[str, float] | None = None, *, seed: Seed = None):
        if parameters is None:
            draws = as_generator(seed).standard_normal(len(PARAMETER_NAMES)).tolist()
            parameters = dict(zip(PARAMETER_NAMES, draws, strict=True))
        self.load_state_dict(parameters)

    # Set by load_state_dict; declared here for readers and type checkers.
    w1: float
    w2: float
    w3: float
    w4: float
    w5: float
    w6: float
    b1: float
    b2: float
    b3: float

    def state_dict(self) -> dict[str, float]:
        """``{"w1": ..., ...}`` in the order of `PARAMETER_NAMES`."""
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    def load_state_dict(self, parameters: Mapping[str, float]) -> None:
        """Set all nine parameters from a mapping with exactly the names w1..w6, b1..b3."""
        if not isinstance(parameters, Mapping) or set(parameters) != set(PARAMETER_NAMES):
            given = sorted(parameters) if isinstance(parameters, Mapping) else parameters
            raise ValueError(f"ManualNetwork needs the parameters {PARAMETER_NAMES}, got {given!r}")
        values = {name: as_real(parameters[name], f"parameter {name}") for name in PARAMETER_NAMES}
        for name, value in values.items():
            if not math.isfinite(value):  # as MLP refuses it: training would spread it everywhere
                raise ValueError(f"ManualNetwork: parameter {name} must be finite, not {value!r}")
        for name, value in values.items():
            setattr(self, name, value)

    def feedforward(self, x: Sequence[float]) -> float:
        """The network's output o1 for x = [x0, x1]."""
        x0, x1 = _pair(x)
        h1 = sigmoid(self.w1 * x0 + self.w2 * x1 + self.b1)
        h2 = sigmoid(self.w3 * x0 + self.w4 * x1 + self.b2)
        o1 = sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)
        return o1

    def gradients(self, x: Sequence[float], y_true: float) -> dict[str, float]:
        """The partial derivatives of L = (y_true - y_pred) ** 2, as the article derives them.

        Returns ``{"w1": dL/dw1, ..., "b3": dL/db3}`` in the order of `PARAMETER_NAMES`.
        """
        x0, x1 = _pair(x)
        y_true = as_real(y_true, "y_true")
        # --- Feedforward, keeping the sums the derivatives need
        sum_h1 = self.w1 * x0 + self.w2 * x1 + self.b1
        h1 = sigmoid(sum_h1)
        sum_h2 = self.w3 * x0 + self.w4 * x1 + self.b2
        h2 = sigmoid(sum_h2)
        sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
        y_pred = sigmoid(sum_o1)

        # --- dL/dy_pred, then each neuron's local derivatives (d_a_d_b is "partial a / partial b")
        d_L_d_ypred = -2 * (y_true - y_pred)

        # Neuron o1
        d_ypred_d_w5 = h1 * deriv_sigmoid(sum_o1)
        d_ypred_d_w6 = h2 * deriv_sigmoid(sum_o1)
        d_ypred_d_b3 = deriv_sigmoid(sum_o1)
        d_ypred_d_h1 = self.w5 * deriv_sigmoid(sum_o1)
        d_ypred_d_h2 = self.w6 * deriv_sigmoid(sum_o1)

        # Neuron h1
        d_h1_d_w1 = x0 * deriv_sigmoid(sum_h1)
        d_h1_d_w2 = x1 * deriv_sigmoid(sum_h1)
        d_h1_d_b1 = deriv_sigmoid(sum_h1)

        # Neuron h2
        d_h2_d_w3 = x0 * deriv_sigmoid(sum_h2)
        d_h2_d_w4 = x1 * deriv_sigmoid(sum_h2)
        d_h2_d_b2 = deriv_sigmoid(sum_h2)

        # --- The chain rule: multiply along the path from L down to each parameter
        return {
            "w1": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1,
            "w2": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2,
            "b1": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1,
            "w3": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3,
            "w4": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4,
            "b2": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2,
            "w5": d_L_d_ypred * d_ypred_d_w5,
            "w6": d_L_d_ypred * d_ypred_d_w6,
            "b3": d_L_d_ypred * d_ypred_d_b3,
        }

    def mse_loss(self, data: Sequence[Sequence[float]], all_y_trues: Sequence[float]) -> float:
        """The article's loss over a data set: the mean of (y_true - y_pred) ** 2."""
        squared_errors = [
            (y_true - self.feedforward(x)) ** 2 for x, y_true in zip(data, all_y_trues, strict=True)
        ]
        return sum(squared_errors) / len(squared_errors)

    def train(
        self,
        data: Sequence[Sequence[float]],
        all_y_trues: Sequence[float],
        *,
        learn_rate: float = 0.1,
        epochs: int = 1000,
        report_every: int | None = None,
    ) -> list[float]:
        """The article's training: per-sample SGD, in data order, for `epochs` passes.

        Returns the loss over the whole data set after each epoch. With ``report_every=10`` it
        also prints ``Epoch 0 loss: 0.xxx`` every 10 epochs, as the article does.
        """
        data = [_pair(x) for x in data]
        all_y_trues = [as_real(y, f"target {i}") for i, y in enumerate(all_y_trues)]
        if len(data) != len(all_y_trues) or not data:
            raise ValueError(
                f"train needs as many targets as samples (at least one): "
                f"{len(data)} samples, {len(all_y_trues)} targets"
            )
        history = []
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues, strict=True):
                grads = self.gradients(x, y_true)
                for name, gradient in grads.items():
                    setattr(self, name, getattr(self, name) - learn_rate * gradient)
            loss = self.mse_loss(data, all_y_trues)
            history.append(loss)
            if report_every and epoch % report_every == 0:
                print(f"Epoch {epoch} loss: {loss:.3f}")
        return history

    # ------------------------------------------------------------------ the autograd twin
    def to_mlp(self) -> MLP:
        """The equivalent autograd ``MLP(2, [2, 1])`` with the same nine parameter values, its
        parameters labelled with the article's names (see `article_network`)."""
        mlp = article_network(seed=0)  # the values drawn here are all overwritten just below
        mlp.load_state_dict(
            {name: getattr(self, article_name) for name, article_name in _mlp_names(mlp)}
        )
        return mlp

    @classmethod
    def from_mlp(cls, mlp: MLP) -> ManualNetwork:
        """The network with the parameter values of a sigmoid ``MLP(2, [2, 1])``."""
        if (
            not isinstance(mlp, MLP)
            or mlp.nin != 2
            or mlp.nouts != [2, 1]
            or mlp.activation != "sigmoid"
            or mlp.output_activation != "sigmoid"
        ):
            raise ValueError(f"from_mlp needs a sigmoid MLP(2, [2, 1]), got {mlp!r}")
        state = mlp.state_dict()
        return cls({article_name: state[name] for name, article_name in _mlp_names(mlp)})

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in PARAMETER_NAMES)
        return f"ManualNetwork({values})"


def article_network(*, seed: Seed = None) -> MLP:
    """The article's network as an autograd ``MLP(2, [2, 1])``, parameters labelled w1 .. b3.

    >>> [p.label for p in article_network(seed=0).parameters()]
    ['w1', 'w2', 'b1', 'w3', 'w4', 'b2', 'w5', 'w6', 'b3']

    The parameters are drawn as ``MLP(2, [2, 1], seed=seed)`` draws them; their names in
    `state_dict` and in saved files stay the MLP's (``L0.N0.w0``, ...).
    """
    mlp = MLP(2, [2, 1], seed=seed)
    for parameter, name in zip(mlp.parameters(), PARAMETER_NAMES, strict=True):
        parameter.label = name
    return mlp


def _mlp_names(mlp: MLP) -> list[tuple[str, str]]:
    """(MLP parameter name, article name) pairs: L0.N0.w0 is w1, ..., L1.N0.b is b3."""
    names = [name for name, _ in mlp.named_parameters()]
    return list(zip(names, PARAMETER_NAMES, strict=True))


def _pair(x: Sequence[float]) -> tuple[float, float]:
    if len(x) != 2:
        raise ValueError(f"ManualNetwork expects 2 inputs, got {len(x)}")
    return as_real(x[0], "ManualNetwork input 0"), as_real(x[1], "ManualNetwork input 1")
