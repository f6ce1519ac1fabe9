"""Rendering: finding a program that turns DOT into SVG, and running it safely.

The DOT text goes to the command of the ``graphviz-pure`` package (a self-contained port of
Graphviz's ``dot``, installed with this project), else to a system ``dot``; the environment
variable ``BACKPROPLAB_DOT`` names any other renderer command.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from autograd.draw.dot import Options, dot_graph, labelled_order, node_count
from autograd.draw.files import write_atomically
from autograd.engine import Value
from autograd.graph import as_roots

if TYPE_CHECKING:
    import subprocess

    import graphviz  # type: ignore[import-untyped]  # the package ships no type information

    from autograd.draw.groups import Group

RENDERER_ENV = "BACKPROPLAB_DOT"
"""Environment variable naming a renderer command that takes DOT on stdin and ``-Tsvg``."""

MAX_NODES = 2000
"""The largest drawing `to_svg` renders by default (Values, operations and constants together).

Measured with benchmarks/bench_draw.py (graphviz-pure, 2 cores): an nn model drawn by neuron and
layer takes 0.7 s at 1,000 nodes, 2.9 s at 2,000 and 18 s at 5,000, and a picture of 2,000 nodes
is already too dense to read. Larger graphs raise `GraphTooLargeError` before anything is
rendered; pass ``max_nodes`` to go further, or take the DOT text from `to_dot`.
"""

DEFAULT_TIMEOUT = 60.0
"""Seconds `to_svg` waits for the renderer before giving up with `RenderError`.

Graphs of the same size differ a lot: one whose edges all cross (the benchmark's "tangle") takes
10 s at 500 nodes and more than 2 minutes at 1,000, where an MLP of 1,000 takes under a second.
The node limit cannot tell these apart; the timeout bounds the wait.
"""

MESSAGE_LIMIT = 2000
"""At most this many characters of a renderer's error output go into a `RenderError`."""


class RenderError(RuntimeError):
    """The renderer failed, or took longer than the timeout; the message says what it reported."""


class RendererNotFoundError(RenderError):
    """No renderer command was found: install graphviz-pure or Graphviz, or set BACKPROPLAB_DOT."""


class GraphTooLargeError(ValueError):
    """The graph has more nodes than `to_svg` is allowed to render (see `MAX_NODES`)."""


def find_renderer() -> list[str]:
    """The command that turns DOT into SVG: ``$BACKPROPLAB_DOT``, graphviz-pure, or a system dot.

    graphviz-pure is looked for in this Python's scripts folder first (a virtualenv that is not
    activated is not on PATH), then in the user scripts folder, then on PATH.
    """
    chosen = os.environ.get(RENDERER_ENV)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise RendererNotFoundError(
                f"{RENDERER_ENV} names {chosen!r}, which is not an executable command"
            )
        return [found]
    for scheme_folder in _scripts_folders():
        found = shutil.which("graphviz-pure", path=scheme_folder)
        if found:
            return [found]
    for name in ("graphviz-pure", "dot"):
        found = shutil.which(name)
        if found:
            return [found]
    raise RendererNotFoundError(
        "no Graphviz renderer found to draw the graph as SVG. Either install the Python package "
        "(pip install graphviz-pure==0.2.2, which backproplab depends on) or a system Graphviz "
        "that provides the `dot` command (e.g. apt-get install graphviz, brew install graphviz), "
        f"or set {RENDERER_ENV} to a renderer command. to_dot() works without a renderer."
    )


def _scripts_folders() -> list[str]:
    import sysconfig

    folders = [sysconfig.get_path("scripts")]
    with contextlib.suppress(KeyError):  # a Python built without user schemes
        folders.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    return [folder for folder in folders if folder and os.path.isdir(folder)]


def check_limits(max_nodes: object, timeout: object) -> None:
    """Refuse a `max_nodes` or a `timeout` that is not a positive, finite number (internal)."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int):
        raise TypeError(f"max_nodes must be an int, not {type(max_nodes).__name__}: {max_nodes!r}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, not {max_nodes}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"timeout must be a number of seconds, not {type(timeout).__name__}: {timeout!r}"
        )
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive, finite number of seconds, not {timeout!r}")


def render_svg(graph: graphviz.Digraph | str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Render a Digraph (or DOT text) to SVG text with the renderer `find_renderer` picks."""
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            f"render_svg takes a graphviz.Digraph or DOT text, not {type(graph).__name__}"
        )
    check_limits(1, timeout)
    return dot_to_svg(source, timeout)


