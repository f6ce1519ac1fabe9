"""How long drawing takes as graphs grow: DOT generation and SVG rendering, per renderer.

    python benchmarks/bench_draw.py            # 100, 1000, 2000 and 5000 nodes
    python benchmarks/bench_draw.py 300 3000   # other sizes

The graphs are multilayer perceptrons built from Values, the kind of graph people draw, in two
shapes: narrow (layers of 4 tanh neurons) and wide (layers of 8, so many more edges cross), each
with as many layers as it takes to reach the size; and, as a worst case, a tangle where each new
Value multiplies or adds two Values picked at random among all earlier ones. Each renderer found
(graphviz-pure, a system dot) renders each graph once; a render that takes longer than
`TIMEOUT` seconds is reported as such rather than waited for. The figures chose
`autograd.draw.MAX_NODES`.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import sysconfig
import time

from autograd import Value, to_dot
from autograd.draw import count_nodes

SIZES = (100, 1000, 2000, 5000)
TIMEOUT = 600.0
WIDTHS = {"narrow": 4, "wide": 8}


def perceptron(target_nodes: int, width: int) -> Value:
    """The summed outputs of an MLP `width` neurons wide, deep enough to reach `target_nodes`."""
    rng = random.Random(0)
    inputs = [Value(rng.uniform(-1, 1), label=f"x{i + 1}") for i in range(width)]
    one_neuron = count_nodes(_layer(inputs, width, rng)[0]) - width
    depth = max(1, round(target_nodes / (one_neuron * width)))
    layer = inputs
    for _ in range(depth):
        layer = _layer(layer, width, rng)
    return sum(layer[1:], layer[0])


def tangle(target_nodes: int) -> Value:
    """A graph where each Value combines two random earlier Values: long edges everywhere."""
    rng = random.Random(0)
    values = [Value(rng.uniform(-1, 1), label=f"x{i + 1}") for i in range(8)]
    # Each new Value brings two nodes (itself and its operation).
    for _ in range((target_nodes - len(values)) // 2):
        a, b = rng.choice(values), rng.choice(values)
        values.append(a * b if rng.random() < 0.5 else a + b)
    return sum(values[1:], values[0])


def _layer(inputs: list[Value], width: int, rng: random.Random) -> list[Value]:
    outputs = []
    for _ in range(width):
        total = Value(rng.uniform(-1, 1), label="b")
        for x in inputs:
            total = total + Value(rng.uniform(-1, 1), label="w") * x
        outputs.append(total.tanh())
    return outputs


def renderers() -> dict[str, str]:
    found = {}
    pure = shutil.which("graphviz-pure", path=sysconfig.get_path("scripts")) or shutil.which(
        "graphviz-pure"
    )
    if pure:
        found["graphviz-pure"] = pure
    system_dot = shutil.which("dot")
    if system_dot:
        found["system dot"] = system_dot
    return found


def main(sizes: tuple[int, ...]) -> None:
    commands = renderers()
    print(f"renderers: {commands or 'none found'}")
    print("seconds to make the DOT text (to_dot) and to render it to SVG with each renderer")
    header = f"{'shape':>6} {'nodes':>6} {'edges':>6} {'to_dot':>7}"
    print(header + "".join(f" {name:>15}" for name in commands))
    shapes = {
        name: lambda size, width=width: perceptron(size, width) for name, width in WIDTHS.items()
    }
    shapes["tangle"] = tangle
    for shape, build in shapes.items():
        for size in sizes:
            root = build(size)
            root.backward()
            start = time.perf_counter()
            source = to_dot(root).source
            dot_seconds = time.perf_counter() - start
            edges = source.count(" -> ")
            row = f"{shape:>6} {count_nodes(root):>6} {edges:>6} {dot_seconds:>7.3f}"
            for command in commands.values():
                row += f" {_render_seconds(command, source):>15}"
            print(row, flush=True)


def _render_seconds(command: str, source: str) -> str:
    start = time.perf_counter()
    try:
        subprocess.run(
            [command, "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=TIMEOUT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f">{TIMEOUT:.0f} (timeout)"
    except subprocess.CalledProcessError as error:
        return f"failed ({error.returncode})"
    return f"{time.perf_counter() - start:.2f}"


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
