"""The search behind `check_manual`: the simplest input where a check fails, found by Hypothesis.

Hypothesis tries inputs within bounds and, once a check fails, shrinks the input to the simplest
one where it still fails (0 before 1, 1 before 0.7324). The search is the same wherever it runs:
deterministic from a seed, with settings of its own whatever Hypothesis profile the caller loaded,
no example database, and a thread of its own, so that it also works inside a user's @given test.

Internal to the package: `check_manual` is its user. Hypothesis is imported when a search starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from hypothesis import settings

Point = tuple[float, ...]
# What a check says at one point: True (fails there), False (passes), or a str: the point is
# skipped (the function is undefined there), and the str says why.
Verdict = bool | str

# Searched numbers nearer 0 than this are 0. Hypothesis likes numbers like 1.8e-161, whose square
# underflows: two right formulas computed in different orders then differ by far more than any
# relative tolerance, which would report a slip of floating point, not of a derivation.
TINY = 1e-30


@dataclass
class Tally:
    """Every point tried, by its verdict; why the first skipped one was skipped."""

    passed: set[Point] = field(default_factory=set)
    failed: set[Point] = field(default_factory=set)
    skipped: set[Point] = field(default_factory=set)
    first_reason: str = ""

    def record(self, point: Point, verdict: Verdict) -> None:
        if isinstance(verdict, str):
            self.first_reason = self.first_reason or verdict
            self.skipped.add(point)
        elif verdict:
            self.failed.add(point)
        else:
            self.passed.add(point)

    @property
    def tried(self) -> int:
        return len(self.passed) + len(self.failed) + len(self.skipped)


def find_counterexample(
    check: Callable[[Point], Verdict],
    bounds: list[tuple[float, float]],
    *,
    max_examples: int,
    seed: int,
) -> tuple[Point | None, Tally]:
    """The simplest point within `bounds` (one pair per number) where `check` is True, or None;
    and the tally of every point tried.

    An exception from `check` (a mistake in the user's function) ends the search at once and is
    raised here as it is. Ctrl-C ends the search before KeyboardInterrupt is raised here.
    """
    tally = Tally()
    point = _run_apart(lambda stop: _search(check, bounds, tally, max_examples, seed, stop))
    return point, tally


class _Abort(BaseException):
    """Carries an error of `check` out of the search at once, past Hypothesis's shrinking (which
    catches Exception, not BaseException)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class _Stopped(BaseException):
    """The caller was interrupted (Ctrl-C): end the search at the next point."""


def _search(
    check: Callable[[Point], Verdict],
    bounds: list[tuple[float, float]],
    tally: Tally,
    max_examples: int,
    seed: int,
    stop: threading.Event,
) -> Point | None:
    try:
        from hypothesis import find
        from hypothesis import strategies as st
        from hypothesis.errors import NoSuchExample
    except ImportError:
        raise ImportError(
            "check_manual searches inputs with Hypothesis, which is not installed: "
            'python -m pip install "backproplab[check]" (or hypothesis)'
        ) from None

    def fails(point: Point) -> bool:
        if stop.is_set():
            raise _Stopped
        try:
            verdict = check(point)
        except Exception as error:
            raise _Abort(error) from None
        tally.record(point, verdict)
        return verdict is True

    points = st.tuples(*(_numbers(st, low, high) for low, high in bounds))
    try:
        found: Point = find(points, fails, settings=_settings(max_examples), random=Random(seed))
    except NoSuchExample:
        return None
    except _Abort as abort:
        raise abort.error from None
    return found


def _numbers(st: Any, low: float, high: float) -> Any:
    """The floats from low to high that the search tries, with no tiny ones (see `TINY`)."""
    numbers = st.floats(low, high, allow_subnormal=False)
    if low <= 0.0 <= high:
        return numbers.map(lambda x: x if abs(x) >= TINY else 0.0)
    return numbers


def _settings(max_examples: int) -> settings:
    """Settings of the search's own, whatever profile the caller's tests loaded (`find` adds its
    own: every health check off, one failure reported)."""
    from hypothesis import Phase, Verbosity, settings

    return settings(
        settings.get_profile("default"),  # Hypothesis's own defaults, not the loaded profile
        max_examples=max_examples,
        derandomize=False,  # the seed decides
        database=None,  # no example database in the user's folder
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        deadline=None,
        print_blob=False,
        report_multiple_bugs=False,
    )


T = TypeVar("T")


def _run_apart(work: Callable[[threading.Event], T]) -> T:
    """``work(stop)`` in a thread of its own; its result, or its error raised here.

    Hypothesis refuses to start a search inside the test of another (a nested @given); its test
    context is per thread, so a search in its own thread is a search of its own. Ctrl-C sets
    `stop` and waits for the search to end, so that nothing the search changes (a model's
    parameters) changes after the caller has put it back.
    """
    stop = threading.Event()
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work(stop))
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run, name="find_counterexample", daemon=True)
    worker.start()
    try:
        worker.join()
    except BaseException:
        stop.set()
        worker.join()
        raise
    if errors:
        raise errors[0]
    return results[0]
