"""fit: the article's loop by default, batches, shuffling, reports, progress, history,
validation data, learning-rate schedules, early stopping and bad input."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import nn.training
from nn import (
    MLP,
    SGD,
    Adam,
    CosineAnnealingLR,
    History,
    ManualNetwork,
    StepLR,
    accuracy,
    batch_loss,
    binary_cross_entropy,
    cross_entropy,
    evaluate,
    fit,
    hinge_loss,
    make_moons,
    make_spirals,
    mse_loss,
    people,
    predict,
    train_step,
    train_test_split,
)


def test_default_fit_is_the_article_training():
    X, y = people()
    manual = ManualNetwork(seed=11)
    model = manual.to_mlp()
    history = fit(model, X, y, epochs=50)
    assert history == pytest.approx(manual.train(X, y, epochs=50), abs=1e-12)


def test_history_is_the_data_set_loss_after_each_epoch():
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    seen = []
    history = fit(model, X, y, epochs=3, callback=lambda epoch, loss: seen.append((epoch, loss)))
    assert history[-1] == evaluate(model, X, y)
    assert seen == list(enumerate(history))


def test_every_epoch_records_what_evaluate_gives_with_the_same_loss():
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    evaluated = []
    history = fit(
        model,
        X / 10,
        y,
        loss=binary_cross_entropy,
        epochs=3,
        callback=lambda epoch, loss: evaluated.append(
            evaluate(model, X / 10, y, binary_cross_entropy)
        ),
    )
    assert history == evaluated


def test_running_epoch_loss_is_the_mean_of_the_losses_before_each_step():
    X, y = people()
    manual = ManualNetwork(seed=4)
    model = manual.to_mlp()
    history = fit(model, X, y, epochs=2, epoch_loss="running")
    expected = []
    for _ in range(2):
        losses = []
        for x, y_true in zip(X, y, strict=True):
            losses.append((y_true - manual.feedforward(x)) ** 2)
            for name, gradient in manual.gradients(x, y_true).items():
                setattr(manual, name, getattr(manual, name) - 0.1 * gradient)
        expected.append(sum(losses) / len(losses))
    assert history == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="epoch_loss must be one of"):
        fit(model, X, y, epochs=1, epoch_loss="last")


def test_report_every_prints_like_the_article(capsys):
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=25, report_every=10)
    lines = capsys.readouterr().out.splitlines()
    assert [line[: line.index(" loss")] for line in lines] == ["Epoch 0", "Epoch 10", "Epoch 20"]
    assert all(
        line.split(": ")[1].count(".") == 1 and len(line.split(": ")[1]) == 5 for line in lines
    )


def test_silent_by_default(capsys):
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=5)
    assert capsys.readouterr() == ("", "")


def test_progress_goes_to_stderr(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=5, progress=True)
    shown = stream.getvalue()
    assert "epoch 5/5" in shown and "loss " in shown and shown.endswith("\n")


def test_batches_take_one_step_per_batch():
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    steps = []
    opt = SGD(model.parameters(), lr=0.1)
    original_step = opt.step
    opt.step = lambda: (steps.append(1), original_step())
    fit(model, X, y, optimizer=opt, epochs=2, batch_size=3)
    assert len(steps) == 4  # 4 samples in batches of 3 and 1, for 2 epochs


def test_full_batch_step_is_the_mean_gradient():
    X, y = people()
    X = X / 10
    a, b = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=0)
    fit(a, X, y, epochs=1, batch_size=4)
    loss = mse_loss(y, [b(x) for x in X])
    loss.backward()
    expected = [p.data - 0.1 * p.grad for p in b.parameters()]
    assert [p.data for p in a.parameters()] == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    ("xs", "ts"),
    [
        ([[-2.0, -1.0], [25.0, 6.0]], [1, 0]),  # int targets, as fit takes them
        ([[-2.0, -1.0], [25.0, 6.0]], [[1], [0]]),  # one-element rows
        (np.array([[-2, -1], [25, 6]]), np.array([1, 0])),  # numpy ints
    ],
)
def test_train_step_and_batch_loss_take_what_fit_takes(xs, ts):
    a, b = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=0)
    expected = batch_loss(b, mse_loss, [[-2.0, -1.0], [25.0, 6.0]], [1.0, 0.0]).data
    assert batch_loss(a, mse_loss, xs, ts).data == expected
    assert train_step(a, mse_loss, SGD(a.parameters(), lr=0.1), xs, ts) == expected
    fit(b, [[-2.0, -1.0], [25.0, 6.0]], [1.0, 0.0], epochs=1, batch_size=2)
    assert a.state_dict() == b.state_dict()


def test_batch_loss_refuses_bad_targets_clearly():
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="2 inputs but 1 targets"):
        batch_loss(model, mse_loss, [[1, 2], [3, 4]], [1])
    with pytest.raises(TypeError, match=r"y_true\[0\] must be a number.*str"):
        batch_loss(model, mse_loss, [[1, 2]], ["1"])


def test_shuffle_is_reproducible_from_the_seed():
    X, y = make_moons(20, seed=0)
    runs = [fit(MLP(2, [3, 1], seed=1), X, y, epochs=3, shuffle=True, seed=s) for s in (5, 5, 6)]
    assert runs[0] == runs[1] != runs[2]


def test_multi_output_targets_are_rows():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    model = MLP(2, [4, 2], seed=0)
    history = fit(model, X, Y, optimizer=Adam(model.parameters(), lr=0.05), epochs=100)
    assert history[-1] < history[0] / 10


def test_one_input_models_take_a_one_dimensional_x():
    X = np.linspace(-1, 1, 8)
    history = fit(MLP(1, [4, 1], activation="tanh", output_activation="linear", seed=0), X, X**2,
                  epochs=200)  # fmt: skip
    assert history[-1] < history[0]


def test_two_moons_learn_with_hinge_loss():
    X, y = make_moons(40, noise=0.05, seed=0)
    model = MLP(2, [8, 1], activation="tanh", output_activation="linear", seed=0, init="lecun")
    history = fit(model, X, 2 * y - 1, loss=hinge_loss, optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=30, batch_size=8, shuffle=True, seed=0)  # fmt: skip
    accuracy = np.mean([(model(x).data > 0) == (label == 1) for x, label in zip(X, y, strict=True)])
    assert history[-1] < history[0] / 2
    assert accuracy >= 0.85


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"X": [[1, 2]], "y": [1, 0]}, ValueError, "X has 1 samples but y has 2"),
        ({"X": [], "y": []}, ValueError, "empty"),
        ({"X": [[1, 2], [3]], "y": [1, 0]}, TypeError, "equal-length rows"),
        ({"X": [["a", "b"]], "y": [1]}, TypeError, "X must be numbers"),
        ({"X": [[1, np.nan]], "y": [1]}, ValueError, r"X holds nan at index \(0, 1\)"),
        ({"X": np.array([[1 + 2j, 0]]), "y": [1]}, TypeError, "X must be numbers.*complex"),
        ({"X": [[1, 2]], "y": [np.complex128(1 + 1j)]}, TypeError, "y must be numbers.*complex"),
        ({"X": [[1, 2]], "y": [True]}, TypeError, "y must be numbers.*bool"),
        ({"X": [["1", "2"]], "y": [1]}, TypeError, "X must be numbers.*<U1"),
        ({"X": np.zeros((1, 1, 2)), "y": [1]}, ValueError, "1-D or 2-D"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"epochs": 2.5}, TypeError, "epochs must be an int"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"report_every": 0}, ValueError, "report_every"),
        ({"loss": "mse"}, TypeError, "loss must be a function"),
        ({"X": [[1, 2, 3]], "y": [1]}, ValueError, "expects 2 inputs, got 3"),
    ],
)
def test_bad_arguments_raise_clearly(arguments, error, words):
    X, y = people()
    arguments = {"X": X, "y": y, **arguments}
    with pytest.raises(error, match=words):
        fit(MLP(2, [2, 1], seed=0), epochs=arguments.pop("epochs", 1), **arguments)


# ---------------------------------------------------------------------- pins (mutation survivors)
def test_early_stopping_a_tie_is_no_improvement():
    # With lr=0 the validation loss is the same every epoch: epoch 0 stays the best, and after
    # two more epochs without improvement training stops.
    X, y = make_moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=10,
                  validation=(X[:5], y[:5]), patience=2)  # fmt: skip
    assert history.val_loss[0] == history.val_loss[-1]
    assert (history.best_epoch, len(history)) == (0, 3)


def test_running_epoch_loss_weights_each_batch_by_its_size():
    # Batches of 3 and 1: the epoch's loss is the mean over the four samples, each sample's loss
    # taken before its batch's step (not the mean of the two batch means).
    X, y = people()
    manual = ManualNetwork(seed=4)
    model = manual.to_mlp()
    history = fit(model, X, y, epochs=2, batch_size=3, epoch_loss="running")
    expected = []
    for _ in range(2):
        losses = []
        for batch in ([0, 1, 2], [3]):
            steps = []
            for i in batch:
                losses.append((y[i] - manual.feedforward(X[i])) ** 2)
                steps.append(manual.gradients(X[i], y[i]))
            for name in steps[0]:
                mean = sum(step[name] for step in steps) / len(batch)
                setattr(manual, name, getattr(manual, name) - 0.1 * mean)
        expected.append(sum(losses) / len(losses))
    assert history == pytest.approx(expected, abs=1e-12)


def moons_split(seed=0):
    X, y = make_moons(60, noise=0.15, seed=seed)
    return train_test_split(X, y, seed=seed)


def test_history_is_the_list_of_losses_with_named_fields():
    X_train, X_test, y_train, y_test = moons_split()
    model = MLP(2, [6, 1], "tanh", "sigmoid", seed=0)
    optimizer = Adam(model.parameters(), lr=0.05)
    history = fit(model, X_train, y_train, loss=binary_cross_entropy, optimizer=optimizer,
                  epochs=5, batch_size=9, validation=(X_test, y_test))  # fmt: skip
    assert isinstance(history, History) and isinstance(history, list) and len(history) == 5
    assert history.loss == list(history)
    assert history[-1] == evaluate(model, X_train, y_train, binary_cross_entropy)
    assert history.val_loss[-1] == evaluate(model, X_test, y_test, binary_cross_entropy)
    assert history.val_accuracy[-1] == accuracy(y_test, predict(model, X_test) > 0.5)
    assert history.accuracy[-1] == accuracy(y_train, predict(model, X_train) > 0.5)
    assert history.lr == [0.05] * 5
    assert history.best_epoch is None
    assert "val_loss=[5 epochs]" in repr(history)


def test_without_validation_or_labels_the_fields_hold_none():
    X = np.linspace(-1, 1, 10)
    history = fit(MLP(1, [3, 1], "tanh", "linear", seed=0), X, X**2, epochs=2)
    assert history.val_loss == [None, None] and history.val_accuracy == [None, None]
    assert history.accuracy == [None, None]  # a regression has no labels
    X, y = make_moons(20, seed=0)
    running = fit(MLP(2, [3, 1], seed=0), X, y, epochs=2, epoch_loss="running")
    assert running.accuracy == [None, None]  # no pass over the data set to count on


def test_hinge_labels_are_judged_by_the_sign():
    X, y = make_moons(40, noise=0.05, seed=0)
    model = MLP(2, [8, 1], "tanh", "linear", seed=0, init="lecun")
    history = fit(model, X, 2 * y - 1, loss=hinge_loss, epochs=3, batch_size=8,
                  optimizer=Adam(model.parameters(), lr=0.05))  # fmt: skip
    assert history.accuracy[-1] == accuracy(y, predict(model, X) > 0)


def test_validation_is_the_same_compiled():
    X_train, X_test, y_train, y_test = moons_split(1)
    runs = []
    for compile in (False, True):
        model = MLP(2, [5, 1], "tanh", "sigmoid", seed=2)
        runs.append(fit(model, X_train, y_train, loss=binary_cross_entropy, epochs=3,
                        batch_size=7, validation=(X_test, y_test), compile=compile))  # fmt: skip
    assert runs[1].val_loss == pytest.approx(runs[0].val_loss, rel=1e-9)
    assert runs[1].val_accuracy == runs[0].val_accuracy


@pytest.mark.parametrize(
    ("make_ours", "make_theirs"),
    [
        (lambda o: StepLR(o, step_size=3, gamma=0.5),
         lambda o, s: s.StepLR(o, step_size=3, gamma=0.5)),
        (lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.001),
         lambda o, s: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001)),
    ],
)  # fmt: skip
def test_schedules_give_pytorchs_learning_rates(make_ours, make_theirs):
    torch = pytest.importorskip("torch")
    ours = SGD(MLP(1, [1], seed=0).parameters(), lr=0.1)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    schedule, their_schedule = make_ours(ours), make_theirs(theirs, torch.optim.lr_scheduler)
    for _ in range(14):  # two periods of the cosine
        assert ours.lr == pytest.approx(their_schedule.get_last_lr()[0], rel=1e-12)
        theirs.step()
        schedule.step()
        their_schedule.step()


def test_schedule_formulas_by_hand():
    optimizer = SGD(MLP(1, [1], seed=0).parameters(), lr=0.2)
    cosine = CosineAnnealingLR(optimizer, T_max=4)
    assert [cosine.lr_at(t) for t in range(5)] == pytest.approx(
        [0.2, 0.1 * (1 + math.sqrt(0.5)), 0.1, 0.1 * (1 - math.sqrt(0.5)), 0.0], abs=1e-15
    )
    assert [StepLR(optimizer, 2, 0.1).lr_at(t) for t in range(5)] == pytest.approx(
        [0.2, 0.2, 0.02, 0.02, 0.002]
    )


def test_a_learning_rate_too_large_for_a_float_is_named_and_not_set():
    optimizer = SGD(MLP(1, [1], seed=0).parameters(), lr=0.1)
    schedule = StepLR(optimizer, step_size=1, gamma=1e10)
    for _ in range(30):  # 0.1 * 1e10 ** 30 = 1e299, still a float
        schedule.step()
    assert optimizer.lr == pytest.approx(1e299)
    with pytest.raises(OverflowError, match=r"^StepLR\(step_size=1, gamma=10000000000\.0\): the "
                       "learning rate after 31 epochs is too large for a float"):  # fmt: skip
        schedule.step()
    assert (optimizer.lr, schedule.epoch) == (pytest.approx(1e299), 30)


def test_fit_steps_the_schedule_after_every_epoch_and_records_the_rates():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.4)
    history = fit(model, X, y, optimizer=optimizer, scheduler=StepLR(optimizer, 2, 0.5), epochs=5)
    assert history.lr == [0.4, 0.4, 0.2, 0.2, 0.1]
    assert optimizer.lr == 0.1  # after 5 epochs: 0.4 * 0.5 ** (5 // 2)


def test_early_stopping_stops_and_gives_back_the_best_weights():
    X, y = make_spirals(60, 3, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    model = MLP(2, [12, 3], "tanh", "linear", seed=0, init="lecun")
    # A learning rate far too high: the validation loss soon stops improving.
    history = fit(model, X_train, y_train, loss=cross_entropy, epochs=200, batch_size=4,
                  optimizer=SGD(model.parameters(), lr=3.0), validation=(X_test, y_test),
                  patience=3, compile=True)  # fmt: skip
    best = history.best_epoch
    assert len(history) == best + 4  # three epochs without improvement after the best
    assert history.val_loss[best] == min(history.val_loss)
    assert evaluate(model, X_test, y_test, cross_entropy) == pytest.approx(
        history.val_loss[best], rel=1e-9
    )


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"patience": 2}, ValueError, "pass validation"),
        ({"patience": 0, "validation": ([[0, 0]], [1])}, ValueError, "patience must be at least 1"),
        ({"validation": [[0, 0]]}, TypeError, r"pair \(X_val, y_val\)"),
        ({"validation": ([[0, 0, 0]], [1])}, ValueError, "expects 2 inputs"),
        ({"validation": ([[0, 0]], [1, 0])}, ValueError, "validation data: X has 1 samples"),
        ({"scheduler": "cosine"}, ValueError, "schedule of the optimizer"),
    ],
)
def test_bad_options_are_named(options, error, words):
    X, y = make_moons(10, seed=0)
    with pytest.raises(error, match=words):
        fit(MLP(2, [2, 1], seed=0), X, y, epochs=1, **options)


def test_progress_and_reports_show_the_validation_figures(monkeypatch, capsys):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    X_train, X_test, y_train, y_test = moons_split()
    fit(MLP(2, [3, 1], seed=0), X_train, y_train, epochs=3, validation=(X_test, y_test),
        progress=True, report_every=1)  # fmt: skip
    assert "val " in stream.getvalue() and "%)" in stream.getvalue()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all("validation loss: " in line and "accuracy: " in line for line in lines)


@pytest.mark.parametrize("compile", [False, True])
def test_the_running_loss_weights_each_batch_by_its_size(compile):
    # Five samples in batches of 3 and 2: the epoch's loss is (3 * first + 2 * second) / 5, the
    # mean over samples, not the mean of the two batch means.
    X, y = make_moons(5, seed=0)
    model = MLP(2, [3, 1], seed=0)
    twin = MLP(2, [3, 1], seed=0)
    losses = []
    optimizer = SGD(twin.parameters(), lr=0.5)
    for batch in ([0, 1, 2], [3, 4]):
        xs, ts = X[batch].tolist(), y[batch].tolist()
        losses.append(nn.training.train_step(twin, mse_loss, optimizer, xs, ts))
    history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.5), epochs=1,
                  batch_size=3, epoch_loss="running", compile=compile)  # fmt: skip
    assert losses[0] != losses[1]
    assert history[0] == pytest.approx((3 * losses[0] + 2 * losses[1]) / 5, rel=1e-12)
