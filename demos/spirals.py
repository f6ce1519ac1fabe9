"""Spirals: a softmax MLP learns three interleaved spiral arms and is judged on points it never saw.

    python -m demos.spirals [--epochs 100] [--seed 0] [--points 300] [--classes 3]
                            [--hidden 16,16] [--out out/spirals]

The next lesson after the article: several classes. The network has one output per class (its
logits), trained with cross-entropy (softmax inside the loss), with Adam on shuffled batches and a
cosine learning-rate schedule, its loss compiled once to numpy code. A quarter of the points is
held back: the demo prints the accuracy on the training points and on the held-out test points,
and draws the regions the network gives each class, with the test points on top.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from demos._cli import add_network_options, count, heading, make_parser, parse, run
from demos._plots import new_figure, save_png
from nn import (
    MLP,
    Adam,
    CosineAnnealingLR,
    History,
    accuracy,
    cross_entropy,
    fit,
    make_spirals,
    predict,
    train_test_split,
)

NOISE = 0.2
LEARNING_RATE = 0.03  # at the start; a cosine takes it to 0 by the last epoch
BATCH_SIZE = 16
TEST_SIZE = 0.25
GRID = 80  # the regions are drawn from GRID x GRID predictions
COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = make_parser(
        "spirals",
        "A softmax MLP learns spiral arms, one class each: progress while it trains, accuracy "
        "on training and held-out test points, then a picture of the regions it gives each class.",
        epochs=100,
    )
    add_network_options(
        parser, points=300, fewest=4 * len(COLOURS), why=" (a few per arm, up to 6 arms)"
    )
    parser.add_argument(
        "--classes",
        type=count(2, len(COLOURS)),
        default=3,
        help="spiral arms, one class each",
    )
    args = parse(parser, argv)
    hidden = args.hidden

    X, y = make_spirals(args.points, args.classes, noise=NOISE, seed=args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, seed=args.seed)
    model = MLP(2, [*hidden, args.classes], "tanh", "linear", seed=args.seed, init="lecun")
    sizes = "-".join(str(n) for n in [2, *hidden, args.classes])
    print(f"Spirals: an MLP learns {args.classes} spiral arms, one class each")
    print(
        f"({args.points} points with angle noise {NOISE}, seed {args.seed}: {len(X_train)} to "
        f"train on, {len(X_test)} held back to test;"
    )
    print(
        f"an MLP {sizes} with tanh neurons and one output per class, "
        f"{len(model.parameters())} parameters;"
    )
    print(
        f"cross-entropy, Adam with learning rate {LEARNING_RATE} falling to 0 along a cosine, "
        f"batches of {BATCH_SIZE})"
    )
    history = train(model, (X_train, y_train), (X_test, y_test), args.epochs, args.seed)

    train_accuracy = accuracy(y_train, predict(model, X_train, compile=True))
    test_accuracy = accuracy(y_test, predict(model, X_test, compile=True))
    heading("Result")
    print(f"   Training accuracy: {train_accuracy:.1%} ({len(y_train)} points)")
    print(f"   Test accuracy:     {test_accuracy:.1%} ({len(y_test)} points it never trained on)")
    print()
    picture(model, X_train, y_train, X_test, y_test, history, args.out / "spirals.png")


def train(
    model: MLP,
    training: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    epochs: int,
    seed: int,
) -> History:
    """Train with `fit` (compiled), printing the loss and both accuracies about ten times."""
    heading("Training, with the loss compiled")
    print(f"   {'epoch':>9}  {'loss':>8}  {'train':>7}  {'test':>7}  {'time':>7}")
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE)
    report_every = max(1, epochs // 10)
    start = time.perf_counter()
    X_train, y_train = training
    X_test, y_test = test

    def after_epoch(epoch: int, loss: float) -> None:
        done = epoch + 1
        if done % report_every == 0 or done == epochs:
            train_accuracy = accuracy(y_train, predict(model, X_train, compile=True))
            test_accuracy = accuracy(y_test, predict(model, X_test, compile=True))
            elapsed = time.perf_counter() - start
            print(
                f"   {f'{done}/{epochs}':>9}  {loss:8.4f}  {train_accuracy:7.1%}  "
                f"{test_accuracy:7.1%}  {elapsed:5.1f} s",
                flush=True,
            )

    return fit(
        model,
        X_train,
        y_train,
        loss=cross_entropy,
        optimizer=optimizer,
        scheduler=CosineAnnealingLR(optimizer, T_max=epochs),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        shuffle=True,
        seed=seed,
        validation=test,
        # The mean of the batch losses met during the epoch: free, where the loss over the whole
        # training set after each epoch would cost another pass.
        epoch_loss="running",
        progress=False,
        callback=after_epoch,
        compile=True,
    )


def picture(
    model: MLP,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    history: History,
    path: Path,
) -> None:
    """The class regions with the points (test points ringed), and the loss curves, in one PNG."""
    figure = new_figure("the class regions and the loss curves", width=11, height=4.8)
    if figure is None:
        return
    regions, losses = figure.subplots(1, 2, width_ratios=[1.2, 1])
    classes = model.nouts[-1]
    X = np.vstack([X_train, X_test])
    low, high = X.min(axis=0) - 0.2, X.max(axis=0) + 0.2
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    )
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    chosen = predict(model, grid, compile=True).argmax(axis=1).reshape(grid_x.shape)
    from matplotlib.colors import ListedColormap  # pyright: ignore[reportMissingImports]  # optional (demos extra)

    colours = COLOURS[:classes]
    regions.contourf(grid_x, grid_y, chosen, levels=np.arange(classes + 1) - 0.5,
                     cmap=ListedColormap(colours), alpha=0.25)  # fmt: skip
    for k, colour in enumerate(colours):
        train = X_train[y_train == k]
        regions.scatter(train[:, 0], train[:, 1], c=colour, s=12, alpha=0.5)
        test = X_test[y_test == k]
        regions.scatter(test[:, 0], test[:, 1], c=colour, s=40, edgecolors="black",
                        linewidths=1.0, label=f"class {k} (test)")  # fmt: skip
    regions.set_title("Class regions; ringed: test points")
    regions.set_aspect("equal")
    regions.legend(loc="upper right", fontsize="small")

    epochs = range(1, len(history) + 1)
    losses.plot(epochs, history, color="#264653", label="training (mean over the epoch)")
    losses.plot(epochs, history.val_loss, color="#e76f51", label="test points")
    losses.set_yscale("log")
    losses.set_xlabel("epoch")
    losses.set_ylabel("cross-entropy")
    losses.set_title("Loss")
    losses.legend(fontsize="small")
    losses.grid(alpha=0.3)

    save_png(figure, path)
    print(f"Wrote {path} (the class regions and the loss curves)")


if __name__ == "__main__":
    raise SystemExit(main())
