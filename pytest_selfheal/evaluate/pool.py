"""The evaluator: runs tests on candidates, many at once, and picks the winner.

One :class:`Evaluator` serves a whole test session. It keeps a scratch copy of the
project per worker, forks the session for each candidate when that is safe (the zygote
path) and starts a fresh pytest process otherwise (the subprocess path), and schedules
up to ``workers`` children at once from a single thread: no helper threads, so forking
stays safe.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from pytest_selfheal.evaluate.contain import SUBPROCESS_FLOOR_S, Isolation, Limits
from pytest_selfheal.evaluate.overlay import Overlay, ProjectLayout, SubprocessJob
from pytest_selfheal.evaluate.zygote import ForkJob, Zygote, fork_is_safe
from pytest_selfheal.models import Candidate, TestRun, Verdict
from pytest_selfheal.patches import is_function_swap

#: How often a pool with subprocess children looks at them, in seconds.
POLL_INTERVAL = 0.02


class Job(Protocol):
    """A running child: a fork of the session or a fresh pytest process."""

    overlay: Overlay
    deadline: float

    @property
    def done(self) -> bool: ...

    def finish(self) -> TestRun: ...


def judge(candidate: Candidate, run: TestRun, expected: Mapping[str, str]) -> Verdict:
    """Turn a run into a verdict: every selected test must end as ``expected`` says."""
    passed = sum(1 for nodeid, outcome in expected.items() if run.outcomes.get(nodeid) == outcome)
    total = len(expected)
    if run.problem:
        reason = run.problem
    elif passed == total:
        reason = "passed"
    elif run.first_failure:
        reason = run.first_failure.splitlines()[0][:300]
    else:
        missing = next(n for n in expected if run.outcomes.get(n) != expected[n])
        reason = f"{missing} did not run"
    return Verdict(candidate=candidate, passed=passed == total and not run.problem, reason=reason,
                   tests_passed=passed, tests_total=total,
                   runtime_s=sum(run.durations.values()),
                   failure_text=run.first_failure or run.problem)


class Evaluator:
    """Judges candidates against selected tests on ``workers`` children at once.

    :param zygote: the session to fork children from, or ``None`` to always start
        fresh pytest processes.
    :param isolation: what children are cut off from; by default the network, and
        the project directory is read-only for them.
    """

    def __init__(self, layout: ProjectLayout, workers: int, zygote: Zygote | None,
                 isolation: Isolation | None = None) -> None:
        self.layout = layout
        self.workers = workers
        self.zygote = zygote
        self.isolation = isolation or Isolation(network=True, readonly=(str(layout.root),))
        self.notes: list[str] = []
        self._sources: dict[str, str] = {}
        self._overlays: list[Overlay] = []
        self._idle: list[Overlay] = []

    # -- scratch copies ------------------------------------------------------------------

    def _take_overlay(self) -> Overlay:
        if not self._idle:
            overlay = Overlay(self.layout, self._sources)
            self._overlays.append(overlay)
            return overlay
        return self._idle.pop()

    def set_source(self, relpath: str, text: str) -> None:
        """Make an accepted fix part of the code every later run starts from."""
        self._sources[relpath] = text
        for overlay in self._overlays:
            overlay.set_base(relpath, text)

    def backend(self, candidate: Candidate | None = None) -> str:
        """``fork`` when a child can be forked for this candidate, else ``subprocess``."""
        if self.zygote is None:
            return "subprocess"
        why = fork_is_safe()
        if why:
            if why not in self.notes:
                self.notes.append(f"{why}; candidates run in fresh pytest processes")
            return "subprocess"
        if candidate is not None:
            base = self._sources.get(candidate.function.path)
            if base is None:
                base = (self.layout.root / candidate.function.path).read_bytes().decode("utf-8")
            if not is_function_swap(base, candidate.source, candidate.function.qualname):
                return "subprocess"  # module-level code changed: a swap cannot show it
        return "fork"

    def _start(self, nodeids: Sequence[str], limits: Limits, candidate: Candidate | None,
               expected: Mapping[str, str], exitfirst: bool, coverage: bool,
               compare_outputs: bool = False) -> Job:
        overlay = self._take_overlay()
        try:
            if self.backend(candidate) == "fork":
                assert self.zygote is not None
                return ForkJob(self.zygote, overlay, nodeids, limits, candidate=candidate,
                               expected=expected, exitfirst=exitfirst, coverage=coverage,
                               isolation=self.isolation, compare_outputs=compare_outputs)
            files = {} if candidate is None else {candidate.function.path: candidate.source}
            return SubprocessJob(overlay, nodeids, limits.at_least(SUBPROCESS_FLOOR_S),
                                 files=files, exitfirst=exitfirst,
                                 coverage=coverage, expected=expected, isolation=self.isolation)
        except BaseException:
            self._idle.append(overlay)
            raise

    def _finish(self, job: Job) -> TestRun:
        try:
            run = job.finish()
        finally:
            self._idle.append(job.overlay)
        for note in run.notes:
            if note not in self.notes:
                self.notes.append(note)
        return run

    # -- running -------------------------------------------------------------------------

    def run(self, nodeids: Sequence[str], limits: Limits, *, coverage: bool = False) -> TestRun:
        """Run the tests on the current code (no candidate), all of them."""
        job = self._start(nodeids, limits, None, {}, exitfirst=False, coverage=coverage)
        _wait_any([job], time.perf_counter() + limits.timeout_s + 5)
        return self._finish(job)

    def first_passing(
        self,
        candidates: Iterable[Candidate],
        expected: Mapping[str, str],
        limits: Limits,
        *,
        should_stop: Callable[[], bool],
        on_verdict: Callable[[Verdict], None] = lambda verdict: None,
        reject: Callable[[Candidate], str] = lambda candidate: "",
    ) -> Verdict | None:
        """Evaluate candidates until one passes; return the earliest passing one in order.

        The failing test runs first and a child stops at the first test that does not
        end as ``expected`` says. The winner is the passing candidate that comes first
        in ``candidates``, not the first to finish, so a run is reproducible whatever
        the scheduling.

        :param expected: selected node id to the outcome it must have, in run order.
        :param should_stop: polled before each new candidate starts (budget, deadline).
        :param reject: screening: a reason to fail a candidate without running it.
        """
        nodeids = list(expected)
        if self.zygote is not None:
            self.zygote.forget()
        best: tuple[int, Verdict] | None = None
        running: dict[int, tuple[Candidate, Job]] = {}
        source: Iterator[tuple[int, Candidate]] = enumerate(candidates)
        exhausted = False
        try:
            while True:
                while not exhausted and best is None and len(running) < self.workers:
                    item = None if should_stop() else next(source, None)
                    if item is None:
                        exhausted = True
                        break
                    index, candidate = item
                    why = reject(candidate)
                    if why:
                        on_verdict(Verdict(candidate, False, why, 0, len(expected), 0.0,
                                           rejected=True))
                        continue
                    running[index] = (candidate, self._start(
                        nodeids, limits, candidate, expected, exitfirst=True, coverage=False))
                if not running:
                    break
                for index in _wait_any([job for _, job in running.values()],
                                       time.perf_counter() + limits.timeout_s + 5,
                                       keys=list(running)):
                    candidate, job = running.pop(index)
                    verdict = judge(candidate, self._finish(job), expected)
                    on_verdict(verdict)
                    if verdict.passed and (best is None or index < best[0]):
                        best = (index, verdict)
                if best is not None:
                    # Only candidates before the winner can still change the answer.
                    for index in [i for i in running if i > best[0]]:
                        self._finish(running.pop(index)[1])
        finally:
            for _, job in running.values():
                self._finish(job)
        return None if best is None else best[1]

    def judge_all(
        self,
        candidates: Sequence[Candidate],
        expected: Mapping[str, str],
        limits: Limits,
        *,
        should_stop: Callable[[], bool],
        on_verdict: Callable[[Verdict], None] = lambda verdict: None,
        reject: Callable[[Candidate], str] = lambda candidate: "",
        compare_outputs: bool = False,
    ) -> list[Verdict]:
        """Evaluate every candidate on every selected test, without stopping early.

        Evolution ranks whole populations, so each verdict carries the outcome of
        every selected test (its :attr:`~Verdict.pattern`), not just the first
        failure. Verdicts come back in the order of ``candidates``.

        :param compare_outputs: also check, call by call, that each candidate returns
            what the original code returns on the same arguments (fork path only; a
            candidate that cannot be forked fails with the reason).
        """
        nodeids = list(expected)
        if self.zygote is not None:
            self.zygote.forget()
        verdicts: dict[int, Verdict] = {}
        running: dict[int, tuple[Candidate, Job]] = {}
        pending = list(enumerate(candidates))
        try:
            while pending or running:
                while pending and len(running) < self.workers and not should_stop():
                    index, candidate = pending.pop(0)
                    why = reject(candidate)
                    if not why and compare_outputs and self.backend(candidate) != "fork":
                        why = ("equal outputs can only be checked in a fork of the session, "
                               "and this candidate cannot be forked")
                    if why:
                        verdicts[index] = Verdict(candidate, False, why, 0, len(expected), 0.0,
                                                  rejected=True)
                        on_verdict(verdicts[index])
                        continue
                    running[index] = (candidate, self._start(
                        nodeids, limits, candidate, expected, exitfirst=False, coverage=False,
                        compare_outputs=compare_outputs))
                if not running:
                    break
                for index in _wait_any([job for _, job in running.values()],
                                       time.perf_counter() + limits.timeout_s + 5,
                                       keys=list(running)):
                    candidate, job = running.pop(index)
                    run = self._finish(job)
                    verdict = judge(candidate, run, expected)
                    verdict = replace(verdict, pattern=tuple(
                        (nodeid, run.outcomes.get(nodeid, "not run")) for nodeid in nodeids))
                    verdicts[index] = verdict
                    on_verdict(verdict)
        finally:
            for _, job in running.values():
                self._finish(job)
        return [verdicts[index] for index in sorted(verdicts)]

    def time_runs(
        self,
        entries: Sequence[Candidate | None],
        nodeids: Sequence[str],
        limits: Limits,
        repeats: int,
    ) -> list[list[float]]:
        """Time the call phases of ``nodeids`` on each entry, ``repeats`` times.

        ``None`` is the current code (the baseline). One child runs at a time, so the
        entries never compete for the CPU, and the rounds are interleaved (every entry
        once, then every entry again) so that a slow patch of the machine hits them
        all alike. A run with a problem or a test that did not pass gives no sample.

        :returns: per entry, the seconds of the summed call phases of each good run.
        """
        samples: list[list[float]] = [[] for _ in entries]
        if self.zygote is not None:
            self.zygote.forget()
        for _ in range(repeats):
            for index, candidate in enumerate(entries):
                job = self._start(nodeids, limits, candidate, {}, exitfirst=False,
                                  coverage=False)
                _wait_any([job], time.perf_counter() + limits.timeout_s + 5)
                run = self._finish(job)
                if run.problem or any(run.outcomes.get(n) not in ("passed", "failed")
                                      for n in nodeids):
                    continue
                samples[index].append(sum(run.call_durations.get(n, 0.0) for n in nodeids))
        return samples

    def close(self) -> None:
        """Delete every scratch copy; close what forking holds open."""
        for overlay in self._overlays:
            overlay.close()
        self._overlays.clear()
        self._idle.clear()
        if self.zygote is not None:
            self.zygote.close()


def _wait_any(jobs: Sequence[Job], give_up: float, keys: Sequence[int] | None = None
              ) -> list[int]:
    """Block until at least one job is done; return the keys (or indexes) of those done."""
    keys = list(range(len(jobs))) if keys is None else list(keys)
    while True:
        finished = [key for key, job in zip(keys, jobs, strict=True) if job.done]
        if finished or time.perf_counter() > give_up:
            return finished or keys
        # Forked children are waited on through their event pipes and exits;
        # subprocesses are looked at every POLL_INTERVAL.
        pipes = [fd for fd in (job.waitable for job in jobs if isinstance(job, ForkJob))
                 if fd is not None]
        deadline = min(job.deadline for job in jobs)
        wait = max(0.0, min(deadline, give_up) - time.perf_counter())
        if len(pipes) < len(jobs):
            wait = min(wait, POLL_INTERVAL)
        if pipes:
            select.select(pipes, [], [], wait)
        else:
            time.sleep(wait)