def dot_to_svg(source: str, timeout: float) -> str:
    """`render_svg` for DOT text and a timeout already checked (internal)."""
    command = [*find_renderer(), "-Tsvg"]
    returncode, stdout, stderr = _run(command, source.encode("utf-8"), timeout)
    message = stderr.decode("utf-8", errors="replace").strip()
    if len(message) > MESSAGE_LIMIT:
        message = f"{message[:MESSAGE_LIMIT]}... ({len(message) - MESSAGE_LIMIT} more characters)"
    if returncode != 0 or not stdout:
        raise RenderError(
            f"{command[0]} failed (exit code {returncode}): {message or 'no message'}"
        )
    try:
        return stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RenderError(
            f"{command[0]} wrote output that is not UTF-8 (byte {error.start}); "
            "it does not look like an SVG renderer"
        ) from None


def _run(command: list[str], data: bytes, timeout: float) -> tuple[int, bytes, bytes]:
    """Run `command` on `data`: its exit code, output and error output.

    On POSIX the renderer starts a session (a process group) of its own, so that on a time-out the
    whole group is killed: a wrapper script's children would otherwise keep running, and keep its
    pipes open.
    """
    import subprocess  # here, not at the top: `import autograd` should not load it

    posix = os.name == "posix"
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,
    )
    try:
        stdout, stderr = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process, posix)
        raise RenderError(
            f"{command[0]} did not finish within {timeout} s; draw a smaller graph, or pass a "
            "larger timeout"
        ) from None
    except BaseException:  # Ctrl-C, or anything else: leave no renderer behind
        _stop(process, posix)
        raise
    return process.returncode, stdout, stderr


def _stop(process: subprocess.Popen[bytes], posix: bool) -> None:
    """Kill the renderer and everything it started, and collect what is left of its pipes."""
    if posix:
        with contextlib.suppress(ProcessLookupError):  # the group may have ended meanwhile
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.communicate()


def to_svg(
    root: Value | Sequence[Value],
    path: str | os.PathLike[str] | None = None,
    *,
    digits: int = 4,
    show_grad: bool = True,
    groups: Iterable[Group] = (),
    inputs: Sequence[Value] = (),
    legend: bool = True,
    hints: Iterable[tuple[Value, Value]] = (),
    direction: str = "LR",
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """The computation graph of `root` as SVG text, also written to `path` when one is given
    (through a temporary file renamed over it; a FIFO or a device is refused).

    The options are those of `to_dot`. A graph with more than `max_nodes` nodes raises
    `GraphTooLargeError` before anything is rendered; no renderer raises `RendererNotFoundError`,
    and a renderer that fails or outlasts `timeout` seconds raises `RenderError`.
    """
    outputs = as_roots(root, "to_svg")  # a wrong argument is named before anything else happens
    options = Options(digits, show_grad, groups, inputs, legend, hints, direction)
    check_limits(max_nodes, timeout)
    order = order_within(outputs, max_nodes)
    svg = dot_to_svg(dot_graph(outputs, order, options).source, timeout)
    if path is not None:
        write_atomically(path, svg)
    return svg


def order_within(outputs: tuple[Value, ...], max_nodes: int) -> list[Value]:
    """The `labelled_order` of `outputs`, or GraphTooLargeError when it makes more than
    `max_nodes` nodes, before any work is done on it (internal)."""
    order = labelled_order(outputs)
    nodes = node_count(order)
    if nodes > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {nodes} nodes, more than max_nodes={max_nodes}; rendering it would "
            "be slow and the picture unreadable. Draw a smaller part of it, pass a larger "
            "max_nodes, or take the DOT text from to_dot()."
        )
    return order
