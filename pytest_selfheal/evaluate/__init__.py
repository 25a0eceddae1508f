"""Running the project's tests on candidate code, safely and fast.

Candidate code is untrusted: it only ever runs in child processes, either a fork of
the warm test session (:mod:`~pytest_selfheal.evaluate.zygote`) or a fresh pytest
process over a scratch copy of the project (:mod:`~pytest_selfheal.evaluate.overlay`),
contained by :mod:`~pytest_selfheal.evaluate.contain` and screened beforehand by
:mod:`~pytest_selfheal.evaluate.screen`. :class:`Evaluator` schedules them.
"""

from pytest_selfheal.evaluate.contain import Isolation, Limits
from pytest_selfheal.evaluate.overlay import CoverageSpec, Overlay, ProjectLayout
from pytest_selfheal.evaluate.pool import Evaluator, judge
from pytest_selfheal.evaluate.zygote import Runner, Zygote, fork_is_safe

__all__ = [
    "CoverageSpec",
    "Evaluator",
    "Isolation",
    "Limits",
    "Overlay",
    "ProjectLayout",
    "Runner",
    "Zygote",
    "fork_is_safe",
    "judge",
]
