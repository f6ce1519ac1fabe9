"""What guards cost: the same graph compiled with its guards and without them.

Run:  python benchmarks/bench_guards.py [--repeats N] [--quick]

The graph is an MLP whose hidden units use a hand-written relu, ``h if h > 0 else 0.0 * h``, and
a squared-error loss: one comparison per hidden unit. It is recorded once inside
``record_guards()`` and once outside, so both compiled graphs have the very same operations; the
guarded one also checks every comparison (a plain ``if`` per guard for one sample, a numpy
comparison over the batch per guard for a batch). Weights and inputs are positive, so every sample
takes the traced branch and no call raises. Rows:

(r) recording the graph with the engine: outside a block, inside ``record_guards()``, and with the
    engine's ``relu`` instead (no comparison at all). The engine's operations are untouched by
    guards; a comparison inside a block also keeps a Guard.
(c) one sample through the compiled graph: guarded / unguarded.
(b) a batch through the batch code, forward and backward: guarded / unguarded.

The contenders of each row run in turn, several times, and the medians are compared.
"""

from __future__ import annotations

import os

# Before numpy is imported: its BLAS reads this once.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from autograd import CompiledGraph, Value, compile_graph, record_guards

SHAPES = [(2, 16, 16, 1), (2, 64, 64, 1)]
BATCHES = [100, 1000]


def race(contenders: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each contender; each entry is (function, calls per timing)."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (fn, calls) in contenders.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times[name].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(values) for name, values in times.items()}


def show(medians: dict[str, float], unit: float, unit_name: str, base: str) -> None:
    for name, seconds in medians.items():
        print(f"    {name:<36} {seconds / unit:10.2f} {unit_name}   {seconds / medians[base]:.2f}x")


def weights(sizes: tuple[int, ...], seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    return [rng.uniform(0.05, 0.5) for _ in range(count)]  # positive: every unit stays active


def build(x: list[Value], parameters: list[Value], sizes: tuple[int, ...], hand_relu: bool):
    """The MLP's squared error to 1.0; hidden units by a comparison (hand_relu) or by relu()."""
    taken = iter(parameters)
    layer = x
    for depth, n_out in enumerate(sizes[1:]):
        last = depth == len(sizes) - 2
        outputs = []
        for _ in range(n_out):
            h = next(taken)
            for value in layer:
                h = h + next(taken) * value
            if not last:
                h = (h if h > 0 else 0.0 * h) if hand_relu else h.relu()
            outputs.append(h)
        layer = outputs
    return (layer[0] - 1.0) ** 2


def compiled_pair(sizes: tuple[int, ...]) -> tuple[CompiledGraph, CompiledGraph]:
    """The same graph compiled with its guards and without."""
    graphs = []
    for guarded in (True, False):
        x = [Value(1.0, label=f"x{i}") for i in range(sizes[0])]
        parameters = [Value(w) for w in weights(sizes)]
        with record_guards() as guards:
            loss = build(x, parameters, sizes, hand_relu=True)
        graphs.append(compile_graph(loss, x, parameters, guards=guards if guarded else None))
    guarded_graph, plain_graph = graphs
    assert guarded_graph.guards is not None and len(guarded_graph.guards) == sum(sizes[1:-1])
    return guarded_graph, plain_graph


def recording(repeats: int) -> None:
    print("(r) recording one sample's graph with the engine, 2-16-16-1")
    sizes = SHAPES[0]
    x = [Value(1.0) for _ in range(sizes[0])]
    parameters = [Value(w) for w in weights(sizes)]

    def outside() -> None:
        build(x, parameters, sizes, hand_relu=True)

    def inside() -> None:
        with record_guards():
            build(x, parameters, sizes, hand_relu=True)

    def relu() -> None:
        build(x, parameters, sizes, hand_relu=False)

    medians = race(
        {
            "hand relu, no block": (outside, 200),
            "hand relu, inside record_guards()": (inside, 200),
            "relu(), no comparison": (relu, 200),
        },
        repeats,
    )
    show(medians, 1e-6, "us", "hand relu, no block")


def one_sample(repeats: int) -> None:
    for sizes in SHAPES:
        print(f"(c) one sample, {'-'.join(map(str, sizes))}")
        guarded, plain = compiled_pair(sizes)
        sample = [0.5] * sizes[0]
        parameters = weights(sizes)
        medians = race(
            {
                "unguarded": (partial(plain, sample, parameters), 2000),
                "guarded": (partial(guarded, sample, parameters), 2000),
            },
            repeats,
        )
        show(medians, 1e-6, "us", "unguarded")


def batches(repeats: int) -> None:
    rng = np.random.default_rng(0)
    for sizes in SHAPES:
        guarded, plain = compiled_pair(sizes)
        parameters = np.array(weights(sizes))
        for samples in BATCHES:
            print(f"(b) a batch of {samples}, {'-'.join(map(str, sizes))}")
            data = rng.uniform(0.5, 1.5, size=(samples, sizes[0]))
            calls = max(10, 20000 // samples)
            medians = race(
                {
                    "unguarded": (partial(plain, data, parameters), calls),
                    "guarded": (partial(guarded, data, parameters), calls),
                },
                repeats,
            )
            show(medians, 1e-6, "us", "unguarded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timings per contender (median)")
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; {repeats} repeats, medians")
    recording(repeats)
    one_sample(repeats)
    batches(repeats)


if __name__ == "__main__":
    main()
