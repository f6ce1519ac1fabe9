"""How wide a line of text is drawn, so that boxes are sized for the fonts a reader really has.

A renderer sizes each box for the font it measures (graphviz-pure measures Arimo, which is as wide
as Helvetica, Arial and Liberation Sans), but the picture is drawn later, by a browser or an image
viewer, with whatever font matches "Helvetica" there. On a usual Linux machine that is DejaVu
Sans, 14% wider (25% in bold). A box must hold a line in either font, and since the renderer
starts each centred line where the narrower font would start it, the wider line runs on past the
centre by its extra width.

The widths below are each character's advance, in thousandths of the font size, as headless
Chromium measured them (canvas ``measureText`` at 1000 px) for the printable ASCII characters,
space (32) to tilde (126). Any other character counts as one em.
"""

from __future__ import annotations


def _table(widths: str) -> tuple[int, ...]:
    return tuple(int(width) for width in widths.split())


_DEJAVU_NORMAL = _table(
    "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 "
    "636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 "
    "557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 "
    "635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 "
    "592 592 525 636 337 636 838"
)
_DEJAVU_BOLD = _table(
    "348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 "
    "696 696 696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 "
    "637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 "
    "716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 "
    "645 652 582 712 365 712 838"
)
_LIBERATION_NORMAL = _table(
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 "
    "556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 "
    "556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 "
    "500 500 500 334 260 334 584"
)
_LIBERATION_BOLD = _table(
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 "
    "556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 "
    "611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 "
    "611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 "
    "556 556 500 389 280 389 584"
)


def text_width(text: str, size: float, *, bold: bool = False, centred: bool = True) -> float:
    """The width, in points, a box needs to hold `text` in DejaVu Sans and in Liberation Sans.

    For a line that starts at the box's left edge, that is its width in DejaVu Sans. A centred
    line needs more: a renderer that measured the narrower font starts it half of the difference
    too far left of the centre, so the wide line runs on by the whole difference on the right.
    """
    wide = _width(text, _DEJAVU_BOLD if bold else _DEJAVU_NORMAL)
    if not centred:
        return wide * size / 1000
    narrow = _width(text, _LIBERATION_BOLD if bold else _LIBERATION_NORMAL)
    return (2 * wide - narrow) * size / 1000


def _width(text: str, table: tuple[int, ...]) -> int:
    return sum(table[ord(ch) - 32] if 32 <= ord(ch) < 127 else 1000 for ch in text)
