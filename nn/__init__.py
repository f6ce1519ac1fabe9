"""Neurons, layers, MLPs, losses and optimisers built on `autograd.Value`.

    >>> from nn import MLP, SGD, mse_loss, people
    >>> X, y = people()
    >>> model = MLP(2, [2, 1], seed=0)  # the article's 2-2-1 sigmoid network
    >>> opt = SGD(model.parameters(), lr=0.1)
    >>> for x, y_true in zip(X, y):  # one epoch of the article's per-sample SGD
    ...     loss = mse_loss([y_true], [model(x)])
    ...     opt.zero_grad(); loss.backward(); opt.step()

The parts: `module` (Module, Neuron, Layer, MLP, saving and loading), `losses`, `optim`,
`training` (fit), `draw` (model_to_svg: a forward pass drawn neuron by neuron, layer by layer),
`data` (the article's people, two moons) and `manual` (the article's network with
hand-derived gradients, to check the automatic ones against).
"""

# Imported first: it refuses to go on if another project's `autograd` or `nn` shares our folder.
from autograd import _installation  # noqa: F401
from nn.data import EMILY, FRANK, PEOPLE, Person, make_moons, people
from nn.draw import model_to_dot, model_to_html, model_to_svg
from nn.losses import binary_cross_entropy, hinge_loss, mse_loss
from nn.manual import PARAMETER_NAMES, ManualNetwork
from nn.module import MLP, Layer, LoadError, Module, Neuron
from nn.optim import SGD, Adam, Optimizer
from nn.training import batch_loss, evaluate, fit, train_step

__all__ = [
    "EMILY",
    "FRANK",
    "MLP",
    "PARAMETER_NAMES",
    "PEOPLE",
    "SGD",
    "Adam",
    "Layer",
    "LoadError",
    "ManualNetwork",
    "Module",
    "Neuron",
    "Optimizer",
    "Person",
    "batch_loss",
    "binary_cross_entropy",
    "evaluate",
    "fit",
    "hinge_loss",
    "make_moons",
    "model_to_dot",
    "model_to_html",
    "model_to_svg",
    "mse_loss",
    "people",
    "train_step",
]
