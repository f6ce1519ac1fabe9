"""Two moons: a small MLP learns to separate two interleaving half circles.

    python -m demos.moons [--epochs 50] [--seed 0] [--points 100] [--hidden 16,16] [--compile]
                          [--out out/moons]

micrograd's classic demo, with what it leaves out: the network outputs a probability (a sigmoid
output with binary cross-entropy), trains with Adam on shuffled mini-batches, shows its progress,
is reproducible for a seed, is judged on fresh points it never trained on, and saves a picture of
its decision boundary and loss curve. With the defaults it reaches 100% training accuracy.
``--hidden 64,64 --compile`` trains a wide network with the compiled loss.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from demos._cli import add_network_options, fail, heading, make_parser, run, writable_folder
from demos._plots import new_figure, save_png
from nn import MLP, Adam, accuracy, binary_cross_entropy, fit, make_moons, predict

NOISE = 0.1
LEARNING_RATE = 0.03  # at the start; it falls linearly to 0 by the last epoch
BATCH_SIZE = 10
GRID = 60  # the decision boundary is drawn from GRID x GRID predictions
# Without --compile every sample builds a graph of Values, a few per parameter: the default 337
# parameters train an epoch of 100 points in about 0.3 s, 64,64 (4417) in about 6 s, and the time
# and the memory of a batch's graphs grow with the parameters (1024,1024: hours per run, GBs).
MAX_UNCOMPILED_PARAMETERS = 5_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = make_parser(
        "moons",
        "An MLP learns to separate two moons: progress while it trains, then a picture of the "
        "decision boundary and the loss curve.",
        epochs=50,
    )
    add_network_options(parser, points=100, fewest=2, why=" (one per moon)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="train with fit(..., compile=True): the loss of one sample compiled once to numpy "
        "code, instead of a graph of Values per sample (same numbers, faster; a wide network "
        "such as --hidden 64,64 wants it)",
    )
    args = parser.parse_args(argv)
    if not args.compile:
        refuse_slow_sizes(args.hidden)
    args.out = writable_folder(args.out)  # made only once every argument is known to be good

    # The test points are a second draw from the same moons: the training points are the same
    # for a seed as they were before the demo had a test set.
    rng = np.random.default_rng(args.seed)
    X, y = make_moons(args.points, noise=NOISE, seed=rng)
    X_test, y_test = make_moons(args.points, noise=NOISE, seed=rng)
    model = MLP(
        2, [*args.hidden, 1], "tanh", output_activation="sigmoid", seed=args.seed, init="lecun"
    )
    sizes = "-".join(str(n) for n in [2, *args.hidden, 1])
    print("Two moons: an MLP learns to tell two interleaving half circles apart")
    print(
        f"({args.points} points with noise {NOISE}, seed {args.seed}; an MLP {sizes} with tanh "
        f"neurons and a sigmoid output,"
    )
    print(
        f"{len(model.parameters())} parameters; binary cross-entropy, Adam with learning rate "
        f"{LEARNING_RATE} falling to 0, batches of {BATCH_SIZE})"
    )
    history = train(model, X, y, args.epochs, args.seed, compile=args.compile)
    correct = int(np.sum(classify(model, X, args.compile) == y))
    heading("Result")
    print(f"   Training accuracy: {correct / len(y):.0%} ({correct} of {len(y)} points)")
    test_accuracy = accuracy(y_test, classify(model, X_test, args.compile))
    print(
        f"   Test accuracy:     {test_accuracy:.0%} (on {len(y_test)} fresh points from the same "
        "moons, never trained on)"
    )
    if correct < len(y):
        print("   Not all points are right yet: more --epochs would help.")
    if not args.compile:
        print("   With --compile the same training runs many times faster, with the same numbers.")
    print()
    picture(model, X, y, history, args.out / "moons.png", args.compile)


def refuse_slow_sizes(hidden: list[int]) -> None:
    """Stop, pointing to --compile, a network too large to train as a graph of Values."""
    sizes = [2, *hidden, 1]
    parameters = sum((nin + 1) * nout for nin, nout in zip(sizes, sizes[1:]))
    if parameters > MAX_UNCOMPILED_PARAMETERS:
        fail(
            f"--hidden {','.join(map(str, hidden))} makes {parameters:,} parameters; without "
            f"--compile at most {MAX_UNCOMPILED_PARAMETERS:,} (a graph of Values per sample would "
            "take hours and gigabytes): add --compile"
        )


def train(
    model: MLP, X: np.ndarray, y: np.ndarray, epochs: int, seed: int, *, compile: bool
) -> list[float]:
    """Train with `fit`, printing the loss and the accuracy about ten times along the way."""
    heading("Training, with the loss compiled" if compile else "Training")
    print(f"   {'epoch':>9}  {'loss':>8}  {'accuracy':>8}  {'time':>7}")
    optimizer = Adam(model.parameters(), lr=LEARNING_RATE)
    report_every = max(1, epochs // 10)
    start = time.perf_counter()

    def after_epoch(epoch: int, loss: float) -> None:
        done = epoch + 1
        optimizer.lr = LEARNING_RATE * (1 - done / epochs)
        if done % report_every == 0 or done == epochs:
            accuracy = np.mean(classify(model, X, compile) == y)
            elapsed = time.perf_counter() - start
            print(
                f"   {f'{done}/{epochs}':>9}  {loss:8.4f}  {accuracy:8.0%}  {elapsed:5.1f} s",
                flush=True,
            )

    return fit(
        model,
        X,
        y,
        loss=binary_cross_entropy,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        shuffle=True,
        seed=seed,
        # The mean of the batch losses met during the epoch: free, where the loss over the
        # whole data set after each epoch would cost another pass.
        epoch_loss="running",
        progress=False,
        callback=after_epoch,
        compile=compile,
    )


def probabilities(model: MLP, points: np.ndarray, compile: bool) -> np.ndarray:
    """The model's output for each point (the probability of the lower moon, class 1); compiled
    batch code with --compile, which wide networks need for a picture of thousands of points."""
    return predict(model, points, compile=compile)


def classify(model: MLP, points: np.ndarray, compile: bool) -> np.ndarray:
    """The class (0 or 1) the model gives each point."""
    return (probabilities(model, points, compile) > 0.5).astype(float)


def picture(
    model: MLP, X: np.ndarray, y: np.ndarray, history: list[float], path: Path, compile: bool
) -> None:
    """The decision boundary over the data, and the loss curve, side by side in one PNG."""
    figure = new_figure("the decision boundary and the loss curve", width=11, height=4.5)
    if figure is None:
        return
    boundary, losses = figure.subplots(1, 2, width_ratios=[1.2, 1])

    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs = np.linspace(low[0], high[0], GRID)
    ys = np.linspace(low[1], high[1], GRID)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    p = probabilities(model, grid, compile).reshape(grid_x.shape)
    shading = boundary.contourf(
        grid_x, grid_y, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6
    )
    boundary.contour(grid_x, grid_y, p, levels=[0.5], colors="black", linewidths=1.5)
    for label, colour, name in ((0, "#2166ac", "upper moon (0)"), (1, "#b2182b", "lower moon (1)")):
        chosen = y == label
        boundary.scatter(X[chosen, 0], X[chosen, 1], c=colour, edgecolors="white", s=30, label=name)
    figure.colorbar(shading, ax=boundary, label="predicted probability of class 1")
    boundary.set_title("Decision boundary (black: probability 0.5)")
    boundary.set_aspect("equal")
    boundary.legend(loc="upper right", fontsize="small")

    losses.plot(range(1, len(history) + 1), history, color="#264653")
    losses.set_yscale("log")
    losses.set_xlabel("epoch")
    losses.set_ylabel("binary cross-entropy (mean over the epoch)")
    losses.set_title("Training loss")
    losses.grid(alpha=0.3)

    save_png(figure, path)
    print(f"Wrote {path} (the decision boundary and the loss curve)")


if __name__ == "__main__":
    raise SystemExit(main())
