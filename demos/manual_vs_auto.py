"""The article's network trained twice from the same start: gradients by hand, then by autograd.

    python -m demos.manual_vs_auto [--epochs 1000] [--seed 0] [--out out/manual_vs_auto]

`ManualNetwork` is the article's network with its nine partial derivatives written out by hand, in
plain floats; ``MLP(2, [2, 1])`` is the same network, whose gradients autograd finds. The same seed
gives both the same nine starting numbers, and both take the article's steps: stochastic gradient
descent, one person at a time, on the four people. The demo prints the nine gradients of the first
step side by side, the largest difference between the two runs' gradients over the whole training,
both final losses and both times, and draws the two loss curves on top of each other.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd import Value
from demos._cli import aligned, heading, make_parser, parse, run
from demos._plots import new_figure, save_png
from nn import (
    MLP,
    PARAMETER_NAMES,
    PEOPLE,
    SGD,
    ManualNetwork,
    evaluate,
    mse_loss,
    people,
    train_step,
)

LEARNING_RATE = 0.1  # the article's


@dataclass
class Run:
    """One side of the training: its losses, the first step's gradients, the time taken."""

    losses: list[float]  # before training, then after each epoch
    first_gradients: list[float]  # of the first step, in the order of PARAMETER_NAMES
    final_parameters: list[float]
    seconds: float  # the time of this side's steps alone


@dataclass
class Difference:
    """The largest |by hand - by autograd| over every step and parameter, and where it was."""

    largest: float = 0.0
    step: int = 0
    parameter: int = 0
    gradient: float = 0.0  # the hand-derived gradient there, for scale


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = make_parser(
        "manual_vs_auto",
        "The article's network trained twice from the same initial weights, with hand-derived "
        "gradients and with autograd: gradients, losses and times side by side.",
        epochs=1000,
    )
    args = parse(parser, argv)
    print("The article's network trained twice from the same start: by hand and by autograd")
    print(
        f"(seed {args.seed}, {args.epochs} epochs of stochastic gradient descent, learning rate "
        f"{LEARNING_RATE}, one person at a time)"
    )
    X, y = people()
    by_hand, by_autograd, difference = train_both(
        ManualNetwork(seed=args.seed),
        MLP(2, [2, 1], seed=args.seed),
        X.tolist(),
        y.tolist(),
        args.epochs,
    )
    first_step(ManualNetwork(seed=args.seed), by_hand, by_autograd)
    comparison(args.epochs, by_hand, by_autograd, difference)
    loss_curves(by_hand, by_autograd, args.out / "loss_curves.png")


# ---------------------------------------------------------------------- the two trainings
def train_both(
    network: ManualNetwork, model: MLP, xs: list[list[float]], ys: list[float], epochs: int
) -> tuple[Run, Run, Difference]:
    """The article's loop, by hand and by autograd side by side, comparing every step's gradients.

    Both take the same step at the same time, so no step's gradients need to be kept (a million
    epochs would need gigabytes); each side's steps are timed on their own.
    """
    parameters = model.parameters()
    optimizer = SGD(parameters, lr=LEARNING_RATE)
    hand = Run([network.mse_loss(xs, ys)], [], [], 0.0)
    auto = Run([evaluate(model, xs, ys)], [], [], 0.0)
    difference = Difference()
    step = 0
    for _ in range(epochs):
        for x, y_true in zip(xs, ys):
            start = time.perf_counter()
            by_hand = network.gradients(x, y_true)
            for name, gradient in by_hand.items():
                setattr(network, name, getattr(network, name) - LEARNING_RATE * gradient)
            middle = time.perf_counter()
            train_step(model, mse_loss, optimizer, [x], [y_true])
            end = time.perf_counter()
            hand.seconds += middle - start
            auto.seconds += end - middle
            hand_row = list(by_hand.values())
            auto_row = [_plain(parameter.grad) for parameter in parameters]
            if step == 0:
                hand.first_gradients, auto.first_gradients = hand_row, auto_row
            for i, (a, b) in enumerate(zip(hand_row, auto_row, strict=True)):
                if abs(a - b) > difference.largest:
                    difference = Difference(abs(a - b), step, i, a)
            step += 1
        hand.losses.append(network.mse_loss(xs, ys))
        auto.losses.append(evaluate(model, xs, ys))
    hand.final_parameters = list(network.state_dict().values())
    auto.final_parameters = [parameter.data for parameter in parameters]
    return hand, auto, difference


