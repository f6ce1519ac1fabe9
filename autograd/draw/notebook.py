"""How a Value shows itself in a notebook (`Value._repr_mimebundle_` asks here, so that the engine
never imports the drawing layer): its graph as SVG, and the stepping page in a frame of its own."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from autograd.draw.page import in_frame, to_html
from autograd.draw.render import GraphTooLargeError, RenderError, to_svg
from autograd.engine import Value


def mimebundle(value: Value) -> dict[str, str] | None:
    """The drawings Jupyter shows for `value`, by MIME type; None (the text repr) with a warning
    saying why, when it cannot draw (no renderer, too large a graph, a renderer failure)."""
    svg = _drawn(lambda: to_svg(value))
    if svg is None:
        return None
    page = _drawn(lambda: in_frame(to_html(value)))
    bundle = {"image/svg+xml": svg, "text/plain": repr(value)}
    if page is not None:
        bundle["text/html"] = page
    return bundle


def _drawn(draw: Callable[[], str]) -> str | None:
    try:
        return draw()
    except (RenderError, GraphTooLargeError) as error:
        warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=4)
        return None
