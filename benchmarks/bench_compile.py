"""The graph compiler against PyTorch, JAX, micrograd and the article's hand-derived code.

Run:  python benchmarks/bench_compile.py [--repeats N] [--quick] [--fresh]
(micrograd comes with the `bench` extra; PyTorch and JAX are optional: their rows are skipped
without them). BLAS runs on one thread here, as PyTorch does (torch.set_num_threads(1)): both do
the same matrix products, on the same core.

The contenders of each workload run in turn, several times, and the medians are compared, so that a
noisy machine slows all of them alike. With --fresh every contender of (s) and (c) also runs alone
in a fresh process, as a user meets it, with its minor page faults per step and the peak memory of
its steps (VmHWM after resetting it through /proc/self/clear_refs, less the resident memory before
the first step: the working memory a step adds to the model and data).

(s) One training step (forward, backward, SGD) of a relu MLP with mean hinge loss, the whole batch
    at once, by shape: our compiled batch code with the parameters in a numpy vector; PyTorch
    float64 (one thread, the batch as one tensor); JAX jit float64. Goals, compiled / PyTorch:
    <= 1.0 at 2-16-16-1 batch 100; <= 1.5 at 2-16-16-1 batch 1000 and 2-64-64-1 batch 100;
    <= 2.0 at 2-64-64-1 batch 1000 and 2-128-128-1 batch 1000. Compiling 2-128-128-1: <= 2 s.
(a) The 2-16-16-1 step on 100 two-moons points through nn and against micrograd and the scalar
    engine, as in bench_engine.py. Goal: micrograd / compiled >= 100.
(c) One sample: a compiled call with its argument checks against the generated function alone.
    Goal: at most 1.5x.
(b) The article's training: 1000 epochs of per-sample SGD on its four people, the loss printed
    every 10 epochs (into a buffer): the article's OurNeuralNetwork with its hand-derived numpy
    gradients, written as the article wrote it; automatic gradients from the compiled graph, one
    sample at a time; nn.fit(..., compile=True); nn.fit without compiling.
    Goal: compiled at least 3x faster than the article's hand-derived code.
"""

from __future__ import annotations

import os

# Before numpy is imported: its BLAS reads this once. One thread, as PyTorch is given below.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

# The scalar workload of (a) is bench_engine's own, so both benchmarks time the same step.
from bench_engine import mlp_forward, training_step

from autograd import Value, compile_graph
from nn import MLP, SGD, fit, hinge_loss, make_moons, people
from nn.compiled import CompiledLoss

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # the bench extra is optional
    MicroValue = None
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # PyTorch is not a dependency
    torch = None
try:
    import jax

    jax.config.update("jax_enable_x64", True)
except ImportError:  # nor is JAX
    jax = None

LEARNING_RATE = 0.05
SIZES = [2, 16, 16, 1]


