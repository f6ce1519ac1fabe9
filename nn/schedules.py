"""Learning-rate schedules: after each epoch, `step()` sets the optimiser's `lr` for the next one.

    >>> from nn import MLP, SGD
    >>> optimizer = SGD(MLP(1, [1], seed=0).parameters(), lr=0.1)
    >>> schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    >>> for epoch in range(5):
    ...     # ... train one epoch with optimizer.lr ...
    ...     schedule.step()
    >>> optimizer.lr
    0.025

The names and formulas are PyTorch's (`torch.optim.lr_scheduler`); `fit(..., scheduler=...)`
calls `step()` after every epoch.
"""

from __future__ import annotations

import math

from nn.checks import as_count, as_real
from nn.optim import Optimizer


class LRScheduler:
    """Sets ``optimizer.lr`` from the number of epochs done; subclasses define `lr_at`."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer) or not hasattr(optimizer, "lr"):
            raise TypeError(f"a schedule needs an nn optimiser with an lr, not {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def lr_at(self, epoch: int) -> float:
        """The learning rate after `epoch` epochs."""
        raise NotImplementedError

    def step(self) -> None:
        """One more epoch done: set the optimiser's learning rate for the next.

        A rate too large for a float (StepLR with gamma > 1 for long enough) raises
        OverflowError, and the optimiser keeps the rate it had.
        """
        try:
            rate = self.lr_at(self.epoch + 1)
        except OverflowError:  # Python's float ** says only "Numerical result out of range"
            rate = math.inf
        if not math.isfinite(rate):
            raise OverflowError(
                f"{self!r}: the learning rate after {self.epoch + 1} epochs is too large for a "
                f"float (from lr={self.base_lr!r})"
            )
        self.epoch += 1
        self.optimizer.lr = rate


class StepLR(LRScheduler):
    """``base_lr * gamma ** (epoch // step_size)``: the rate cut by `gamma` every `step_size`."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size = as_count(step_size, "step_size")
        self.gamma = _positive(gamma, "gamma")

    def lr_at(self, epoch: int) -> float:
        rate: float = self.base_lr * self.gamma ** (epoch // self.step_size)
        return rate

    def __repr__(self) -> str:
        return f"StepLR(step_size={self.step_size}, gamma={self.gamma!r})"


class CosineAnnealingLR(LRScheduler):
    """From ``base_lr`` down to `eta_min` along half a cosine over `T_max` epochs.

    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``; past `T_max` the
    cosine goes on (back up), as PyTorch's does.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.T_max = as_count(T_max, "T_max")
        self.eta_min = as_real(eta_min, "eta_min")
        if not 0.0 <= self.eta_min <= self.base_lr:
            raise ValueError(f"eta_min must be between 0 and the optimiser's lr, not {eta_min}")

    def lr_at(self, epoch: int) -> float:
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        rate: float = self.eta_min + (self.base_lr - self.eta_min) * cosine
        return rate

    def __repr__(self) -> str:
        return f"CosineAnnealingLR(T_max={self.T_max}, eta_min={self.eta_min!r})"


def _positive(value: object, name: str) -> float:
    value = as_real(value, name)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return value