def _plain(gradient: float | Value) -> float:
    """A gradient as a float: a plain backward leaves floats (Values come with create_graph)."""
    return gradient.data if isinstance(gradient, Value) else gradient


# ---------------------------------------------------------------------- the report
def first_step(start: ManualNetwork, by_hand: Run, by_autograd: Run) -> None:
    alice = PEOPLE[0]
    heading(f"The first step's gradients: {alice.name}, from the same nine starting numbers")
    print(f"   {'':5}{'start':24}{'dL/dp by hand':24}{'dL/dp by autograd':24}difference")
    initial = start.state_dict()
    for i, name in enumerate(PARAMETER_NAMES):
        hand, auto = by_hand.first_gradients[i], by_autograd.first_gradients[i]
        print(
            f"   {name:5}{aligned(initial[name]):24}{aligned(hand):24}{aligned(auto):24}"
            f"{auto - hand: .3g}"
        )


def comparison(epochs: int, by_hand: Run, by_autograd: Run, difference: Difference) -> None:
    steps = epochs * len(PEOPLE)
    # "1000 epochs, 4000 steps each" read as 4000 steps per epoch: say what multiplies what.
    epochs_text = f"{epochs} epoch{'s' if epochs > 1 else ''}"
    people = len(PEOPLE)
    heading(f"The whole training, on each side: {epochs_text} x {people} people = {steps} steps")
    print(f"   {'':14}{'final loss':26}time")
    for name, result in (("by hand", by_hand), ("by autograd", by_autograd)):
        print(f"   {name:14}{aligned(result.losses[-1]):26}{result.seconds:.3g} s")
    print()
    final = max(
        abs(a - b)
        for a, b in zip(by_hand.final_parameters, by_autograd.final_parameters, strict=True)
    )
    where = ""
    if difference.largest > 0:
        epoch, sample = divmod(difference.step, len(PEOPLE))
        name = PARAMETER_NAMES[difference.parameter]
        size = difference.gradient
        where = f" (dL/d{name} = {size:.3g}, epoch {epoch}, {PEOPLE[sample].name})"
    print(
        f"   Largest gradient difference over all {steps} steps:  {difference.largest:.3g}{where}"
    )
    print(f"   Largest difference between the final parameters:  {final:.3g}")
    if difference.largest > 0 or final > 0:
        print("   Both are rounding: the same formulas, with the operations done in another order.")
    ratio = by_autograd.seconds / by_hand.seconds
    print(
        f"   Autograd took {ratio:.0f} times as long: for every sample it records a graph of "
        "Values and walks it back,"
    )
    print("   where the hand-derived version does only the arithmetic.")


def loss_curves(by_hand: Run, by_autograd: Run, path: Path) -> None:
    print()
    figure = new_figure("the loss curves", width=7, height=4)
    if figure is None:
        return
    axes = figure.subplots()
    epochs = range(len(by_hand.losses))
    axes.plot(epochs, by_hand.losses, color="#f4a261", linewidth=5, label="hand-derived gradients")
    axes.plot(
        epochs,
        by_autograd.losses,
        color="#264653",
        linewidth=1.5,
        linestyle="--",
        label="autograd",
    )
    axes.set_yscale("log")
    axes.set_xlabel("epochs trained")
    axes.set_ylabel("mean squared error over the four people")
    axes.set_title("The article's network, trained by hand and by autograd")
    axes.legend()
    axes.grid(alpha=0.3)
    save_png(figure, path)
    print(f"Wrote {path} (the two loss curves, drawn on top of each other)")


if __name__ == "__main__":
    raise SystemExit(main())
