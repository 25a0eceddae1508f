"""Measuring what a failure needs, within a time box that the failure sets.

Localization must never cost more than the failure it serves, so it gets a share of the
heal's time (:data:`LOCALIZATION_SHARE` of ``--selfheal-timeout``), and three runs of the
unchanged code, each bounded by what is left of it:

1. the failing test alone, with line coverage of the whole project: the failure must come
   back (or no fix could be told from the bug), and it names the files the failure ran;
   a test too slow for that within the box notes the functions of the project it enters
   instead, as the tests of step 2 do, at little more than its own time;
2. the tests whose modules use those files, spread over the workers (the failing test's
   module first, then the test files named after those files, each group fastest first),
   each noting which functions of those files it enters: instrumented code, no tracing, so
   these run at full speed; in a large suite they could take all the time there is, so
   they get :data:`REACH_SHARE` of what is left;
3. line coverage of only the suspect files, for only the tests that entered a suspect
   and are quick enough for it, the failing ones first: which lines of a suspect the
   failing tests run and the passing ones do not is what ranks its candidate edits.

A test known to hang or to be slower than the box allows is never re-run just to be
measured. Past the box, healing goes on with what was measured by then.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from pytest_selfheal._evaluate import Evaluator, Limits
from pytest_selfheal.models import History, TestRun

#: The share of a heal's time that localization may spend measuring.
LOCALIZATION_SHARE = 1 / 15
#: The share of what is left of the box, after the failing test ran alone, that finding
#: the tests reaching its files may take: the rest is for the suspects' lines.
REACH_SHARE = 2 / 3
#: The share of that time under which the failing test runs first in every child.
LEAD_SHARE = 1 / 4
#: How many times longer a test takes under line coverage than without (networkx's
#: call-heavy flow code: 3.6 times, 5 on a busy machine).
COVERAGE_SLOWDOWN = 4
#: The share of the box the failing test's line coverage may take: the tests reaching
#: its files and the suspects' lines need the rest.
ALONE_SHARE = 1 / 3


@dataclass(frozen=True)
class Box:
    """The time localization may spend, as a deadline."""

    deadline: float

    @property
    def remaining(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def limits(self) -> Limits:
        """Limits of a run that must end within the box, on a busy machine too."""
        return Limits.within(self.remaining, strict=True)

    def share(self, fraction: float) -> Box:
        """A box ending once ``fraction`` of the time left in this one has passed."""
        return Box(time.perf_counter() + fraction * self.remaining)


@dataclass(frozen=True)
class Surveyor:
    """Runs the measurements of one heal.

    :param reaching: project files to the node ids of the tests whose modules use them.
    :param project_files: the project's own modules the session imported.
    """

    evaluator: Evaluator
    history: History
    reaching: Callable[[Collection[str]], Sequence[str]]
    progress: Callable[[str], None]
    project_files: Collection[str] = ()

    def failing_alone(self, nodeid: str, box: Box) -> TestRun | None:
        """The failing test alone with whole-project line coverage, or noting the project
        functions it enters when it is too slow for that; ``None`` when it is known to
        hang and so is not re-run."""
        if nodeid in self.history.hung:
            self.progress(f"not re-running {nodeid} to measure it: it was cut off by a "
                          "time limit in this session")
            return None
        took = self.history.durations.get(nodeid, 0.0)
        if took * COVERAGE_SLOWDOWN <= ALONE_SHARE * box.remaining or not self.project_files:
            run = self.evaluator.run([nodeid], box.limits(), coverage=())
        else:
            # A networkx test of 1.3 s took 6.8 s of the 8 s box under line coverage: no
            # other test was measured, and the flow code it failed in was never suspected.
            self.progress(f"noting the functions of the {len(self.project_files)} project "
                          f"modules that {nodeid} enters: it took {took:.1f}s, too long for "
                          f"line coverage within the {box.remaining:.1f}s left")
            run = self.evaluator.run([nodeid], box.limits(), reach=sorted(self.project_files))
        if run.timed_out and nodeid not in run.outcomes:
            self.history.hung.add(nodeid)
        return run

    def reaching_tests(self, failing: str, files: Collection[str], box: Box,
                       hung: bool) -> TestRun:
        """The tests whose modules use ``files``, each noting the functions of ``files``
        it enters; the failing test runs first in every child, as it does when
        candidates are judged, unless it ``hung`` or takes a good part of the box."""
        reach = [n for n in self.reaching(files) if n != failing]
        known = self.history.durations
        slow = {n for n in reach if known.get(n, 0.0) > box.remaining / 2} | (
            set(reach) & self.history.hung)
        # A test not run yet in this session is taken to be typical of those that were:
        # a large suite has hundreds of fast ones the session never reached, which must
        # not wait behind its few slow ones.
        typical = typical_duration(known, reach)
        # The failing test's own module comes first: its tests are the likeliest to run
        # what it runs, and when the box runs out they are what guards against a fix
        # that only fits it (networkx: 23 of 2,534 tests measured, none of its module's,
        # and a fix of the approximation it checked passed). The test files named after
        # the files it runs come next: they test that code for itself, so a wrong edit
        # of it fails them (networkx: a bipartite test failed for a flow condition in
        # disjoint_paths.py; an edit of another condition there passed the 552 tests
        # measured, none of test_disjoint_paths.py, and failed 7 of them).
        # When the failing test hung, the tests of its module come last instead: they
        # most often run the same loop, and hang the same way until the box runs out
        # (mpmath's isqrt: a child per worker stuck in one, none of 294 tests measured).
        module = failing.split("::")[0]
        named = {stem for stem in map(module_stem, files) if stem != "__init__"}
        tests = sorted((n for n in reach if n not in slow),
                       key=lambda n: ((n.split("::")[0] == module) == hung,
                                      tested_module(n) not in named, known.get(n, typical)))
        if slow:
            self.progress(f"not measuring {len(slow)} tests that hang or take more than "
                          f"half of the {box.remaining:.1f}s left for localization")
        if not tests:
            return TestRun(outcomes={}, durations={}, wall_s=0.0, exit_code=0)
        self.progress(f"finding which of {len(tests)} tests reach {', '.join(sorted(files))} "
                      f"(up to {box.remaining:.1f}s)")
        # Leading every child, a failing test that takes a good part of the box would
        # leave it little to measure (a networkx test of 1.5 s: none of 2,534 measured).
        lead = not hung and known.get(failing, 0.0) < LEAD_SHARE * box.remaining
        run = self.evaluator.run(tests, box.limits(), reach=sorted(files), spread=True,
                                 lead=(failing,) if lead else ())
        self._after(run, tests, box, "measured")
        return run

    def line_coverage(self, tests: Sequence[str], files: Collection[str],
                      box: Box) -> TestRun | None:
        """Line coverage of only ``files`` for ``tests``; ``None`` when there is no time."""
        # A test whose lines would take more than the box has left is left out: first in
        # its child, as a failing test is, it would leave that child nothing else measured.
        tests = [n for n in tests
                 if self.history.durations.get(n, 0.0) * COVERAGE_SLOWDOWN <= box.remaining]
        if not tests or box.remaining <= 0:
            return None
        self.progress(f"measuring the lines of {', '.join(sorted(files))} that {len(tests)} "
                      f"tests run (up to {box.remaining:.1f}s)")
        run = self.evaluator.run(tests, box.limits(), coverage=sorted(files), spread=True)
        self._after(run, tests, box, "line-measured")
        return run

    def _after(self, run: TestRun, tests: Sequence[str], box: Box, what: str) -> None:
        ended = [n for n in tests if n in run.outcomes]
        if len(ended) < len(tests):
            # The test each cut-off child was in did not end: do not try it again.
            self.history.hung.update(run.interrupted)
            self.progress(f"the localization time box ran out: {len(ended)} of {len(tests)} "
                          f"tests {what}; going on with those")


def module_stem(relpath: str) -> str:
    """``pkg/disjoint_paths.py`` -> ``disjoint_paths``."""
    return relpath.rsplit("/", 1)[-1].removesuffix(".py")


def tested_module(nodeid: str) -> str:
    """The module a test file is named after: ``tests/test_paths.py::test_x`` and
    ``tests/paths_test.py::test_x`` -> ``paths``."""
    stem = module_stem(nodeid.split("::", 1)[0])
    return stem.removeprefix("test_").removesuffix("_test")


def typical_duration(durations: Mapping[str, float], tests: Collection[str]) -> float:
    """What a test of ``tests`` the session never timed is taken to take: the median of
    those it did."""
    return statistics.median([durations[n] for n in tests if n in durations] or [0.0])


def ran_files(run: TestRun | None, nodeid: str) -> set[str]:
    """The project files ``nodeid`` ran in ``run``: those whose lines were measured, or
    whose functions it entered."""
    if run is None:
        return set()
    return {*run.coverage.get(nodeid, {}),
            *(function.split("::", 1)[0] for function in run.reached.get(nodeid, ()))}


def reached_in(run: TestRun | None, files: Collection[str]) -> dict[str, frozenset[str]]:
    """The functions of ``files`` each test of ``run`` entered."""
    if run is None:
        return {}
    return {nodeid: frozenset(f for f in functions if f.split("::", 1)[0] in files)
            for nodeid, functions in run.reached.items()}


def measured_durations(history: History, *runs: TestRun | None) -> Mapping[str, float]:
    """Seconds each test took on the unchanged code: as measured, else as the session saw
    it; tests that hung are left out (their time is a limit's, not theirs)."""
    durations = {n: d for n, d in history.durations.items() if n not in history.hung}
    for run in runs:
        if run is not None:
            durations.update(run.durations)
    return durations
