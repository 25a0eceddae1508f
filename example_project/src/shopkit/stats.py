"""Descriptive statistics for sales figures (units or revenue per day or week)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean of ``values``; raises ``ValueError`` when there are none."""
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving averages over ``window`` consecutive values.

    The first average covers ``values[0:window]``, so ``len(values) - window + 1``
    averages come back (none when there are fewer values than the window).
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    averages: list[float] = []
    running = 0.0
    for index, value in enumerate(values):
        running += value
        if index >= window:
            running -= values[index - window]
        if index >= window - 1:
            averages.append(running / window)
    return averages


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank ``pct``-th percentile of ``values``, for 0 < pct <= 100.

    The result is always one of the values: the smallest one such that at least
    ``pct`` per cent of the data is less than or equal to it.
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {pct}")
    ordered = sorted(values)
    rank = math.ceil(pct * len(ordered) / 100)
    return ordered[rank]


def period_changes(values: Sequence[float]) -> list[float | None]:
    """Relative change from each period to the next: ``(current - previous) / previous``.

    A change from a period with zero sales is undefined and reported as ``None``.
    """
    return [
        None if previous == 0 else (current - previous) / previous
        for previous, current in zip(values, values[1:])
    ]


def best_period(values: Sequence[float]) -> int:
    """Index of the highest value; the earliest one wins a tie."""
    if not values:
        raise ValueError("best period of an empty sequence")
    best = 0
    for index, value in enumerate(values):
        if value > values[best]:
            best = index
    return best
