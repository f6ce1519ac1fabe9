"""SGD and Adam: updates computed by hand, loss goes down, bad hyper-parameters refused."""

import copy
import math
from typing import ClassVar

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, evaluate, mse_loss, people


def leaf_with_grad(data: float, grad: float) -> Value:
    value = Value(data)
    value.grad = grad
    return value


def test_sgd_is_the_article_update():
    p = leaf_with_grad(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_and_weight_decay_by_hand():
    p = leaf_with_grad(2.0, 0.5)
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step()
    # g = 0.5 + 0.01 * 2.0 = 0.52; v = 0.52; p = 2.0 - 0.052 = 1.948
    assert p.data == pytest.approx(1.948, abs=1e-15)
    p.grad = -1.0
    opt.step()
    # g = -1.0 + 0.01 * 1.948 = -0.98052; v = 0.9 * 0.52 - 0.98052 = -0.51252
    assert p.data == pytest.approx(1.948 + 0.051252, abs=1e-15)


def test_adam_matches_the_published_rule_on_hand_computed_steps():
    p = leaf_with_grad(1.0, 0.5)
    opt = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # t = 1: m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25 -> step 0.1 * 0.5 / (0.5 + 1e-8)
    first = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert p.data == pytest.approx(first, abs=1e-15)
    p.grad = -0.25
    opt.step()
    # t = 2: m = 0.9 * 0.05 - 0.025 = 0.02, v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225
    # m_hat = 0.02 / 0.19 = 0.105263..., v_hat = 0.00031225 / 0.001999 = 0.156203...
    m_hat = 0.02 / 0.19
    v_hat = 0.00031225 / 0.001999
    assert p.data == pytest.approx(first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-14)
    assert opt.t == 2


def test_adam_first_step_has_the_size_of_lr_whatever_the_gradient():
    params = [leaf_with_grad(0.0, g) for g in (0.01, 3.0, -250.0)]
    Adam(params, lr=0.01).step()
    # lr * g / (|g| + eps): eps = 1e-8 makes a relative difference of at most 1e-6 here
    assert [p.data for p in params] == pytest.approx([-0.01, -0.01, 0.01], rel=2e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=1.0),
        lambda ps: SGD(ps, lr=0.2, momentum=0.9),
        lambda ps: SGD(ps, lr=1.0, weight_decay=1e-3),
        lambda ps: Adam(ps, lr=0.05),
    ],
    ids=["sgd", "momentum", "weight_decay", "adam"],
)
def test_each_optimiser_decreases_the_loss(make):
    X, y = people()
    X = X / 10  # keep the sigmoids out of saturation so that every optimiser moves quickly
    model = MLP(2, [3, 1], seed=3)
    opt = make(model.parameters())
    before = evaluate(model, X, y)
    for _ in range(100):
        loss = mse_loss(y, [model(x) for x in X])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert evaluate(model, X, y) < before / 10


def test_zero_grad_and_non_finite_gradients():
    a, b = leaf_with_grad(1.0, 2.0), leaf_with_grad(3.0, math.nan)
    b.label = "L0.N0.b"
    opt = SGD([a, b], lr=0.1)
    with pytest.raises(FloatingPointError, match=r"L0\.N0\.b is nan; no parameter was changed"):
        opt.step()
    assert (a.data, b.data) == (1.0, 3.0)
    opt.zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0)


# SGD: 3 - 0.1 * 6; Adam's first step has the size of lr, against the gradient.
@pytest.mark.parametrize(("make", "after"), [(SGD, 3.0 - 0.1 * 6.0), (Adam, 3.0 - 0.1)])
def test_a_gradient_with_a_graph_of_its_own_steps_by_its_number(make, after):
    w = Value(3.0)
    (w * w).backward(create_graph=True)
    assert isinstance(w.grad, Value)  # 2 w = 6.0, a Value
    make([w], lr=0.1).step()
    assert w.data == pytest.approx(after)


def test_a_parameter_without_a_label_is_named_by_its_position():
    params = [leaf_with_grad(1.0, 0.5), leaf_with_grad(2.0, 0.5), leaf_with_grad(3.0, math.inf)]
    with pytest.raises(FloatingPointError, match="parameter #2 is inf"):
        Adam(params).step()


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, "lr"),
        (lambda ps: SGD(ps, lr=math.nan), ValueError, "lr"),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "lr"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda ps: SGD(ps, lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
        (lambda ps: Adam(ps, lr=-1e-3), ValueError, "lr"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), ValueError, r"betas\[1\]"),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "betas"),
        (lambda ps: Adam(ps, eps=-1.0), ValueError, "eps"),
        (lambda ps: Adam(ps, eps=0.0), ValueError, "eps must be > 0"),
        (lambda ps: SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda ps: SGD([*ps, 1.0], lr=0.1), TypeError, "parameter 1 must be a Value"),
        (lambda ps: SGD(ps + ps, lr=0.1), ValueError, "more than once"),
    ],
)
def test_bad_hyper_parameters_raise(make, error, words):
    with pytest.raises(error, match=words):
        make([Value(1.0)])


def optimisers():
    return [
        lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda params: Adam(params, lr=0.01, weight_decay=0.01),
    ]


def trained_twice(make):
    """A model and its optimiser after one step, with gradients ready for the next."""
    model = MLP(2, [3, 1], seed=0)
    optimizer = make(model.parameters())
    for _ in range(2):
        optimizer.zero_grad()
        mse_loss([1.0], [model([0.5, -1.0])]).backward()
        if _ == 0:
            optimizer.step()
    return model, optimizer


def optimiser_state(optimizer):
    return {key: copy.deepcopy(value) for key, value in vars(optimizer).items() if key != "params"}


class Watched(Value):
    """A parameter whose next read or assignment of `data` can be made to raise
    KeyboardInterrupt, once: Ctrl-C landing half way through a step."""

    __slots__ = ()
    armed: ClassVar[dict[str, bool]] = {"read": False, "write": False}

    @property
    def data(self):
        if Watched.armed["read"]:
            Watched.armed["read"] = False
            raise KeyboardInterrupt
        return Value.data.__get__(self)

    @data.setter
    def data(self, value):
        if Watched.armed["write"]:
            Watched.armed["write"] = False
            raise KeyboardInterrupt
        Value.data.__set__(self, value)


def watch_fifth_parameter(optimizer):
    original = optimizer.params[4]
    watched = Watched(original.data)
    watched.grad = original.grad
    optimizer.params[4] = watched  # the fifth of nine parameters


@pytest.mark.parametrize("make", optimisers())
def test_a_step_interrupted_while_computing_changes_nothing(make):
    _model, optimizer = trained_twice(make)
    watch_fifth_parameter(optimizer)
    before, state = [p.data for p in optimizer.params], optimiser_state(optimizer)
    Watched.armed["read"] = True
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()
    assert not Watched.armed["read"]
    assert [p.data for p in optimizer.params] == before
    assert optimiser_state(optimizer) == state


@pytest.mark.parametrize("make", optimisers())
def test_a_step_interrupted_while_assigning_is_completed(make):
    _model, optimizer = trained_twice(make)
    twin, twin_optimizer = trained_twice(make)
    twin_optimizer.step()  # the step the interrupted one must still become
    watch_fifth_parameter(optimizer)
    Watched.armed["write"] = True
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()
    assert not Watched.armed["write"]
    assert [p.data for p in optimizer.params] == [p.data for p in twin.parameters()]
    assert optimiser_state(optimizer) == optimiser_state(twin_optimizer)