# ---------------------------------------------------------------------- harness
def race(contenders: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each contender; each entry is (function, calls per timing)."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (fn, calls) in contenders.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(times) for name, times in samples.items()}


def show(medians: dict[str, float], unit: float, unit_name: str) -> None:
    for name, seconds in medians.items():
        print(f"    {name:<44} {seconds / unit:10.3f} {unit_name}")


def ratio(medians: dict[str, float], slow: str, fast: str, goal: str) -> None:
    if slow in medians and fast in medians:
        print(f"    {slow} / {fast}: {medians[slow] / medians[fast]:.2f}x   ({goal})")


# ---------------------------------------------------------------------- (s) shapes
# (sizes, batch, goal for compiled / PyTorch)
SHAPES = [
    ((2, 16, 16, 1), 100, 1.0),
    ((2, 16, 16, 1), 1000, 1.5),
    ((2, 64, 64, 1), 100, 1.5),
    ((2, 64, 64, 1), 1000, 2.0),
    ((2, 128, 128, 1), 1000, 2.0),
]


def initial_weights(sizes=SIZES, seed: int = 1) -> list[list[tuple[list[float], float]]]:
    """Per layer, per neuron: (weights, bias); the same numbers for every contender."""
    rng = np.random.default_rng(seed)
    return [
        [(rng.uniform(-1.0, 1.0, nin).tolist(), 0.0) for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
    ]


def scalar_model(value: type, sizes=SIZES):
    return [
        [([value(w) for w in weights], value(bias)) for weights, bias in layer]
        for layer in initial_weights(sizes)
    ]


def moons(samples: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_moons(samples, seed=0)
    return X, 2 * y - 1


def compile_mlp(sizes=SIZES):
    """Trace one sample's hinge loss through a relu MLP and compile it: (compiled, parameters)."""
    layers = scalar_model(Value, sizes)
    parameters = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]
    x = [Value(0.0, label="x0"), Value(0.0, label="x1")]
    label = Value(1.0, label="label")
    loss = (1 + -label * mlp_forward(layers, x)).relu()
    return compile_graph(loss, [*x, label], parameters), parameters


def compiled_contender(points, labels, sizes=SIZES) -> Callable[[], None]:
    """Trace one sample's loss once; a step is then one call on the batch and a vector update."""
    compiled, parameters = compile_mlp(sizes)
    batch = np.column_stack([points, labels])
    theta = np.array([p.data for p in parameters])

    def step() -> None:
        _, grads = compiled(batch, theta, reduction="mean")
        theta[:] -= LEARNING_RATE * grads

    return step


def torch_contender(points, labels, sizes=SIZES) -> Callable[[], None]:
    linears = [torch.nn.Linear(nin, nout).double() for nin, nout in zip(sizes, sizes[1:])]
    with torch.no_grad():
        for linear, neurons in zip(linears, initial_weights(sizes)):
            linear.weight.copy_(torch.tensor([weights for weights, _ in neurons]))
            linear.bias.copy_(torch.tensor([bias for _, bias in neurons]))
    layers: list[torch.nn.Module] = []
    for linear in linears:
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    X = torch.tensor(points, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)

    def step() -> None:
        optimizer.zero_grad()
        scores = model(X).squeeze(1)
        loss = torch.relu(1 - y * scores).mean()
        loss.backward()
        optimizer.step()

    return step


def jax_contender(points, labels, sizes=SIZES) -> Callable[[], None]:
    jnp = jax.numpy
    params = [
        (jnp.array([w for w, _ in layer]), jnp.array([b for _, b in layer]))
        for layer in initial_weights(sizes)
    ]
    X, y = jnp.array(points), jnp.array(labels)

    def loss(params):
        h = X
        for i, (W, b) in enumerate(params):
            h = h @ W.T + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return jax.nn.relu(1 - y * h[:, 0]).mean()

    @jax.jit
    def update(params):
        grads = jax.grad(loss)(params)
        return [
            (W - LEARNING_RATE * gW, b - LEARNING_RATE * gb)
            for (W, b), (gW, gb) in zip(params, grads)
        ]

    state = [params]

    def step() -> None:
        state[0] = update(state[0])
        jax.block_until_ready(state[0])

    return step


SHAPE_CONTENDERS = {
    "compiled": compiled_contender,
    "PyTorch float64": torch_contender,
    "JAX jit float64": jax_contender,
}


def available(name: str) -> bool:
    return {"PyTorch float64": torch is not None, "JAX jit float64": jax is not None}.get(
        name, True
    )


def shape_step(name: str, sizes, samples: int) -> Callable[[], None]:
    points, labels = moons(samples)
    return SHAPE_CONTENDERS[name](points, labels, tuple(sizes))


def calls_for(samples: int, sizes) -> int:
    work = samples * sum(a * b for a, b in zip(sizes, sizes[1:]))
    return max(1, min(50, int(2e6 // work)))


def shapes(repeats: int, fresh: bool) -> None:
    print("(s) relu MLP, mean hinge loss, one SGD step on the whole batch, ms per step:")
    names = [name for name in SHAPE_CONTENDERS if available(name)]
    header = "".join(f"{name:>18}" for name in names)
    print(f"    {'model':<14}{'batch':>6}{header}{'compiled/PyTorch':>18}  goal")
    for sizes, samples, goal in SHAPES:
        steps = {
            name: (shape_step(name, sizes, samples), calls_for(samples, sizes)) for name in names
        }
        medians = race(steps, repeats)
        cells = "".join(f"{medians[name] * 1e3:18.3f}" for name in names)
        quotient = ""
        if "PyTorch float64" in medians:
            quotient = f"{medians['compiled'] / medians['PyTorch float64']:.2f}x"
        shape = "-".join(map(str, sizes))
        print(f"    {shape:<14}{samples:>6}{cells}{quotient:>18}  <= {goal}")
        if fresh:
            alone = {
                name: run_alone(["shape", name, list(sizes), samples], repeats) for name in names
            }
            cells = "".join(f"{alone[name]['ms']:18.3f}" for name in names)
            quotient = ""
            if "PyTorch float64" in alone:
                quotient = f"{alone['compiled']['ms'] / alone['PyTorch float64']['ms']:.2f}x"
            print(f"    {'  alone':<14}{'':>6}{cells}{quotient:>18}")
            faults = "".join(f"{alone[name]['faults']:18.1f}" for name in names)
            print(f"    {'  faults/step':<20}{faults}")
            peak = "".join(f"{alone[name]['peak_kb'] / 1024:18.2f}" for name in names)
            print(f"    {'  step MiB':<20}{peak}")
    start = time.perf_counter()
    compile_mlp((2, 128, 128, 1))
    print(f"    compiling 2-128-128-1: {time.perf_counter() - start:.2f} s  (goal <= 2 s)")
    if torch is None:
        print("    (PyTorch is not installed: its column is skipped)")
    if jax is None:
        print("    (JAX is not installed: its column is skipped)")


# ---------------------------------------------------------------------- one contender alone
def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure_alone(step: Callable[[], object], calls: int, repeats: int) -> dict[str, float]:
    """In this (fresh) process: median ms per call, minor page faults per call after the first,
    and the peak memory the calls add (kB)."""
    before = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM, the peak resident size, to the current size
    step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            step()
        times.append((time.perf_counter() - start) / calls)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / (calls * repeats)
    return {
        "ms": statistics.median(times) * 1e3,
        "faults": faults,
        "peak_kb": _status("VmHWM") - before,
    }


def run_alone(key: list, repeats: int) -> dict[str, float]:
    """Run one contender in a fresh Python process (this script with --single)."""
    command = [sys.executable, __file__, "--single", json.dumps(key), "--repeats", str(repeats)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def single(key: list, repeats: int) -> None:
    kind, name, *rest = key
    if kind == "shape":
        sizes, samples = rest
        step, calls = shape_step(name, sizes, samples), calls_for(samples, sizes)
    else:
        step, calls = one_sample_steps()[name], 2000
    print(json.dumps(measure_alone(step, calls, repeats)))


# ---------------------------------------------------------------------- (c) one sample
def one_sample_steps() -> dict[str, Callable[[], object]]:
    compiled = compile_article_loss()
    sample = [-2.0, -1.0, 1.0]
    theta = np.random.default_rng(0).standard_normal(9).tolist()
    generated = compiled._forward_backward  # the generated function alone, no checks
    return {
        "compiled call (checked)": lambda: compiled(sample, theta),
        "generated function alone": lambda: generated(*sample, *theta),
    }


def one_sample(repeats: int, fresh: bool) -> None:
    print("(c) the article's network, one sample, forward and backward, us per call:")
    steps = one_sample_steps()
    medians = race({name: (fn, 2000) for name, fn in steps.items()}, repeats)
    show(medians, 1e-6, "us")
    ratio(medians, "compiled call (checked)", "generated function alone", "goal <= 1.5")
    if fresh:
        alone = {name: run_alone(["one", name], repeats) for name in steps}
        for name, figures in alone.items():
            print(f"    alone: {name:<37} {figures['ms'] * 1e3:10.3f} us")


# ---------------------------------------------------------------------- (a) moons step
def nn_compiled_contender(points, labels) -> Callable[[], None]:
    model = MLP(2, SIZES[1:], "relu", "linear", seed=1)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    xs, ts = points.tolist(), labels.tolist()
    compiled = CompiledLoss(model, hinge_loss, xs, ts)
    return lambda: compiled.train_step(optimizer, xs, ts)


def moons_step(repeats: int) -> None:
    X, y = make_moons(100, seed=0)
    labels = 2 * y - 1
    points_list, labels_list = X.tolist(), labels.tolist()
    contenders = {
        "compiled (batch code, numpy parameters)": (compiled_contender(X, labels), 50),
        "compiled via nn (CompiledLoss + nn.SGD)": (nn_compiled_contender(X, labels), 20),
    }
    if torch is not None:
        contenders["PyTorch float64"] = (torch_contender(X, labels), 50)
    engine = scalar_model(Value)
    contenders["our scalar engine"] = (
        lambda: training_step(engine, points_list, labels_list, LEARNING_RATE),
        1,
    )
    if MicroValue is not None:
        micro = scalar_model(MicroValue)
        contenders["micrograd"] = (
            lambda: training_step(micro, points_list, labels_list, LEARNING_RATE),
            1,
        )
    print("(a) 2-16-16-1 training step on 100 two-moons points, per step:")
    medians = race(contenders, repeats)
    show(medians, 1e-3, "ms")
    compiled = "compiled (batch code, numpy parameters)"
    ratio(medians, "micrograd", compiled, "goal >= 100")
    ratio(medians, compiled, "PyTorch float64", "goal <= 3")
    ratio(medians, "compiled via nn (CompiledLoss + nn.SGD)", "PyTorch float64", "for reference")
    ratio(medians, "our scalar engine", compiled, "for reference")
    if torch is None:
        print("    (PyTorch is not installed: its row is skipped)")
    if MicroValue is None:
        print("    (micrograd is not installed: pip install -e '.[bench]')")


# ---------------------------------------------------------------------- (b) the article
# The article's code, as the article wrote it (only its indentation is ours).
def sigmoid(x):
    # Sigmoid activation function: f(x) = 1 / (1 + e^(-x))
    return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    # Derivative of sigmoid: f'(x) = f(x) * (1 - f(x))
    fx = sigmoid(x)
    return fx * (1 - fx)


def mse_loss(y_true, y_pred):
    # y_true and y_pred are numpy arrays of the same length.
    return ((y_true - y_pred) ** 2).mean()


class OurNeuralNetwork:
    def __init__(self):
        # Weights
        self.w1 = np.random.normal()
        self.w2 = np.random.normal()
        self.w3 = np.random.normal()
        self.w4 = np.random.normal()
        self.w5 = np.random.normal()
        self.w6 = np.random.normal()

        # Biases
        self.b1 = np.random.normal()
        self.b2 = np.random.normal()
        self.b3 = np.random.normal()

    def feedforward(self, x):
        # x is a numpy array with 2 elements.
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        o1 = sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)
        return o1

    def train(self, data, all_y_trues):
        learn_rate = 0.1
        epochs = 1000  # number of times to loop through the entire dataset

        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                # --- Do a feedforward (we'll need these values later)
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
                h1 = sigmoid(sum_h1)

                sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
                h2 = sigmoid(sum_h2)

                sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
                o1 = sigmoid(sum_o1)
                y_pred = o1

                # --- Calculate partial derivatives.
                # --- Naming: d_L_d_w1 represents "partial L / partial w1"
                d_L_d_ypred = -2 * (y_true - y_pred)

                # Neuron o1
                d_ypred_d_w5 = h1 * deriv_sigmoid(sum_o1)
                d_ypred_d_w6 = h2 * deriv_sigmoid(sum_o1)
                d_ypred_d_b3 = deriv_sigmoid(sum_o1)

                d_ypred_d_h1 = self.w5 * deriv_sigmoid(sum_o1)
                d_ypred_d_h2 = self.w6 * deriv_sigmoid(sum_o1)

                # Neuron h1
                d_h1_d_w1 = x[0] * deriv_sigmoid(sum_h1)
                d_h1_d_w2 = x[1] * deriv_sigmoid(sum_h1)
                d_h1_d_b1 = deriv_sigmoid(sum_h1)

                # Neuron h2
                d_h2_d_w3 = x[0] * deriv_sigmoid(sum_h2)
                d_h2_d_w4 = x[1] * deriv_sigmoid(sum_h2)
                d_h2_d_b2 = deriv_sigmoid(sum_h2)

                # --- Update weights and biases
                # Neuron h1
                self.w1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1
                self.w2 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2
                self.b1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1

                # Neuron h2
                self.w3 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3
                self.w4 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4
                self.b2 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2

                # Neuron o1
                self.w5 -= learn_rate * d_L_d_ypred * d_ypred_d_w5
                self.w6 -= learn_rate * d_L_d_ypred * d_ypred_d_w6
                self.b3 -= learn_rate * d_L_d_ypred * d_ypred_d_b3

            # --- Calculate total loss at the end of each epoch
            if epoch % 10 == 0:
                y_preds = np.apply_along_axis(self.feedforward, 1, data)
                loss = mse_loss(all_y_trues, y_preds)
                print(f"Epoch {epoch} loss: {loss:.3f}")


# The same training with automatic gradients: the article's network and loss traced once with
# Values, then the compiled code run one sample at a time on plain floats.
def compile_article_loss():
    x0, x1, y_true = Value(0.0, label="x0"), Value(0.0, label="x1"), Value(0.0, label="y_true")
    names = ["w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"]
    w1, w2, b1, w3, w4, b2, w5, w6, b3 = parameters = [Value(0.0, label=n) for n in names]
    h1 = (w1 * x0 + w2 * x1 + b1).sigmoid()
    h2 = (w3 * x0 + w4 * x1 + b2).sigmoid()
    o1 = (w5 * h1 + w6 * h2 + b3).sigmoid()
    loss = (y_true - o1) ** 2
    return compile_graph(loss, [x0, x1, y_true], parameters)


def train_compiled(compiled, data, all_y_trues, theta: list[float]) -> list[float]:
    learn_rate = 0.1
    rows = [[*x, y] for x, y in zip(data.tolist(), all_y_trues.tolist())]
    for epoch in range(1000):
        for row in rows:
            _, grads = compiled(row, theta)
            theta = [p - learn_rate * g for p, g in zip(theta, grads)]
        if epoch % 10 == 0:
            loss = sum(compiled(row, theta)[0][0] for row in rows) / len(rows)
            print(f"Epoch {epoch} loss: {loss:.3f}")
    return theta


def quietly(fn: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            fn()

    return run


def article_training(repeats: int) -> None:
    data, all_y_trues = people()
    compiled = compile_article_loss()

    def article() -> None:
        np.random.seed(0)
        OurNeuralNetwork().train(data, all_y_trues)

    def automatic() -> None:
        theta = np.random.default_rng(0).standard_normal(9).tolist()
        train_compiled(compiled, data, all_y_trues, theta)

    def nn_fit(compile: bool) -> Callable[[], None]:
        return lambda: fit(
            MLP(2, [2, 1], seed=0),
            data,
            all_y_trues,
            report_every=10,
            progress=False,
            compile=compile,
        )

    contenders = {
        "article's hand-derived numpy code": (quietly(article), 1),
        "automatic gradients, compiled, per sample": (quietly(automatic), 1),
        "nn.fit(..., compile=True)": (quietly(nn_fit(True)), 1),
        "nn.fit, scalar engine": (quietly(nn_fit(False)), 1),
    }
    print("(b) the article's training: 1000 epochs x 4 samples, per-sample SGD, whole run:")
    medians = race(contenders, repeats)
    show(medians, 1e-3, "ms")
    ratio(
        medians,
        "article's hand-derived numpy code",
        "automatic gradients, compiled, per sample",
        "goal >= 3",
    )
    ratio(
        medians, "article's hand-derived numpy code", "nn.fit(..., compile=True)", "for reference"
    )


SECTIONS = ("s", "a", "c", "b")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timings per contender (median)")
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    parser.add_argument(
        "--fresh", action="store_true", help="also run each contender alone in a fresh process"
    )
    parser.add_argument(
        "--sections", default="".join(SECTIONS), help="which sections to run, e.g. 'sc'"
    )
    parser.add_argument("--single", help=argparse.SUPPRESS)  # one contender, for --fresh
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    if args.single:
        single(json.loads(args.single), repeats)
        return
    versions = f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__} ({torch.get_num_threads()} thread)"
    if jax is not None:
        versions += f", jax {jax.__version__}"
    print(f"{versions}; {repeats} repeats, medians")
    if "s" in args.sections:
        shapes(repeats, args.fresh)
    if "a" in args.sections:
        moons_step(repeats)
    if "c" in args.sections:
        one_sample(repeats, args.fresh)
    if "b" in args.sections:
        article_training(repeats)


if __name__ == "__main__":
    main()
