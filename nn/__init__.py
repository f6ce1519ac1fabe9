"""Neurons, layers, MLPs, losses and optimisers built on `autograd.Value`.

    >>> from nn import MLP, SGD, mse_loss, people
    >>> X, y = people()
    >>> model = MLP(2, [2, 1], seed=0)  # the article's 2-2-1 sigmoid network
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> for x, y_true in zip(X, y):  # one epoch of the article's per-sample SGD
    ...     loss = mse_loss([y_true], [model(x)])
    ...     opt.zero_grad(); loss.backward(); opt.step()

The parts, one job each: `module` (Module, Neuron, Layer, MLP), `serialization` (model files),
`checks` (argument checks), `losses`, `optim`, `training` (fit), `progress` (fit's display),
`compiled` (fit with a compiled loss), `schedules` (learning rates), `metrics` (accuracy),
`pytorch` (to_torch, from_torch), `data` (data sets), `draw` (model_to_svg: a forward pass
drawn neuron by neuron, layer by layer) and `article` (the article's people, its network with
hand-derived gradients to check the automatic ones against, and its names).
"""

# Imported first: it refuses to go on if another project's `autograd` or `nn` shares our folder.
# Not just `import autograd`: when HIPS autograd has replaced our `autograd/__init__.py`, only this
# module (still in the folder) can say so, where `import autograd` would run theirs.
from autograd import _installation  # noqa: F401
from nn.article import (
    EMILY,
    FRANK,
    PARAMETER_NAMES,
    PEOPLE,
    ManualNetwork,
    Person,
    article_network,
    people,
)
from nn.data import (
    load_iris,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from nn.draw import model_to_dot, model_to_html, model_to_svg
from nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge_loss,
    log_softmax,
    mse_loss,
    softmax,
)
from nn.metrics import accuracy
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, Optimizer
from nn.pytorch import from_torch, to_torch
from nn.schedules import CosineAnnealingLR, LRScheduler, StepLR
from nn.serialization import LoadError
from nn.training import History, batch_loss, evaluate, fit, predict, train_step

__all__ = [
    "EMILY",
    "FRANK",
    "MLP",
    "PARAMETER_NAMES",
    "PEOPLE",
    "SGD",
    "Adam",
    "CosineAnnealingLR",
    "History",
    "LRScheduler",
    "Layer",
    "LoadError",
    "ManualNetwork",
    "Module",
    "Neuron",
    "Optimizer",
    "Person",
    "StepLR",
    "accuracy",
    "article_network",
    "batch_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "evaluate",
    "fit",
    "from_torch",
    "hinge_loss",
    "load_iris",
    "log_softmax",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "model_to_dot",
    "model_to_html",
    "model_to_svg",
    "mse_loss",
    "people",
    "predict",
    "softmax",
    "to_torch",
    "train_step",
    "train_test_split",
]
