"""Running the project's tests on candidate code, safely and fast.

Candidate code is untrusted: it only ever runs in child processes, either a fork of
the warm test session (:mod:`~pytest_selfheal._evaluate.zygote`) or a fresh pytest
process over a scratch copy of the project (:mod:`~pytest_selfheal._evaluate.overlay`),
contained by :mod:`~pytest_selfheal._evaluate.contain` and screened beforehand by
:mod:`~pytest_selfheal._evaluate.screen`. :class:`Evaluator` schedules them.
"""

from pytest_selfheal._evaluate.contain import Isolation, Limits, PathCost
from pytest_selfheal._evaluate.fork_server import Runner, Zygote
from pytest_selfheal._evaluate.layout import ProjectLayout
from pytest_selfheal._evaluate.overlay import Overlay
from pytest_selfheal._evaluate.pool import Evaluator
from pytest_selfheal._evaluate.reach import unnoted_files
from pytest_selfheal._evaluate.spec import CoverageSpec, ReachSpec, RunSpec
from pytest_selfheal._evaluate.workload import Workload, judge
from pytest_selfheal._evaluate.zygote import fork_is_safe

__all__ = [
    "CoverageSpec",
    "Evaluator",
    "Isolation",
    "Limits",
    "Overlay",
    "PathCost",
    "ProjectLayout",
    "ReachSpec",
    "RunSpec",
    "Runner",
    "Workload",
    "Zygote",
    "fork_is_safe",
    "judge",
    "unnoted_files",
]
