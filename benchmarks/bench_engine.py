"""The scalar engine against micrograd, the same workloads in one process, alternating.

Run:  python benchmarks/bench_engine.py [--repeats N] [--quick] [--fresh]
(needs the `bench` extra: pip install -e ".[bench]")

Prints the median time of each workload for both engines and the ratio micrograd / ours, so that a
noisy machine shifts both sides alike. Workloads:
  (a) one training step of a 2-16-16-1 MLP written directly with Values: forward on 100 two-moons
      points, hinge loss, backward, SGD update;
  (b) build + backward of a chain of 1e4, 1e5 and 1e6 operations (micrograd only up to 1e5: its
      recursive topological sort needs the recursion limit raised to the chain's length);
  (c) nodes per second while building a sum of 1e5 products;
  (d) bytes per node of a built graph (tracemalloc);
  (e) one operation: Value op Value against Value op float (goal: no slower).
With --fresh, (a) and (c) also run for each engine alone in a fresh process, as a user meets them.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable

import numpy as np

from autograd import Value

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the bench extra is optional
    MicroValue = None


def two_moons(n: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """n points on two interleaved half circles with labels -1 / +1 (for the hinge loss)."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0.0, np.pi, n)
    upper = np.arange(n) % 2 == 0
    x = np.where(upper, np.cos(angles), 1.0 - np.cos(angles))
    y = np.where(upper, np.sin(angles), 0.5 - np.sin(angles))
    points = np.stack([x, y], axis=1) + rng.normal(0.0, 0.1, (n, 2))
    return points.tolist(), np.where(upper, -1.0, 1.0).tolist()


