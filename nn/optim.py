"""Optimisers: turn the gradients left by ``backward()`` into parameter updates.

The usual loop, as in PyTorch::

    opt = SGD(model.parameters(), lr=0.1)
    opt.zero_grad(); loss.backward(); opt.step()

A step reads the plain floats ``p.grad`` and writes ``p.data``; no operation on Values happens, so
no graph is recorded (there is nothing for `autograd.no_grad` to switch off). A step refuses to run
when any gradient is nan or infinite, naming the parameter, and then changes nothing.

A step is all or nothing: it computes every new value first and then assigns them all, finishing
the assignments even when Ctrl-C lands among them, so training stopped by the user leaves a
model that some step produced, never one half updated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from nn.checks import as_real


class Optimizer:
    """Holds the parameters to update; subclasses define `step`."""

    lr: float  # the learning rate, for type checkers: SGD and Adam set it, a schedule changes it

    def __init__(self, params: Iterable[Value]) -> None:
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for i, parameter in enumerate(params):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {i} must be a Value, "
                    f"not {type(parameter).__name__}"
                )
        if len({id(parameter) for parameter in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once")
        self.params = params

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to 0.0 before the next backward."""
        for parameter in self.params:
            parameter.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError

    def _commit(self, values: list[float], state: dict[str, object]) -> None:
        """Give every parameter its new value and the optimiser its new `state` attributes."""

        def assign() -> None:
            for parameter, value in zip(self.params, values, strict=True):
                parameter.data = value
            for name, attribute in state.items():
                setattr(self, name, attribute)

        try:
            assign()
        except KeyboardInterrupt:  # landed half way: finish (assigning twice is harmless)
            assign()
            raise

    def _gradients(self) -> list[float]:
        # A gradient is a Value after backward(create_graph=True): step on its number, as PyTorch
        # steps on a gradient that has a graph of its own.
        grads = [
            grad.data if isinstance(grad, Value) else float(grad)
            for grad in (parameter.grad for parameter in self.params)
        ]
        for i, (parameter, g) in enumerate(zip(self.params, grads, strict=True)):
            if not math.isfinite(g):
                name = parameter.label or f"#{i}"
                raise FloatingPointError(
                    f"{type(self).__name__}.step: the gradient of parameter {name} is {g!r}; "
                    "no parameter was changed"
                )
        return grads


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * g``, the article's update.

    With ``momentum`` m, g is replaced by the velocity ``v = m * v + g`` (v starts at 0);
    ``weight_decay`` wd adds ``wd * p`` to each gradient first (L2 regularisation), as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _check_hyper("lr", lr, minimum=0.0)
        self.momentum = _check_hyper("momentum", momentum, minimum=0.0, below=1.0)
        self.weight_decay = _check_hyper("weight_decay", weight_decay, minimum=0.0)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        grads = self._gradients()
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        velocity = list(self._velocity)
        values = []
        for i, (parameter, g) in enumerate(zip(self.params, grads, strict=True)):
            if weight_decay:
                g += weight_decay * parameter.data
            if momentum:
                velocity[i] = momentum * velocity[i] + g
                g = velocity[i]
            values.append(parameter.data - lr * g)
        self._commit(values, {"_velocity": velocity})

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr!r}, momentum={self.momentum!r}, weight_decay={self.weight_decay!r})"
        )


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015, Algorithm 1), with PyTorch's L2 ``weight_decay``.

    At step t, for each parameter p with gradient g (plus ``weight_decay * p``)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        p -= lr * (m / (1 - beta1 ** t)) / (sqrt(v / (1 - beta2 ** t)) + eps)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _check_hyper("lr", lr, minimum=0.0)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), not {betas!r}")
        self.betas = (
            _check_hyper("betas[0]", betas[0], minimum=0.0, below=1.0),
            _check_hyper("betas[1]", betas[1], minimum=0.0, below=1.0),
        )
        self.eps = _check_hyper("eps", eps, minimum=0.0)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0: it keeps a step finite where a gradient is 0")
        self.weight_decay = _check_hyper("weight_decay", weight_decay, minimum=0.0)
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        grads = self._gradients()
        beta1, beta2 = self.betas
        t = self.t + 1
        correction1 = 1.0 - beta1**t
        correction2 = 1.0 - beta2**t
        m, v = list(self._m), list(self._v)
        values = []
        for i, (parameter, g) in enumerate(zip(self.params, grads, strict=True)):
            if self.weight_decay:
                g += self.weight_decay * parameter.data
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            m_hat = m[i] / correction1
            v_hat = v[i] / correction2
            values.append(parameter.data - self.lr * m_hat / (math.sqrt(v_hat) + self.eps))
        self._commit(values, {"t": t, "_m": m, "_v": v})

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


def _check_hyper(name: str, value: object, *, minimum: float, below: float | None = None) -> float:
    """A finite real number >= minimum (and < below, when given), as a float."""
    value = as_real(value, name)
    if not math.isfinite(value) or value < minimum or (below is not None and value >= below):
        bounds = f"in [{minimum}, {below})" if below is not None else f">= {minimum}"
        raise ValueError(f"{name} must be a finite number {bounds}, got {value!r}")
    return value
