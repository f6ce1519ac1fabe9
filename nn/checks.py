"""`nn`'s argument checks, in one place: numbers, counts, seeds, one input vector, a data set.

Every public function of `nn` checks what it is given with these, once, where the user hands it
over, and raises an error that names the argument and what was wrong with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np

from autograd import Value
from autograd.numbers import is_real_number

Seed = int | np.random.Generator | None
Input = Sequence[Value | float] | np.ndarray | Value | float
# One sample as fit prepares it: a float for a one-input model, a list of floats otherwise; the
# same for targets.
Row = float | list[float]


# One rule for what nn takes as a number, the engine's: an int, a float or a numpy integer or
# floating scalar. A bool is refused (True is rarely meant as 1.0), and so is a complex number,
# whose imaginary part float() would silently drop for numpy scalars.
def as_real(x: object, what: str) -> float:
    """`x` as a float if `is_real_number` accepts it, else TypeError naming `what` and the type."""
    if type(x) is float:
        return x
    if is_real_number(x):
        return float(x)
    raise TypeError(f"{what} must be a number (an int or a float), not {type(x).__name__}: {x!r}")


def as_count(n: object, what: str, minimum: int = 1) -> int:
    """`n` as an int >= `minimum`; TypeError for a non-int (bool too), ValueError when too small."""
    if not isinstance(n, (Integral, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{what} must be at least {minimum}, not {n}")
    return int(n)


def as_generator(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed >= 0, a Generator (used as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (Integral, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        if seed < 0:
            raise ValueError(f"seed must be an int >= 0 (numpy seeds no generator with {seed})")
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be an int, a numpy Generator or None, not {type(seed).__name__}")


def as_inputs(x: Input, nin: int, who: str) -> list[Value | float]:
    """Check one input vector for a module with `nin` inputs; return it as a list.

    Numbers become floats and Values stay Values. A lone number or Value is accepted when
    ``nin == 1``. A wrong length raises ValueError naming the expected and the received length.
    """
    items: Sequence[object]
    if isinstance(x, np.ndarray):
        if x.ndim > 1:
            raise ValueError(
                f"{who} expects one input vector (1-D), not an array of shape {x.shape}"
            )
        items = x.tolist() if x.ndim == 1 else [x.item()]
    elif isinstance(x, Value) or is_real_number(x):
        items = [x]
    elif not isinstance(x, (list, tuple)):
        raise TypeError(
            f"{who} expects a list, tuple or numpy array of {nin} numbers or Values, "
            f"not {type(x).__name__}"
        )
    else:
        items = x
    if len(items) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(items)}")
    return [
        item if isinstance(item, Value) else as_real(item, f"{who} input {i}")
        for i, item in enumerate(items)
    ]


def prepare_data(X: object, y: object) -> tuple[list[Row], list[Row]]:
    """Check a data set and turn it into lists of floats (rows for several columns)."""
    xs = as_rows(X, "X")
    ts = as_rows(y, "y")
    if len(xs) != len(ts):
        raise ValueError(f"X has {len(xs)} samples but y has {len(ts)}")
    if not xs:
        raise ValueError("the data set is empty")
    return xs, ts


def as_rows(data: object, what: str) -> list[Row]:
    """`data` as samples: a list of floats (1-D data) or of rows of floats, all finite."""
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{what} must be numbers in equal-length rows (a list or numpy array): {error}"
        ) from None
    # The rule of autograd.numbers.is_real_number, for a whole array: ints and floats only.
    # Converting bools, strings or complex numbers to float would quietly change what the data say.
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{what} must be numbers (ints or floats) in equal-length rows, "
            f"not an array of {array.dtype}"
        )
    array = array.astype(float)
    if array.ndim not in (1, 2):
        raise ValueError(f"{what} must be 1-D or 2-D (samples x columns), not shape {array.shape}")
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{what} holds {array[tuple(bad[0])]} at index {tuple(bad[0].tolist())}")
    rows: list[Row] = array.tolist()
    return rows