# ---------------------------------------------------------------------- (a) training step
def make_mlp(value: type, sizes: list[int], seed: int = 1) -> list[list[tuple[list, object]]]:
    """Layers of neurons, each neuron (weights, bias), with the same numbers for either engine."""
    rng = np.random.default_rng(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layer = []
        for _ in range(nout):
            weights = [value(float(w)) for w in rng.uniform(-1.0, 1.0, nin)]
            layer.append((weights, value(0.0)))
        layers.append(layer)
    return layers


def mlp_forward(layers, x):
    for depth, layer in enumerate(layers):
        last = depth == len(layers) - 1
        outputs = []
        for weights, bias in layer:
            total = sum((w * xi for w, xi in zip(weights, x)), bias)
            outputs.append(total if last else total.relu())
        x = outputs
    return x[0]


def training_step(layers, points, labels, lr: float = 0.05) -> float:
    scores = [mlp_forward(layers, x) for x in points]
    losses = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
    loss = sum(losses) * (1.0 / len(losses))
    params = [p for layer in layers for weights, bias in layer for p in (*weights, bias)]
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


# ---------------------------------------------------------------------- (b), (c), (d)
def chain(value: type, length: int):
    v = value(0.5)
    for _ in range(length):
        v = v * 1.0000001
    return v


def chain_build_and_backward(value: type, length: int) -> None:
    chain(value, length).backward()


def sum_of_products(value: type, pairs: list[tuple[float, float]]):
    total = value(0.0)
    for a, b in pairs:
        total = total + value(a) * value(b)
    return total


def without_gc(workload: Callable[..., object], *args: object) -> None:
    gc.disable()
    try:
        workload(Value, *args)
    finally:
        gc.enable()


def bytes_per_node(value: type, length: int = 100_000) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = chain(value, length)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del root
    return (after - before) / length


# ---------------------------------------------------------------------- harness
def timed(fn: Callable[[], object]) -> float:
    # Start each run with no garbage left by the other engine, so that each pays only for the
    # collections its own allocations (and its own reference cycles) cause.
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def race(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per contender, running them in turn so that machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            samples[name].append(timed(fn))
    return {name: statistics.median(times) for name, times in samples.items()}


def report(title: str, medians: dict[str, float], unit: str = "ms") -> None:
    scale = 1e3 if unit == "ms" else 1.0
    ours = medians["ours"]
    line = f"{title:<44} ours {ours * scale:9.2f} {unit}"
    if "micrograd" in medians:
        theirs = medians["micrograd"]
        line += f"   micrograd {theirs * scale:9.2f} {unit}   micrograd/ours {theirs / ours:6.2f}x"
    print(line, flush=True)


# ---------------------------------------------------------------------- (e) one operation
def operation_times(repeats: int) -> dict[str, float]:
    """Seconds per operation: Value op Value against Value op float, and the reflected form."""
    a, b = Value(1.5), Value(2.5)
    cases = {
        "Value * Value": lambda: a * b,
        "Value * float": lambda: a * 2.5,
        "float * Value": lambda: 2.5 * a,
        "Value + Value": lambda: a + b,
        "Value + int": lambda: a + 1,
    }
    calls = 100_000
    return {
        name: min(timeit.repeat(fn, number=calls, repeat=repeats)) / calls
        for name, fn in cases.items()
    }


# ---------------------------------------------------------------------- one engine alone
WORKLOADS = ("step", "build")
# Consecutive training steps per timed run, so that the garbage one step leaves (micrograd's graphs
# hold reference cycles, which only the collector frees) is paid for in the next, as in a training
# loop, rather than by the gc.collect() that `timed` runs before each run.
STEPS = 3


def workload(name: str, engine: str) -> Callable[[], object]:
    value = Value if engine == "ours" else MicroValue
    if name == "step":
        points, labels = two_moons(100)
        model = make_mlp(value, [2, 16, 16, 1])
        return lambda: [training_step(model, points, labels) for _ in range(STEPS)]
    rng = np.random.default_rng(2)
    pairs = [tuple(pair) for pair in rng.uniform(-1.0, 1.0, (100_000, 2)).tolist()]
    return lambda: sum_of_products(value, pairs)


def run_alone(name: str, engine: str, repeats: int) -> float:
    """Median seconds of a workload run by one engine alone, in a fresh Python process."""
    command = [sys.executable, __file__, "--single", name, engine, "--repeats", str(repeats)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def fresh(engines: dict[str, type], repeats: int) -> None:
    print("alone, each in a fresh process:")
    for name in WORKLOADS:
        times = {engine: run_alone(name, engine, repeats) for engine in engines}
        title = "(a) training step" if name == "step" else "(c) build a sum of 1e5 products"
        report(f"    {title}", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs per workload (median)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the 1e6 chain")
    parser.add_argument(
        "--fresh", action="store_true", help="also run each engine alone in a fresh process"
    )
    parser.add_argument("--single", nargs=2, help=argparse.SUPPRESS)  # WORKLOAD ENGINE, for --fresh
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    if args.single:
        run = workload(*args.single)
        per_run = STEPS if args.single[0] == "step" else 1
        print(statistics.median(timed(run) for _ in range(repeats)) / per_run)
        return
    engines = {"ours": Value}
    if MicroValue is None:
        print("micrograd is not installed (pip install -e '.[bench]'): showing our figures only")
    else:
        engines["micrograd"] = MicroValue
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, {repeats} repeats, medians")

    points, labels = two_moons(100)
    models = {name: make_mlp(value, [2, 16, 16, 1]) for name, value in engines.items()}
    medians = race(
        {
            name: lambda m=models[name]: [training_step(m, points, labels) for _ in range(STEPS)]
            for name in engines
        },
        repeats,
    )
    medians = {name: seconds / STEPS for name, seconds in medians.items()}
    report("(a) 2-16-16-1 training step, 100 points", medians)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 250_000))  # for micrograd's recursion
    lengths = [10_000, 100_000] + ([] if args.quick else [1_000_000])
    chain_medians = {}
    for length in lengths:
        contenders = {
            name: lambda v=value, n=length: chain_build_and_backward(v, n)
            for name, value in engines.items()
            if name == "ours" or length <= 100_000
        }
        chain_medians[length] = race(contenders, repeats if length < 1_000_000 else 3)
        report(f"(b) chain of {length:,} ops, build + backward", chain_medians[length])
    if 1_000_000 in chain_medians:
        growth = chain_medians[1_000_000]["ours"] / chain_medians[100_000]["ours"]
        print(f"    ours: time(1e6) / time(1e5) = {growth:.2f} (linear is 10)")
        # The same with Python's cyclic garbage collector paused: what is left is the engine's
        # own work. The difference is the collector's full passes over a growing live graph.
        paused = {
            length: race({"ours": lambda n=length: without_gc(chain_build_and_backward, n)}, 3)
            for length in (100_000, 1_000_000)
        }
        small, large = paused[100_000]["ours"], paused[1_000_000]["ours"]
        print(
            f"    ours with the garbage collector paused: 1e5 {small * 1e3:.0f} ms,"
            f" 1e6 {large * 1e3:.0f} ms, ratio {large / small:.2f}"
        )

    rng = np.random.default_rng(2)
    pairs = [tuple(pair) for pair in rng.uniform(-1.0, 1.0, (100_000, 2)).tolist()]
    medians = race(
        {name: lambda v=value: sum_of_products(v, pairs) for name, value in engines.items()},
        repeats,
    )
    nodes = 5 * len(pairs)  # two leaves, a product and a sum per pair, plus the running total
    rates = "   ".join(f"{name} {nodes / t / 1e6:.2f} M nodes/s" for name, t in medians.items())
    report("(c) build a sum of 1e5 products", medians)
    print(f"    {rates}")

    times = operation_times(repeats)
    print(
        "(e) one operation, best of the repeats: "
        + "   ".join(f"{name} {seconds * 1e9:.0f} ns" for name, seconds in times.items())
    )
    print(
        f"    Value * float / Value * Value: {times['Value * float'] / times['Value * Value']:.2f}"
        " (goal <= 1)"
    )

    if args.fresh:
        fresh(engines, repeats)

    sizes = {name: bytes_per_node(value) for name, value in engines.items()}
    line = "   ".join(f"{name} {size:.0f} B/node" for name, size in sizes.items())
    print(f"(d) memory of a 1e5-op chain: {line}", end="")
    if "micrograd" in sizes:
        print(f"   ours/micrograd {sizes['ours'] / sizes['micrograd']:.2f}")
    else:
        print()


if __name__ == "__main__":
    main()
