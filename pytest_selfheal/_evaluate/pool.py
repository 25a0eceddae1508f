"""The evaluator: runs tests on candidates, many at once, and picks the winner.

One :class:`Evaluator` serves a whole test session. It keeps a scratch copy of the
project per worker. A worker judges a candidate in a fork of the session, through a
:class:`~pytest_selfheal._evaluate.zygote.ForkServer` made per heal, when that is safe,
and in a fresh pytest process otherwise; with a cluster executor
(:mod:`~pytest_selfheal._evaluate.remote`), on the cluster, while measurements
(:mod:`~pytest_selfheal._evaluate.measuring`) and the winner's verification stay here.
Every run goes through the one scheduling loop of :mod:`~pytest_selfheal._evaluate.workers`,
in the session's single thread: no helper threads, so forking stays safe.

Time limits are never constants: each path's cost on this machine is learned from runs of
the unchanged code (:class:`~pytest_selfheal._evaluate.contain.PathCost`), and a run is
cut off at a few times what the unchanged code took there.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pytest_selfheal._evaluate.contain import Isolation, Limits, PathCost
from pytest_selfheal._evaluate.deepening import Deepening
from pytest_selfheal._evaluate.measuring import FORK, SUBPROCESS, MeasuringPool
from pytest_selfheal._evaluate.overlay import Overlay, ProjectLayout, SubprocessJob
from pytest_selfheal._evaluate.remote import Executor, RemoteRun
from pytest_selfheal._evaluate.spec import ReachSpec, RunSpec
from pytest_selfheal._evaluate.verification import verify
from pytest_selfheal._evaluate.workers import POLL_INTERVAL, REMOTE, Job
from pytest_selfheal._evaluate.workers import Running as _Running
from pytest_selfheal._evaluate.workers import Slot as _Slot
from pytest_selfheal._evaluate.workers import Task as _Task
from pytest_selfheal._evaluate.workload import (
    Workload,
    as_if_whole,
    judge,
    learn_fix_durations,
)
from pytest_selfheal._evaluate.zygote import ForkServer, ServerJob, Zygote, fork_is_safe
from pytest_selfheal._source.patches import is_function_swap
from pytest_selfheal.models import Candidate, TestRun, Verdict

#: How much lower the priority of the run that times the fresh-process path is.
CALIBRATION_NICENESS = 10


class Evaluator(MeasuringPool):
    """Judges candidates against selected tests on ``workers`` children at once.

    :param zygote: the session to fork children from, or ``None`` to always start
        fresh pytest processes.
    :param isolation: what children are cut off from; by default the network, and
        the project directory is read-only for them.
    :param executor: the cluster that judges candidates, ``None`` for this machine.
    """

    def __init__(self, layout: ProjectLayout, workers: int, zygote: Zygote | None,
                 isolation: Isolation | None = None, executor: Executor | None = None
                 ) -> None:
        self.layout = layout
        self.workers = workers
        self.zygote = zygote
        self.isolation = isolation or Isolation()
        self.executor = executor
        self.notes: list[str] = []
        #: What runs cost on each path, learned from runs of the unchanged code.
        self.costs: dict[str, PathCost] = {FORK: PathCost(), SUBPROCESS: PathCost()}
        self._sources: dict[str, str] = {}
        self._slots: list[_Slot] = []
        self._idle: list[_Slot] = []
        self._calibrating: _Running | None = None
        #: Seconds a candidate took to pass a test that hangs on the unchanged code.
        self.fix_durations: dict[str, float] = {}

    # -- code and paths ------------------------------------------------------------------

    def source(self, relpath: str) -> str:
        """The module's text every run starts from: an accepted fix, or the file."""
        if relpath in self._sources:
            return self._sources[relpath]
        return (self.layout.root / relpath).read_bytes().decode("utf-8")

    def set_source(self, relpath: str, text: str) -> None:
        """Make an accepted fix part of the code every later run starts from."""
        self._sources[relpath] = text
        for slot in self._slots:
            slot.overlay.set_base(relpath, text)
        self.release()  # forks of the session from before the fix run the old code

    def backend(self, candidate: Candidate | None = None) -> str:
        """``fork`` when a child can be forked for this candidate, else ``subprocess``."""
        if self.zygote is None:
            return SUBPROCESS
        why = fork_is_safe()
        if why:
            self._note(f"{why}; candidates run in fresh pytest processes")
            return SUBPROCESS
        if candidate is not None and candidate.others:
            return SUBPROCESS  # a fork swaps the code of one function of one module
        if candidate is not None and not is_function_swap(
                self.source(candidate.function.path), candidate.source,
                candidate.function.qualname):
            return SUBPROCESS  # module-level code changed: a swap cannot show it
        return FORK

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def candidate_limits(self, workload: Workload, path: str) -> Limits:
        """Limits for judging a candidate on ``workload`` on ``path``: a few times what
        the unchanged code costs there, measured first if this session has not yet."""
        path = SUBPROCESS if path == REMOTE else path  # a fresh process there as here
        cost = self.costs[path]
        if not cost.known:
            self._measure_cost(workload, path)
        if not cost.known:  # the measurement itself failed: the heal's time is the limit
            return Limits.within(max(0.0, workload.deadline - time.perf_counter()))
        return cost.limits(len(workload.expected), workload.tests_s)

    def _measure_cost(self, workload: Workload, path: str) -> None:
        if path == SUBPROCESS and self._calibrating is None:
            self.calibrate(workload)
        if path == SUBPROCESS and self._calibrating is not None:
            calibrating, self._calibrating = self._calibrating, None
            while not calibrating.job.done:
                select.select([fd for fd in [calibrating.job.fileno()] if fd is not None], [], [],
                              POLL_INTERVAL)
            self._finish(calibrating)
            return
        # A run of no test at all tells what a fork costs beyond the tests' own phases,
        # and the first candidate waits for it: a test would add its own time (mpmath's
        # only finished one took 4 s), one that hangs the heal's whole time.
        limits = Limits.within(max(0.0, workload.deadline - time.perf_counter()))
        task = _Task(0, None, {}, lambda _: limits)
        for _ in self._judged(iter([task]), paths={0: path}, nodeids={0: ()}):
            pass

    def calibrate(self, workload: Workload) -> None:
        """Start timing the unchanged code in a fresh pytest process, once per session,
        without waiting: the winner's verification needs it, and meanwhile candidates
        are judged in forks."""
        if self.costs[SUBPROCESS].known or self._calibrating is not None:
            return
        limits = Limits.within(max(0.0, workload.deadline - time.perf_counter()))
        task = _Task(0, None, {}, lambda _: limits)
        self._calibrating = self._start(task, workload.finished, SUBPROCESS)
        job = self._calibrating.job
        if isinstance(job, SubprocessJob):
            # Candidates come first: the fresh process (its own process group) is only
            # needed once one passes, and a real suite's import and collection take
            # seconds of a core that the first candidates would otherwise wait for.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PGRP, job.process.pid, CALIBRATION_NICENESS)

    # -- running -------------------------------------------------------------------------

    def _spec(self, task: _Task, nodeids: Sequence[str], path: str, overlay: Overlay,
              run_dir: Path) -> RunSpec:
        # A fork measures the project where the session imported it from; a fresh
        # process measures its scratch copy.
        root = (self.layout.root if path == FORK else overlay.root)
        coverage = None
        if task.coverage is not None:
            coverage = overlay.coverage_spec(run_dir, root, task.coverage)
        reach = None
        if task.reach:
            reach = ReachSpec(sources={str(root / rel): self.source(rel) for rel in task.reach},
                              relpaths={str(root / rel): rel for rel in task.reach})
        return RunSpec(nodeids=tuple(nodeids), expected=dict(task.expected),
                       exitfirst=task.exitfirst, coverage=coverage, reach=reach,
                       compare_outputs=task.compare_outputs, record=task.record,
                       explore=task.explore)

    def _start(self, task: _Task, nodeids: Sequence[str], path: str,
               behind: _Slot | None = None) -> _Running:
        # Before a worker is taken: the limits may first need a run of their own.
        limits = task.limits(path)
        if path == REMOTE:
            assert self.executor is not None
            assert task.candidate is not None
            spec = RunSpec(nodeids=tuple(nodeids), expected=dict(task.expected),
                           exitfirst=task.exitfirst)
            return _Running(task, None, self.executor.start(RemoteRun(
                self.layout, spec, limits, self.isolation, dict(self._sources),
                task.candidate.files)), path)
        if behind is not None and behind.can_queue(limits.processes):
            slot = behind
        else:
            slot = self._idle.pop() if self._idle else self._new_slot()
        slot.jobs += 1
        try:
            run_dir = slot.overlay.new_run_dir()
            spec = self._spec(task, nodeids, path, slot.overlay, run_dir)
            job: Job
            if path == FORK:
                assert self.zygote is not None
                processes = slot.overlay.cage(limits.processes)
                if (slot.server is None or slot.server.dead
                        or slot.server.processes is not processes):
                    self._stop_server(slot)
                    slot.server = ForkServer(self.zygote, slot.overlay, self.isolation,
                                             processes)
                job = ServerJob(slot.server, spec, limits, task.candidate, run_dir,
                                str(self.layout.root))
            else:
                # A fresh process's run empties the copy's cgroup, its fork server with it.
                self._stop_server(slot)
                files = {} if task.candidate is None else task.candidate.files
                job = SubprocessJob(slot.overlay, spec, limits, run_dir, files=files,
                                    isolation=self.isolation)
        except BaseException:
            slot.jobs -= 1
            if not slot.jobs:
                self._idle.append(slot)
            raise
        return _Running(task, slot, job, path)

    def first_passing(
        self,
        candidates: Iterable[Candidate],
        workload: Workload,
        *,
        stop_at: float,
        on_verdict: Callable[[Verdict], None] = lambda verdict: None,
        reject: Callable[[Candidate], str] = lambda candidate: "",
        unchanged: Callable[[Candidate], Collection[str]] = lambda candidate: (),
    ) -> Verdict | None:
        """Evaluate candidates until one passes; return the earliest passing one in order.

        The failing test runs first and a child stops at the first test that does not
        end as expected. The winner is the passing candidate that comes first in
        ``candidates``, not the first to finish, so a run is reproducible whatever the
        scheduling. A candidate cut off in a test that hangs on the unchanged code is
        tried again with longer limits (:class:`~pytest_selfheal._evaluate.deepening.
        Deepening`), between fresh ones.

        :param stop_at: ``time.perf_counter()`` value after which no candidate starts,
            and at which those still running are stopped without a verdict: a looping
            candidate given long limits must not run past the caller's time.
        :param reject: screening: a reason to fail a candidate without running it.
        :param unchanged: the tests of ``workload`` a candidate cannot change the
            outcome of: the others run, and these count as ending as expected up to the
            first that does not (:func:`as_if_whole`).
        """
        best: list[tuple[int, Verdict]] = []
        expected = workload.expected
        # A run cut off in a test that never finished on the unchanged code says nothing
        # yet about the candidate: it may just need longer than the limits allow, until
        # a candidate passing it measured what a fix costs there.
        unmeasured = frozenset(expected) - frozenset(workload.durations)
        learned = self.fix_durations
        cut_off: dict[int, Verdict] = {}

        # Limits are those of the whole workload, when a candidate runs a part of it too:
        # a fix of a failing test often takes longer in it than its failure did.
        def limits(level: int) -> Callable[[str], Limits]:
            def at(path: str) -> Limits:
                unknown = unmeasured - learned.keys()
                return self.candidate_limits(workload.knowing(learned), path).doubled(
                    level if unknown else 0)
            return at

        def fresh() -> Iterator[_Task]:
            for index, candidate in enumerate(candidates):
                if best:
                    return
                why = reject(candidate)
                if why:
                    on_verdict(Verdict(candidate, False, why, 0, len(expected), 0.0,
                                       rejected=True))
                    continue
                part = self.part_for(candidate, workload, unchanged)
                yield _Task(index, candidate, part.expected, limits(0), exitfirst=True,
                            remote=self.executor is not None)

        queue = Deepening(fresh(), stop=lambda: bool(best) or time.perf_counter() > stop_at)
        for task, run in self._judged(queue, keep=lambda key: not best or key < best[0][0],
                                      parallel=self._judging_width(), until=stop_at):
            assert task.candidate is not None
            run = as_if_whole(run, task.expected, workload)
            verdict = judge(task.candidate, run, expected)
            learn_fix_durations(learned, run, workload)
            hung_in = (unmeasured - learned.keys()).intersection(run.interrupted)
            if run.timed_out and hung_in:
                longer = replace(task, limits=limits(task.level + 1), level=task.level + 1,
                                 may_retry=False)
                allowed = min((workload.cut_at[n] for n in hung_in if n in workload.cut_at),
                              default=math.inf)
                if (longer.limits(self._path(task)).timeout_s < allowed
                        and queue.put_back(longer, longer.level, task.key)):
                    cut_off[task.key] = verdict
                    continue
            cut_off.pop(task.key, None)
            on_verdict(verdict)
            if verdict.passed and (not best or task.key < best[0][0]):
                best[:] = [(task.key, verdict)]
        for task in queue.waiting():
            on_verdict(cut_off[task.key])
        return best[0][1] if best else None

    def part_for(self, candidate: Candidate, workload: Workload,
                 unchanged: Callable[[Candidate], Collection[str]]) -> Workload:
        """The tests of ``workload`` that :meth:`first_passing` runs ``candidate`` on:
        all but those it cannot change when it runs in a fork of the session. A fresh
        process imports the changed module anew, and the module-level calls of the
        changed function then run its new code for tests that never enter it."""
        skipped = unchanged(candidate)
        if not skipped or self.executor is not None or self.backend(candidate) != FORK:
            return workload
        return workload.without(skipped)

    def judge_all(
        self,
        candidates: Sequence[Candidate],
        workload: Workload,
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
        expected = workload.expected
        verdicts: dict[int, Verdict] = {}

        def tasks() -> Iterator[_Task]:
            for index, candidate in enumerate(candidates):
                if should_stop():
                    return
                why = reject(candidate)
                if not why and compare_outputs and self.backend(candidate) != FORK:
                    why = ("equal outputs can only be checked in a fork of the session, "
                           "and this candidate cannot be forked")
                if why:
                    verdicts[index] = Verdict(candidate, False, why, 0, len(expected), 0.0,
                                              rejected=True)
                    on_verdict(verdicts[index])
                    continue
                yield _Task(index, candidate, expected,
                            lambda path: self.candidate_limits(workload, path),
                            compare_outputs=compare_outputs,
                            remote=self.executor is not None and not compare_outputs)

        width = None if compare_outputs else self._judging_width()
        for task, run in self._judged(tasks(), parallel=width):
            assert task.candidate is not None
            verdict = replace(judge(task.candidate, run, expected), pattern=tuple(
                (nodeid, run.outcomes.get(nodeid, "not run")) for nodeid in expected))
            verdicts[task.key] = verdict
            on_verdict(verdict)
        return [verdicts[index] for index in sorted(verdicts)]

    def _judging_width(self) -> int | None:
        """Candidates judged at once: as many as the cluster's workers, when there is
        one (``None``: as many as the local workers)."""
        return None if self.executor is None else self.executor.width()

    def verify(self, sources: Mapping[str, str], workload: Workload) -> tuple[TestRun, str]:
        """Run every test of ``workload`` on the code plus ``sources`` in fresh copies of
        the project, in fresh pytest processes side by side, always on this machine
        (:func:`~pytest_selfheal._evaluate.verification.verify`).

        :returns: the run, and its limit with the measurement it came from, for messages.
        """
        cost = self.costs[SUBPROCESS]
        limits = self.candidate_limits(workload, SUBPROCESS)
        code = {**self._sources, **sources}
        run, limits = verify((Overlay(self.layout, code), Overlay(self.layout, code)),
                             workload, limits, self.isolation)
        basis = (cost.describe(len(workload.expected), workload.tests_s) if cost.known
                 else "no measurement of the unchanged code")
        return run, f"limit {limits.timeout_s:.1f}s, from {basis}"

    def fresh_run(self, workload: Workload) -> TestRun:
        """The unchanged code (with the fixes accepted so far) on every test of
        ``workload``, in that order, in a fresh pytest process over a fresh copy."""
        copy = Overlay(self.layout, dict(self._sources))
        try:
            return copy.start(workload.nodeids, self.candidate_limits(workload, SUBPROCESS),
                              expected=workload.expected, isolation=self.isolation).wait()
        finally:
            copy.close()

    def release(self) -> None:
        """Stop the fork servers: the session they were forked from has moved on."""
        if self._calibrating is not None:
            self._finish(self._calibrating)  # stops it: the next heal starts it again
            self._calibrating = None
        for slot in self._slots:
            if slot.server is not None:
                slot.server.close()
                slot.server = None

    def close(self) -> None:
        """Delete every scratch copy; stop every fork server; let go of the cluster."""
        self.release()
        if self.executor is not None:
            self.executor.close()
        for slot in self._slots:
            slot.overlay.close()
        self._slots.clear()
        self._idle.clear()

