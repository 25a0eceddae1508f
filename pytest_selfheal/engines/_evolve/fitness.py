"""Fitness of candidates: correctness first, then speed above a noise floor, then diff size.

Pure functions over verdicts. The order:

1. the originally failing tests fixed, then the pass rate over the selected tests;
2. speed: the minimum of repeated call-phase timings of the selected tests, grouped
   into tiers of the noise floor above the fastest candidate, so a candidate only
   counts as faster when it is faster by more than the floor (5% by default);
3. the smaller diff;
4. the earlier candidate, so a run is reproducible whatever the scheduling.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from pytest_selfheal.models import Verdict

#: Default relative difference below which two timings count as equally fast.
NOISE_FLOOR: Final = 0.05
#: The tier of a correct candidate that could not be timed: after every timed one.
UNTIMED: Final = 10_000


@dataclass(frozen=True)
class Speed:
    """Repeated timings of one piece of code on the same tests."""

    samples: tuple[float, ...]

    @property
    def best(self) -> float:
        """The minimum: the run least disturbed by the rest of the machine."""
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """``(max - min) / min``: how noisy the samples were."""
        low = self.best
        return (max(self.samples) - low) / low if low > 0 else 0.0


def speedup(baseline: Speed, candidate: Speed) -> tuple[float, float]:
    """The baseline's time over the candidate's: from the minima, and from the medians."""
    def ratio(numerator: float, denominator: float) -> float:
        return numerator / denominator if denominator > 0 else math.inf

    return ratio(baseline.best, candidate.best), ratio(baseline.median, candidate.median)


def fixes(verdict: Verdict, failing: Sequence[str]) -> int:
    """How many of the originally failing tests pass with this candidate."""
    pattern = dict(verdict.pattern)
    if not pattern:
        return len(failing) if verdict.passed else 0
    return sum(1 for nodeid in failing if pattern.get(nodeid) == "passed")


def rank(
    verdicts: Sequence[Verdict],
    failing: Sequence[str],
    diff_lines: Callable[[Verdict], int],
    noise_floor: float = NOISE_FLOOR,
) -> list[Verdict]:
    """``verdicts`` best first, by the order in this module's docstring."""
    timed = [min(v.samples) for v in verdicts if v.passed and v.samples]
    fastest = min(timed) if timed else 0.0

    def tier(verdict: Verdict) -> float:
        if not verdict.passed:
            return 0  # speed means nothing for a candidate that fails
        if not verdict.samples or fastest <= 0:
            return UNTIMED
        if noise_floor <= 0:
            return min(verdict.samples) / fastest  # every difference counts
        return math.floor(math.log(min(verdict.samples) / fastest) / math.log1p(noise_floor))

    order = {id(verdict): index for index, verdict in enumerate(verdicts)}
    return sorted(verdicts, key=lambda v: (
        not v.passed,
        -fixes(v, failing),
        -(v.tests_passed / v.tests_total if v.tests_total else 0.0),
        tier(v),
        diff_lines(v),
        order[id(v)],
    ))


def scalar(verdict: Verdict, baseline: Speed | None) -> float:
    """One number for the fitness chart: the pass rate, plus log2 of the speedup over
    the baseline once every test passes (0 when it is not faster)."""
    rate = verdict.tests_passed / verdict.tests_total if verdict.tests_total else 0.0
    if not verdict.passed or not verdict.samples or baseline is None:
        return rate
    best, _ = speedup(baseline, Speed(verdict.samples))
    return rate + max(0.0, math.log2(best)) if math.isfinite(best) else rate


def is_faster(candidate: Speed, reference: Speed, noise_floor: float = NOISE_FLOOR) -> bool:
    """Whether ``candidate`` is faster than ``reference`` by more than the noise floor."""
    return reference.best > candidate.best * (1 + noise_floor)
