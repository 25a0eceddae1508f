"""Runs that measure rather than judge: the tests on the current code, what candidates
do in them, and how fast they are.

These always run on this machine, whatever judges the candidates: their numbers are
compared with each other and with the session's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_selfheal._evaluate.contain import Limits
from pytest_selfheal._evaluate.workers import FORK as FORK
from pytest_selfheal._evaluate.workers import SUBPROCESS as SUBPROCESS
from pytest_selfheal._evaluate.workers import Task as _Task
from pytest_selfheal._evaluate.workers import WorkerPool
from pytest_selfheal._evaluate.workload import Workload, merge_runs
from pytest_selfheal.models import Candidate, TestRun


class MeasuringPool(WorkerPool):
    """The measuring half of :class:`~pytest_selfheal._evaluate.pool.Evaluator`."""

    def candidate_limits(self, workload: Workload, path: str) -> Limits:
        raise NotImplementedError

    def run(
        self,
        nodeids: Sequence[str],
        limits: Limits,
        *,
        coverage: Sequence[str] | None = None,
        reach: Sequence[str] = (),
        spread: bool = False,
        lead: Sequence[str] = (),
    ) -> TestRun:
        """Run tests on the current code (no candidate), every one of them.

        :param coverage: measure per-test line coverage of these project files, or of
            the whole project when empty; ``None`` for none.
        :param reach: project modules whose functions each test is checked to enter.
        :param spread: split the tests over the workers, each child running ``lead``
            first and then its share; the runs are merged into one.
        """
        shares = ([tuple(nodeids)] if not spread
                  else [tuple(nodeids[k::self.workers]) for k in range(self.workers)])
        # The limits are the caller's time box: a measurement cut off by it is not
        # given more time, the caller goes on with what was measured.
        tasks = [_Task(key, None, {}, lambda _: limits,
                       coverage=None if coverage is None else tuple(coverage),
                       reach=tuple(reach), may_retry=False)
                 for key, share in enumerate(shares) if share]
        tests = {task.key: (*lead, *shares[task.key]) for task in tasks}
        runs = [run for _, run in self._judged(iter(tasks), nodeids=tests)]
        return merge_runs(runs)

    def run_in_pieces(
        self,
        candidates: Sequence[Candidate],
        nodeids: Sequence[str],
        limits: Limits,
        *,
        size: int,
        until: float,
    ) -> list[TestRun]:
        """Run ``nodeids`` on each candidate in pieces of ``size`` tests, one child per
        piece within ``limits``: a test that takes long, or loops, costs only its piece.
        Every candidate runs a piece before any runs the next, so that when ``until`` (a
        ``time.perf_counter()`` value) ends the runs, they ran much the same tests. One
        run per candidate, its pieces merged; tests of pieces not run are missing."""
        pieces = [tuple(nodeids[i:i + size]) for i in range(0, len(nodeids), size)]
        count = len(candidates)
        tests = {index * count + key: piece for index, piece in enumerate(pieces)
                 for key in range(count)}
        tasks = (_Task(index, candidates[index % count], {}, lambda _: limits,
                       may_retry=False) for index in sorted(tests))
        runs: list[list[TestRun]] = [[] for _ in candidates]
        for task, run in self._judged(tasks, nodeids=tests, until=until):
            runs[task.key % count].append(run)
        return [merge_runs(each) for each in runs]

    def observe(
        self,
        entries: Sequence[Candidate],
        nodeids: Sequence[str],
        limits: Limits,
        *,
        explore: bool,
        tests_of: Mapping[int, Sequence[str]] | None = None,
    ) -> list[TestRun | None]:
        """Record what each entry's function does in the tests ``nodeids`` (every one of
        them, no early stop), then, with ``explore``, on inputs made from the arguments
        the tests gave it (:mod:`~pytest_selfheal._evaluate.behaviour`). ``None`` for an
        entry that cannot be forked, the only path that can record. The original code is
        an entry whose source is the module unchanged.

        :param tests_of: the tests of an entry, by index, when not ``nodeids``."""
        runs: list[TestRun | None] = [None] * len(entries)
        tasks = (_Task(index, entry, dict.fromkeys(nodeids, ""), lambda _: limits,
                       record=True, explore=explore)
                 for index, entry in enumerate(entries) if self.backend(entry) == FORK)
        for task, run in self._judged(tasks, nodeids=tests_of):
            runs[task.key] = run
        return runs

    def time_runs(
        self,
        entries: Sequence[Candidate | None],
        workload: Workload,
        repeats: int,
    ) -> list[list[float]]:
        """Time the call phases of the workload's tests on each entry, ``repeats`` times.

        ``None`` is the current code (the baseline). One child runs at a time, so the
        entries never compete for the CPU, and the rounds are interleaved (every entry
        once, then every entry again) so that a slow patch of the machine hits them
        all alike. A run with a problem or a test that did not pass gives no sample.

        :returns: per entry, the seconds of the summed call phases of each good run.
        """
        samples: list[list[float]] = [[] for _ in entries]
        nodeids = workload.nodeids
        tasks = (_Task(round_ * len(entries) + index, candidate, dict.fromkeys(nodeids, ""),
                       lambda path: self.candidate_limits(workload, path))
                 for round_ in range(repeats) for index, candidate in enumerate(entries))
        for task, run in self._judged(tasks, parallel=1):
            if run.problem or any(run.outcomes.get(n) not in ("passed", "failed")
                                  for n in nodeids):
                continue
            samples[task.key % len(entries)].append(
                sum(run.call_durations.get(n, 0.0) for n in nodeids))
        return samples
