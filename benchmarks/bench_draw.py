"""How long drawing takes as graphs grow: DOT generation and SVG rendering, per renderer.

    python benchmarks/bench_draw.py                      # 100, 1000, 2000 and 5000 nodes
    python benchmarks/bench_draw.py 300 3000 --timeout 60
    python benchmarks/bench_draw.py 2000 --page          # to_html's page, opened in Chromium
    python benchmarks/bench_draw.py --notebook           # what a notebook displays (IPython)

Graph shapes, each grown to about the requested number of nodes (Values, operations, constants):

* model: `nn.model_to_dot` of an MLP with layers of 4 sigmoid neurons and its loss, neurons and
  layers in boxes (clusters): what a user of this project draws;
* narrow, wide: the same kind of network as bare Values, no boxes, 4 and 8 neurons per layer;
* tangle: a worst case, where each new Value adds or multiplies two Values picked at random among
  all earlier ones, so that edges run across the whole picture;
* chain: an unrolled recurrence, h = tanh(w * h + u) step after step, reusing the same two
  weights at every step: drawn with an edge from w and u to every use, it did not lay out in
  600 s; drawn as `autograd.draw.dot.shared_values` draws it (once, plus a small reference
  beside each use) it does.

Each renderer found (graphviz-pure, a system dot) renders each graph once. A render that outlasts
the timeout is reported as such rather than waited for. These figures chose
`autograd.draw.MAX_NODES`.

With ``--page``, each model graph (with ``--page --shapes chain``, each chain) is written as a
stepping page (`nn.model_to_html`, `to_html`) instead, and opened from file:// in headless
Chromium (Debian's chromium and chromium-driver, through Selenium):
the time to write the page, its size, and how long the browser takes from the start of navigation
to the end of the load event (the page's script has run) and to the first frame drawn after it,
the median of 5 openings each in a fresh tab; and, for comparison, the first frame of the same
drawing alone in a page without data or script.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sysconfig
import time
from collections.abc import Callable

from autograd import Value, to_dot, to_html
from autograd.draw import count_nodes
from nn import MLP, model_to_dot, model_to_html, mse_loss

SIZES = (100, 1000, 2000, 5000)


def model_graph(target_nodes: int) -> tuple[int, Callable[[], str]]:
    """An MLP 4 wide, deep enough to reach `target_nodes`, drawn as nn users draw it."""
    x = [0.5, -1.0, 0.25, 2.0]
    depth = 1
    while True:
        model = MLP(4, [4] * depth + [1], seed=0)
        nodes = count_nodes(mse_loss([1.0], [model(x)]))
        if nodes >= target_nodes or depth > 1000:
            return nodes, lambda model=model: model_to_dot(model, x, 1.0).source
        depth += max(1, round((target_nodes - nodes) / 93))  # a layer of 4 adds about 93 nodes


def perceptron(target_nodes: int, width: int) -> Value:
    """The summed outputs of an MLP of bare Values, `width` neurons wide, deep enough."""
    rng = random.Random(0)
    layer = [Value(rng.uniform(-1, 1), label=f"x{i + 1}") for i in range(width)]
    while True:
        layer = _layer(layer, width, rng)
        total = sum(layer[1:], layer[0])
        if count_nodes(total) >= target_nodes:
            return total


def _layer(inputs: list[Value], width: int, rng: random.Random) -> list[Value]:
    outputs = []
    for _ in range(width):
        total = Value(rng.uniform(-1, 1), label="b")
        for x in inputs:
            total = total + Value(rng.uniform(-1, 1), label="w") * x
        outputs.append(total.tanh())
    return outputs


def tangle(target_nodes: int) -> Value:
    """Each new Value combines two random earlier Values: long edges everywhere."""
    rng = random.Random(0)
    values = [Value(rng.uniform(-1, 1), label=f"x{i + 1}") for i in range(8)]
    # Each new Value brings itself and its operation, and summing it into the root two more.
    for _ in range((target_nodes - 4 * len(values)) // 4):
        a, b = rng.choice(values), rng.choice(values)
        values.append(a * b if rng.random() < 0.5 else a + b)
    return sum(values[1:], values[0])


def chain(target_nodes: int) -> Value:
    """h = tanh(w * h + u), unrolled until the graph has `target_nodes` nodes (6 a step)."""
    w, u = Value(0.9, label="w"), Value(0.1, label="u")
    h = Value(0.5, label="h0")
    for _ in range(max(1, (target_nodes - 3) // 6)):
        h = (w * h + u).tanh()
    h.label = "h"
    return h


def _values(build: Callable[[int], Value]) -> Callable[[int], tuple[int, Callable[[], str]]]:
    def graph(size: int) -> tuple[int, Callable[[], str]]:
        root = build(size)
        root.backward()
        return count_nodes(root), lambda: to_dot(root).source

    return graph


# Each shape builds its graph and returns its node count and how to make its DOT text.
SHAPES: dict[str, Callable[[int], tuple[int, Callable[[], str]]]] = {
    "model": model_graph,
    "narrow": _values(lambda size: perceptron(size, 4)),
    "wide": _values(lambda size: perceptron(size, 8)),
    "tangle": _values(tangle),
    "chain": _values(chain),
}


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


def render_seconds(command: str, source: str, timeout: float) -> str:
    start = time.perf_counter()
    try:
        subprocess.run(
            [command, "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f} timeout"
    except subprocess.CalledProcessError as error:
        return f"failed ({error.returncode})"
    return f"{time.perf_counter() - start:.2f}"


def page_model(target_nodes: int) -> tuple[MLP, list[float]]:
    x = [0.5, -1.0, 0.25, 2.0]
    depth = 1
    while count_nodes(mse_loss([1.0], [MLP(4, [4] * depth + [1], seed=0)(x)])) < target_nodes:
        depth += 1
    return MLP(4, [4] * depth + [1], seed=0), x


def model_page(size: int, timeout: float) -> tuple[int, str]:
    model, x = page_model(size)
    nodes = count_nodes(mse_loss([1.0], [model(x)]))
    return nodes, model_to_html(model, x, 1.0, max_nodes=max(nodes, 2000), timeout=timeout)


def chain_page(size: int, timeout: float) -> tuple[int, str]:
    root = chain(size)
    nodes = count_nodes(root)
    return nodes, to_html(root, max_nodes=max(nodes, 2000), timeout=timeout)


def bench_pages(sizes: list[int], timeout: float, shape: str) -> None:
    import statistics
    import tempfile
    from pathlib import Path

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bench-draw-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(executable_path="/usr/bin/chromedriver"), options=options
    )
    print("page: nodes, seconds to write it, its size, and in Chromium (median of 5, ms):")
    print(
        f"{'nodes':>6} {'write s':>8} {'MB':>6} {'load ms':>8} {'frame ms':>9} "
        f"{'svg frame ms':>12} {'steps':>6}"
    )
    try:
        for size in sizes:
            start = time.perf_counter()
            make = chain_page if shape == "chain" else model_page
            nodes, html = make(size, timeout)
            write_seconds = time.perf_counter() - start
            folder = Path(tempfile.mkdtemp(prefix="bench-draw-"))
            path = folder / "page.html"
            path.write_text(html, encoding="utf-8")
            # The same drawing alone, without data or script: what the browser needs anyway.
            bare = folder / "drawing.html"
            svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
            bare.write_text(f"<!DOCTYPE html><html><body>{svg}</body></html>", encoding="utf-8")
            times: dict[Path, list[tuple[float, float]]] = {path: [], bare: []}
            for _ in range(5):
                for opened in times:  # alternating, so that both see the same machine load
                    driver.switch_to.new_window("tab")
                    driver.get(opened.as_uri())
                    times[opened].append(
                        driver.execute_script(
                            "const navigation = performance.getEntriesByType('navigation')[0];"
                            "return new Promise((done) => requestAnimationFrame(() =>"
                            " requestAnimationFrame(() => done([navigation.loadEventEnd,"
                            " performance.now()]))));"
                        )
                    )
                    driver.close()
                    driver.switch_to.window(driver.window_handles[0])
            load = statistics.median(load for load, _ in times[path])
            frame = statistics.median(frame for _, frame in times[path])
            bare_frame = statistics.median(frame for _, frame in times[bare])
            steps = html.count('"kind":')
            print(
                f"{nodes:>6} {write_seconds:>8.2f} {len(html.encode()) / 1e6:>6.2f} "
                f"{load:>8.0f} {frame:>9.0f} {bare_frame:>12.0f} {steps:>6}",
                flush=True,
            )
    finally:
        driver.quit()


def bench_notebook() -> None:
    """What IPython's display machinery makes of Values and models: seconds (median of 5) and
    bytes of everything it puts into the notebook, with `DisplayFormatter().format`."""
    import statistics

    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    cases: list[tuple[str, object]] = []
    for sizes in ([2, 1], [4, 1], [16, 16, 1]):
        name = "-".join(map(str, [2, *sizes]))
        model = MLP(2, sizes, seed=0)
        loss = mse_loss([1.0], model([1.0, 2.0]))
        loss.backward()
        cases += [(f"{name} model", model), (f"{name} one-sample loss", loss)]
    print("notebook display (IPython DisplayFormatter().format): median of 5")
    print(f"{'object':>26} {'nodes':>6} {'seconds':>8} {'KB':>8}  MIME types")
    for name, shown in cases:
        seconds = []
        for _ in range(5):
            start = time.perf_counter()
            data, _ = formatter.format(shown)
            seconds.append(time.perf_counter() - start)
        size = sum(len(str(text).encode()) for text in data.values())
        nodes = count_nodes(shown) if isinstance(shown, Value) else "-"
        print(
            f"{name:>26} {nodes:>6} {statistics.median(seconds):>8.3f} {size / 1e3:>8.1f}  "
            + ", ".join(sorted(data)),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=SIZES, help="node counts to reach")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per render")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--page", action="store_true", help="time to_html pages in Chromium")
    parser.add_argument(
        "--notebook", action="store_true", help="time notebook displays (needs IPython)"
    )
    args = parser.parse_args()
    if args.notebook:
        bench_notebook()
        return
    if args.page:
        bench_pages(args.sizes, args.timeout, "chain" if args.shapes == ["chain"] else "model")
        return
    commands = renderers()
    print(f"renderers: {commands or 'none found'}")
    print("seconds: to_dot (DOT text) and render (DOT to SVG) with each renderer")
    header = f"{'shape':>6} {'nodes':>6} {'edges':>6} {'to_dot':>7}"
    print(header + "".join(f" {name:>15}" for name in commands), flush=True)
    for shape in args.shapes:
        for size in args.sizes:
            nodes, make_source = SHAPES[shape](size)
            start = time.perf_counter()
            source = make_source()
            dot_seconds = time.perf_counter() - start
            edges = source.count(" -> ") - source.count("style=invis")
            row = f"{shape:>6} {nodes:>6} {edges:>6} {dot_seconds:>7.3f}"
            for command in commands.values():
                row += f" {render_seconds(command, source, args.timeout):>15}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
