"""Forward mode against reverse mode: the same derivatives, counted and timed both ways.

    python -m demos.modes [--sizes 1 4 16 64] [--repeats 5] [--seed 0]

Reverse mode (`backward`, `grad`, `jacobian`) gets d(one output)/d(every input) from one backward
pass; forward mode (`jvp`) gets d(every output)/d(one input) from one forward sweep. The whole
Jacobian of a function with n inputs and m outputs therefore takes m backward passes or n forward
sweeps. The demo computes it both ways for two shapes of function:

  (a) many inputs, one output: a neuron's squared error, L(x) = (sigmoid(w . x + b) - 1) ** 2,
      differentiated with respect to its n inputs;
  (b) one input, many outputs: a curve through a shared trunk of 20 steps,
      h = tanh(c_j * h + 0.1) from h = t, then y_k = tanh(a_k * h + b_k) for k = 1..m.

For each size it prints how often f was evaluated, how many local derivative rules (the partials
of the registry `autograd.OPERATIONS`, which both modes use) were applied, and the median time;
and checks that both modes give the same Jacobian.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograd import OPERATIONS, jacobian, jvp
from demos._cli import Parser, fail, heading, run

TRUNK_STEPS = 20


def at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    if value > 1000:
        raise argparse.ArgumentTypeError(
            f"must be at most 1000 (forward mode is quadratic in (a)), not {value}"
        )
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = Parser(
        prog="python -m demos.modes",
        description="Forward against reverse mode: evaluations, derivative rules applied and "
        "time for a Jacobian, for many-inputs-one-output and one-input-many-outputs functions.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=at_least_one,
        nargs="+",
        default=[1, 4, 16, 64],
        help="numbers of inputs for (a) and of outputs for (b)",
    )
    parser.add_argument("--repeats", type=at_least_one, default=5, help="timed runs (median)")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the random numbers; same seed, same output"
    )
    args = parser.parse_args(argv)
    if args.seed < 0:
        fail(f"--seed must be 0 or more, not {args.seed}")

    print("Forward mode against reverse mode: one Jacobian, computed both ways")
    print("(reverse: jacobian, one backward pass per output; forward: jvp, one sweep per input)")
    rng = np.random.default_rng(args.seed)
    heading("(a) Many inputs, one output: L(x) = (sigmoid(w . x + b) - 1) ** 2, dL/dx")
    table("n inputs", [many_inputs(n, rng, args.repeats) for n in args.sizes])
    heading(
        f"(b) One input, many outputs: a {TRUNK_STEPS}-step trunk h(t), y_k = tanh(a_k h + b_k)"
    )
    table("m outputs", [many_outputs(m, rng, args.repeats) for m in args.sizes])
    heading("When each wins")
    print("   Reverse mode pays one backward pass per output, forward mode one sweep per input.")
    print("   With more inputs than outputs (a loss and its parameters: training), reverse mode")
    print("   wins, and its lead grows with the inputs; in (a) the forward sweeps also carry")
    print("   tangents along the running sum, so their rule count grows like n ** 2 / 2.")
    print("   With more outputs than inputs (a curve, the states of a simulation of one")
    print("   parameter), forward mode wins: in (b) reverse mode walks the trunk once per output.")
    print("   Per operation, forward mode's dual numbers cost more here than recording a Value and")
    print("   walking back, so at equal sizes reverse mode leads, and forward mode needs a few")
    print("   outputs per input to win.")


# ---------------------------------------------------------------------- measuring
@dataclass
class Row:
    size: int
    reverse: Measure
    forward: Measure
    difference: float  # largest |reverse - forward| over the Jacobian


@dataclass
class Measure:
    evaluations: int  # of f
    rules: int  # local derivative rules applied
    seconds: float  # median


@contextmanager
def counting_rules() -> Iterator[list[int]]:
    """Count every application of a local derivative rule, in either mode.

    Both modes look each rule up in the registry `autograd.OPERATIONS` when they use it, so
    replacing its records by ones with counting rules for a while counts exactly the rules applied.
    """
    count = [0]
    saved = dict(OPERATIONS)

    def counted(rule: Callable[..., object]) -> Callable[..., object]:
        def rule_and_count(*arguments: object) -> object:
            count[0] += 1
            return rule(*arguments)

        return rule_and_count

    for name, operation in saved.items():
        counting = tuple(counted(rule) for rule in operation.partials)
        OPERATIONS[name] = replace(operation, partials=counting)
    try:
        yield count
    finally:
        OPERATIONS.update(saved)


def by_reverse_mode(f: Callable[..., object], point: list[float]) -> np.ndarray:
    return jacobian(f, point)


def by_forward_mode(f: Callable[..., object], point: list[float]) -> np.ndarray:
    columns = []
    for i in range(len(point)):
        one_hot = [1.0 if j == i else 0.0 for j in range(len(point))]
        columns.append(jvp(f, point, one_hot)[1])
    jacobian_by_columns: np.ndarray = np.array(columns).T
    return jacobian_by_columns


def measure(
    method: Callable[..., np.ndarray], f: Callable[..., object], point: list[float], repeats: int
) -> tuple[Measure, np.ndarray]:
    calls = [0]

    def counted_f(*arguments: object) -> object:
        calls[0] += 1
        return f(*arguments)

    with counting_rules() as rules:
        result = method(counted_f, point)
    times = []
    gc.collect()
    gc.disable()  # a collection landing in one mode's run would decide the race
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            method(f, point)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return Measure(calls[0], rules[0], statistics.median(times)), result


def compare(size: int, f: Callable[..., object], point: list[float], repeats: int) -> Row:
    reverse, by_reverse = measure(by_reverse_mode, f, point, repeats)
    forward, by_forward = measure(by_forward_mode, f, point, repeats)
    return Row(size, reverse, forward, float(np.abs(by_reverse - by_forward).max()))


def many_inputs(n: int, rng: np.random.Generator, repeats: int) -> Row:
    weights = (rng.normal(size=n) / np.sqrt(n)).tolist()
    bias = float(rng.normal())

    def loss(*x: Any) -> Any:  # Values in reverse mode, dual numbers in forward mode
        total = weights[0] * x[0]
        for w, xi in zip(weights[1:], x[1:]):
            total = total + w * xi
        return ((total + bias).sigmoid() - 1.0) ** 2.0

    return compare(n, loss, rng.normal(size=n).tolist(), repeats)


def many_outputs(m: int, rng: np.random.Generator, repeats: int) -> Row:
    trunk = rng.uniform(0.5, 1.5, size=TRUNK_STEPS).tolist()
    slopes = rng.normal(size=m).tolist()
    offsets = rng.normal(size=m).tolist()

    def curve(t: Any) -> list[Any]:
        h = t
        for c in trunk:
            h = (h * c + 0.1).tanh()
        return [(h * a + b).tanh() for a, b in zip(slopes, offsets)]

    return compare(m, curve, [0.3], repeats)


# ---------------------------------------------------------------------- printing
def table(size_name: str, rows: list[Row]) -> None:
    print(
        f"   {size_name:>10} | {'reverse mode':^30} | {'forward mode':^30} | faster"
        f"\n   {'':>10} | {'f runs':>7} {'rules':>9} {'time':>12} | "
        f"{'f runs':>7} {'rules':>9} {'time':>12} |"
    )
    for row in rows:
        reverse, forward = row.reverse, row.forward
        if reverse.seconds <= forward.seconds:
            faster = f"reverse, {forward.seconds / reverse.seconds:.1f}x"
        else:
            faster = f"forward, {reverse.seconds / forward.seconds:.1f}x"
        print(
            f"   {row.size:>10} | {reverse.evaluations:>7} {reverse.rules:>9} "
            f"{milliseconds(reverse.seconds):>12} | {forward.evaluations:>7} {forward.rules:>9} "
            f"{milliseconds(forward.seconds):>12} | {faster}"
        )
    largest = max(row.difference for row in rows)
    print(f"   Largest difference between the two modes' Jacobians: {largest:.3g}")
    forward_wins = [row.size for row in rows if row.forward.seconds < row.reverse.seconds]
    if not forward_wins:
        print("   Reverse mode was faster at every size.")
    elif len(forward_wins) == len(rows):
        print("   Forward mode was faster at every size.")
    else:
        print(f"   Forward mode was faster at {size_name} = {', '.join(map(str, forward_wins))}.")


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


if __name__ == "__main__":
    raise SystemExit(main())
