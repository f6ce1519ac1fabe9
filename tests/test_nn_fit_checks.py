"""fit checks everything it is given before its first step, and names the user's data: the
validation data, the optimiser, the callback, and targets of the wrong shape for the loss."""

from __future__ import annotations

import numpy as np
import pytest

from nn import (
    MLP,
    SGD,
    binary_cross_entropy,
    cross_entropy,
    fit,
    hinge_loss,
    make_spirals,
    mse_loss,
    people,
    predict,
)

COMPILED = pytest.mark.parametrize("compile", [False, True], ids=["engine", "compiled"])


def refused_before_training(error, words, model, X, y, **options):
    """fit raises `error` matching `words`, and the model has not taken a single step."""
    before = model.state_dict()
    with pytest.raises(error, match=words):
        fit(model, X, y, epochs=3, **options)
    assert model.state_dict() == before


@COMPILED
def test_validation_inputs_of_the_wrong_width_are_refused_before_the_first_step(compile):
    X, y = people()
    refused_before_training(ValueError, r"^validation data: MLP expects 2 inputs, got 1$",
                            MLP(2, [2, 1], seed=0), X, y, validation=(X[:, :1], y),
                            compile=compile)  # fmt: skip


@COMPILED
def test_validation_targets_of_the_wrong_width_are_refused_before_the_first_step(compile):
    X, y = people()
    refused_before_training(ValueError, r"^validation data: y has 2 columns but the model has 1",
                            MLP(2, [2, 1], seed=0), X, y, validation=(X, np.column_stack([y, y])),
                            compile=compile)  # fmt: skip


@COMPILED
def test_validation_targets_outside_the_losss_domain_are_refused_before_the_first_step(compile):
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    refused_before_training(ValueError, r"^validation data: binary_cross_entropy: y_true\[0\] = "
                            r"2\.0 is not in \[0, 1\]", model, X, y, loss=binary_cross_entropy,
                            validation=(X, np.full(4, 2.0)), compile=compile)  # fmt: skip


@COMPILED
def test_an_optimizer_of_an_earlier_model_is_refused(compile):
    X, y = people()
    earlier = MLP(2, [2, 1], seed=0)
    optimizer = SGD(earlier.parameters(), lr=0.1)
    model = MLP(2, [2, 1], seed=0)  # the notebook cell run again: a new model
    refused_before_training(ValueError, "9 of its 9 parameters that are not this model's",
                            model, X, y, optimizer=optimizer, compile=compile)  # fmt: skip
    assert all(parameter.grad == 0.0 for parameter in model.parameters())


def test_an_optimizer_of_some_of_the_parameters_trains_those_alone():
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    hidden, output = model.parameters()[:6], model.parameters()[6:]
    frozen = [p.data for p in hidden]
    fit(model, X, y, epochs=2, optimizer=SGD(output, lr=0.1))
    assert [p.data for p in hidden] == frozen


@pytest.mark.parametrize(("optimizer", "words"), [(0.1, "optimizer must be an nn optimiser")])
def test_what_is_no_optimizer_is_refused(optimizer, words):
    X, y = people()
    refused_before_training(TypeError, words, MLP(2, [2, 1], seed=0), X, y, optimizer=optimizer)


def test_a_callback_that_cannot_be_called_is_refused_before_the_first_step():
    X, y = people()
    refused_before_training(TypeError, "callback must be a function callback\\(epoch, loss\\)",
                            MLP(2, [2, 1], seed=0), X, y, callback=3)  # fmt: skip


@COMPILED
@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, hinge_loss])
def test_one_number_per_sample_beside_several_outputs_is_named_as_the_data(loss, compile):
    X, y = people()
    refused_before_training(ValueError, "^y holds one number per sample, but the model has 2 "
                            r"outputs: give y one column per output \(samples x 2\)",
                            MLP(2, [2], seed=0), X, y, loss=loss, compile=compile)  # fmt: skip


@COMPILED
def test_cross_entropy_targets_of_the_wrong_width_are_named_as_the_data(compile):
    X, y = make_spirals(30, 3, seed=0)
    refused_before_training(ValueError, "^y has 2 columns but the model has 3 outputs",
                            MLP(2, [3], seed=0), X, np.zeros((30, 2)), loss=cross_entropy,
                            compile=compile)  # fmt: skip
    refused_before_training(ValueError, "^cross_entropy needs a model with one output per class",
                            MLP(2, [1], seed=0), X, y, loss=cross_entropy,
                            compile=compile)  # fmt: skip


@COMPILED
def test_one_hot_targets_train_as_the_class_ids_they_stand_for(compile):
    X, y = make_spirals(30, 3, seed=0)
    runs = []
    for targets in (y, np.eye(3)[y.astype(int)]):
        model = MLP(2, [6, 3], "tanh", "linear", seed=0)
        history = fit(model, X, targets, loss=cross_entropy, epochs=3, batch_size=4,
                      validation=(X[:9], targets[:9]), compile=compile)  # fmt: skip
        runs.append(
            (history.loss, history.val_loss, model.state_dict(), history.accuracy,
             history.val_accuracy)
        )  # fmt: skip
    (ids_loss, ids_val, ids_state, ids_acc, ids_val_acc), hot = runs
    hot_loss, hot_val, hot_state, hot_acc, hot_val_acc = hot
    assert hot_loss == pytest.approx(ids_loss, rel=1e-12)
    assert hot_val == pytest.approx(ids_val, rel=1e-12)
    # Accuracy too: the rows stand for the class ids (it was None for one-hot rows).
    assert None not in hot_acc and hot_acc == ids_acc
    assert None not in hot_val_acc and hot_val_acc == ids_val_acc
    assert list(hot_state.values()) == pytest.approx(list(ids_state.values()), rel=1e-12)


@COMPILED
def test_predict_on_no_samples_says_so(compile):
    with pytest.raises(ValueError, match="X holds no samples; predict needs at least one"):
        predict(MLP(2, [2, 1], seed=0), people()[0][:0], compile=compile)
