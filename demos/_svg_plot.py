"""A loss curve as a small SVG file, with no plotting library.

`scripts/demo.sh` installs only the project itself, without matplotlib, and its demo should still
leave a picture of the training behind: a line chart needs nothing but a polyline and a few
labels, and any web browser opens the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 40, 50  # room for the title, the tick labels, the axis names
Y_TICKS = 4  # intervals on the loss axis
ROUND = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # round numbers, times a power of ten


def nice_ceiling(x: float, steps: Sequence[float] = ROUND) -> float:
    """The smallest of `steps` times a power of ten that is at least `x` (> 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(step * power for step in steps if step * power >= x)


def loss_curve_svg(losses: Sequence[float], *, title: str, y_label: str = "loss") -> str:
    """An SVG line chart of one loss per epoch: epoch 0 on the left, loss 0 at the bottom.

    The curve is one ``<polyline>``; its points are ``(x, y)`` in pixels, epoch `i` at
    ``x = LEFT + i * (plot width) / (epochs - 1)`` and loss `l` at ``y = TOP + (1 - l / top) *
    (plot height)``, where `top` is the y axis's top (`nice_ceiling` of the largest loss).
    """
    if not losses or not all(math.isfinite(loss) and loss >= 0 for loss in losses):
        raise ValueError("a loss curve needs at least one loss, each finite and >= 0")
    top = nice_ceiling(max(losses)) if max(losses) > 0 else 1.0
    last_epoch = max(len(losses) - 1, 1)  # one loss: a single point on the left edge
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(epoch: float) -> float:
        return LEFT + epoch * plot_width / last_epoch

    def y_of(loss: float) -> float:
        return TOP + (1 - loss / top) * plot_height

    bottom, right = y_of(0), x_of(last_epoch)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for i in range(Y_TICKS + 1):
        loss = top * i / Y_TICKS
        y = y_of(loss)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{loss:g}</text>')
    # Epoch ticks at round numbers (0, 200, 400, ...), about five of them.
    epoch_step = max(1, round(nice_ceiling(last_epoch / 5, steps=(1, 2, 5, 10))))
    for epoch in range(0, last_epoch + 1, epoch_step):
        x = x_of(epoch)
        parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 5}" stroke="black"/>')
        parts.append(f'<text x="{x}" y="{bottom + 18}" text-anchor="middle">{epoch}</text>')
    parts += [
        f'<path d="M{LEFT},{TOP} V{bottom} H{right}" fill="none" stroke="black"/>',
        f'<text x="{(LEFT + right) / 2}" y="{HEIGHT - 10}" text-anchor="middle">epoch</text>',
        f'<text transform="translate(16 {(TOP + bottom) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>',
        '<polyline fill="none" stroke="#d62728" stroke-width="2" points="'
        + " ".join(f"{x_of(i):.2f},{y_of(loss):.2f}" for i, loss in enumerate(losses))
        + '"/>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
