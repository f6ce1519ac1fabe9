"""What counts as a number: the checks every part of the package applies to the numbers it is given.

A Value holds a float; it accepts an int, a float or a numpy real scalar, never a bool (True is
not a measurement) nor a complex number. `nn` checks its inputs, targets and hyper-parameters
with the same rule.
"""

from __future__ import annotations

from numbers import Real
from typing import SupportsFloat, TypeGuard, Union

import numpy as np

# Union, not |: this alias is evaluated at run time, and Python 3.10 is supported.
Number = Union[int, float, np.integer, np.floating]  # noqa: UP007


def is_real_number(x: object) -> TypeGuard[SupportsFloat]:
    """True for what a Value holds: an int, a float or a numpy real scalar (no bool, no complex)."""
    if isinstance(x, (float, int)):  # checked first: the abstract Real below is slow to test
        return not isinstance(x, bool)
    return isinstance(x, (Real, np.integer, np.floating)) and not isinstance(x, np.bool_)


def as_float(data: object, what: str = "Value") -> float:
    """Accept a real Python or numpy scalar as a float; refuse anything else by naming its type."""
    if is_real_number(data):
        return float(data)  # also turns a numpy float64 into a float
    raise TypeError(
        f"{what} takes an int, a float or a numpy real scalar, not {type(data).__name__}: {data!r}"
    )
