"""Drawing a computation graph: DOT text, an SVG picture, or a page to step through backprop.

    >>> from autograd import Value, to_svg
    >>> w = Value(1.0, label="w1")
    >>> x = Value(-2.0, label="x1")
    >>> h = (w * x).sigmoid()
    >>> h.backward()
    >>> svg = to_svg(h)  # the SVG text; to_svg(h, "neuron.svg") also writes it to a file
    >>> "w1" in svg and "0.1192" in svg  # the label, and the data of sigmoid(-2)
    True

The drawing reads left to right: one box per Value (its label, data and grad), one small oval per
operation, and a box per constant. Colours tell each Value's role, and a legend explains them:

* parameter or input: a leaf, a Value you created;
* constant: a plain number in an expression (the 3 in ``3 * x``);
* intermediate: a Value an operation produced on the way;
* output: the Value the drawing starts from (or each of several).

The parts, one job each: `dot` writes the graph as DOT text (`to_dot`), `groups` checks what
the options name (`Group`), `render` finds and runs a renderer (`render_svg`, `to_svg`), `page`
writes the self-contained HTML page that steps through the forward and backward pass (`to_html`),
`explain` writes the page's chain rule as text, `notebook` decides what Jupyter shows, and
`files` writes a drawing to a file whole or not at all. Nothing here loads the graphviz package
or starts a process until something is drawn.

A Value used by many operations far apart in the graph (a weight reused at every step of an
unrolled recurrence) is drawn once, where it is made, plus a small dashed box with its name
beside each use; a drawing made before any backward pass shows ``grad —`` and says so.

Node names are numbered in reading order (depth first, parents in argument order), so the same
graph always gives the same DOT text.
Labels are escaped: whatever a label holds is shown as text and never read as DOT or SVG markup.
"""

from autograd.draw.dot import COLOURS, DIRECTIONS, count_nodes, to_dot
from autograd.draw.groups import Group
from autograd.draw.page import to_html
from autograd.draw.render import (
    DEFAULT_TIMEOUT,
    MAX_NODES,
    RENDERER_ENV,
    GraphTooLargeError,
    RendererNotFoundError,
    RenderError,
    find_renderer,
    render_svg,
    to_svg,
)

__all__ = [
    "COLOURS",
    "DEFAULT_TIMEOUT",
    "DIRECTIONS",
    "MAX_NODES",
    "RENDERER_ENV",
    "GraphTooLargeError",
    "Group",
    "RenderError",
    "RendererNotFoundError",
    "count_nodes",
    "find_renderer",
    "render_svg",
    "to_dot",
    "to_html",
    "to_svg",
]
