"""The evaluator: runs tests on candidates, many at once, and picks the winner.

One :class:`Evaluator` serves a whole test session. It keeps a scratch copy of the
project per worker. A worker judges a candidate in a fork of the session, through a
:class:`~pytest_selfheal._evaluate.zygote.ForkServer` made per heal, when that is safe,
and in a fresh pytest process otherwise. Every run, measurements and candidates alike,
goes through the one scheduling loop of :mod:`~pytest_selfheal._evaluate.workers`, in
the session's single thread: no helper threads, so forking stays safe.

Time limits are never constants: each path's cost on this machine is learned from runs of
the unchanged code (:class:`~pytest_selfheal._evaluate.contain.PathCost`), and a run is
cut off at a few times what the unchanged code took there.
"""

from __future__ import annotations

import math
import select
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_selfheal._evaluate.contain import Isolation, Limits, PathCost
from pytest_selfheal._evaluate.deepening import Deepening
from pytest_selfheal._evaluate.overlay import ENDED_EARLY, Overlay, ProjectLayout, SubprocessJob
from pytest_selfheal._evaluate.spec import ReachSpec, RunSpec
from pytest_selfheal._evaluate.workers import POLL_INTERVAL, Job, WorkerPool, _doubled
from pytest_selfheal._evaluate.workers import Running as _Running
from pytest_selfheal._evaluate.workers import Slot as _Slot
from pytest_selfheal._evaluate.workload import Workload, judge, merge_runs
from pytest_selfheal._evaluate.zygote import ForkServer, ServerJob, Zygote, fork_is_safe
from pytest_selfheal._source.patches import is_function_swap
from pytest_selfheal.models import Candidate, TestRun, Verdict

FORK, SUBPROCESS = "fork", "subprocess"


@dataclass(frozen=True)
class _Task:
    """One run the loop schedules: a candidate (or the unchanged code) on some tests."""

    key: int
    candidate: Candidate | None
    expected: Mapping[str, str]
    limits: Callable[[str], Limits]
    exitfirst: bool = False
    coverage: tuple[str, ...] | None = None
    reach: tuple[str, ...] = ()
    compare_outputs: bool = False
    #: Whether a run cut off by a busy machine may run once more with twice the time.
    may_retry: bool = True
    #: How many times the limits were doubled because the run was cut off in a test
    #: whose time is not known (see :mod:`~pytest_selfheal._evaluate.deepening`).
    level: int = 0
    record: bool = False
    explore: bool = False


class Evaluator(WorkerPool):
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
        self.isolation = isolation or Isolation()
        self.notes: list[str] = []
        #: What runs cost on each path, learned from runs of the unchanged code.
        self.costs: dict[str, PathCost] = {FORK: PathCost(), SUBPROCESS: PathCost()}
        self._sources: dict[str, str] = {}
        self._slots: list[_Slot] = []
        self._idle: list[_Slot] = []
        self._calibrating: _Running | None = None

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
        # One test known to finish is enough to learn what a fork costs (a test that
        # hangs would spend the heal's whole time); with none, a run of no test at all.
        limits = Limits.within(max(0.0, workload.deadline - time.perf_counter()))
        task = _Task(0, None, {}, lambda _: limits)
        for _ in self._judged(iter([task]), paths={0: path},
                              nodeids={0: workload.finished[:1]}):
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

    def _start(self, task: _Task, nodeids: Sequence[str], path: str) -> _Running:
        # Before a worker is taken: the limits may first need a run of their own.
        limits = task.limits(path)
        slot = self._idle.pop() if self._idle else self._new_slot()
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
            self._idle.append(slot)
            raise
        return _Running(task, slot, job, path)

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

    def first_passing(
        self,
        candidates: Iterable[Candidate],
        workload: Workload,
        *,
        should_stop: Callable[[], bool],
        on_verdict: Callable[[Verdict], None] = lambda verdict: None,
        reject: Callable[[Candidate], str] = lambda candidate: "",
    ) -> Verdict | None:
        """Evaluate candidates until one passes; return the earliest passing one in order.

        The failing test runs first and a child stops at the first test that does not
        end as expected. The winner is the passing candidate that comes first in
        ``candidates``, not the first to finish, so a run is reproducible whatever the
        scheduling. A candidate cut off in a test that hangs on the unchanged code is
        tried again with longer limits (:class:`~pytest_selfheal._evaluate.deepening.
        Deepening`), between fresh ones.

        :param should_stop: polled before each new candidate starts (budget, deadline).
        :param reject: screening: a reason to fail a candidate without running it.
        """
        best: list[tuple[int, Verdict]] = []
        expected = workload.expected
        # A run cut off in a test that never finished on the unchanged code says nothing
        # yet about the candidate: it may just need longer than the limits allow.
        unmeasured = frozenset(expected) - frozenset(workload.durations)
        cut_off: dict[int, Verdict] = {}

        def fresh() -> Iterator[_Task]:
            for index, candidate in enumerate(candidates):
                if best:
                    return
                why = reject(candidate)
                if why:
                    on_verdict(Verdict(candidate, False, why, 0, len(expected), 0.0,
                                       rejected=True))
                    continue
                yield _Task(index, candidate, expected,
                            lambda path: self.candidate_limits(workload, path), exitfirst=True)

        queue = Deepening(fresh(), stop=lambda: bool(best) or should_stop())
        for task, run in self._judged(queue, keep=lambda key: not best or key < best[0][0]):
            assert task.candidate is not None
            verdict = judge(task.candidate, run, expected)
            hung_in = unmeasured.intersection(run.interrupted)
            if run.timed_out and hung_in:
                longer = replace(task, limits=_doubled(task.limits), level=task.level + 1,
                                 may_retry=False)
                allowed = min((workload.cut_at[n] for n in hung_in if n in workload.cut_at),
                              default=math.inf)
                if (longer.limits(self.backend(task.candidate)).timeout_s < allowed
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
                            compare_outputs=compare_outputs)

        for task, run in self._judged(tasks()):
            assert task.candidate is not None
            verdict = replace(judge(task.candidate, run, expected), pattern=tuple(
                (nodeid, run.outcomes.get(nodeid, "not run")) for nodeid in expected))
            verdicts[task.key] = verdict
            on_verdict(verdict)
        return [verdicts[index] for index in sorted(verdicts)]

    def observe(
        self,
        entries: Sequence[Candidate],
        nodeids: Sequence[str],
        limits: Limits,
        *,
        explore: bool,
    ) -> list[TestRun | None]:
        """Record what each entry's function does in the tests ``nodeids`` (every one of
        them, no early stop), then, with ``explore``, on inputs made from the arguments
        the tests gave it (:mod:`~pytest_selfheal._evaluate.behaviour`). ``None`` for an
        entry that cannot be forked, the only path that can record. The original code is
        an entry whose source is the module unchanged."""
        runs: list[TestRun | None] = [None] * len(entries)
        tasks = (_Task(index, entry, dict.fromkeys(nodeids, ""), lambda _: limits,
                       record=True, explore=explore)
                 for index, entry in enumerate(entries) if self.backend(entry) == FORK)
        for task, run in self._judged(tasks):
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

    def verify(self, sources: Mapping[str, str], workload: Workload) -> tuple[TestRun, str]:
        """Run every test of ``workload`` on the code plus ``sources`` in a fresh copy of
        the project, in a fresh pytest process, with no early stop; and at the same time
        in a plain pytest process in a second copy, whose exit status must agree with the
        events of the first. Side by side: they share nothing, and on a real suite each
        takes as long as the tests.

        Its time limit comes from the unchanged code's cost in a fresh process, measured
        once per session; runs that time out get one more try with twice the time.

        :returns: the run, and its limit with the measurement it came from, for messages.
        """
        cost = self.costs[SUBPROCESS]
        limits = self.candidate_limits(workload, SUBPROCESS)
        code = {**self._sources, **sources}
        copies = (Overlay(self.layout, code), Overlay(self.layout, code))
        try:
            run, plain = self._verified_twice(copies, workload, limits)
            if run.timed_out or plain.timed_out:
                limits = limits.doubled()
                run, plain = self._verified_twice(copies, workload, limits)
            if not run.problem and not run.timed_out:
                run = _agreed(run, plain, workload.expected)
        finally:
            for copy in copies:
                copy.close()
        basis = (cost.describe(len(workload.expected), workload.tests_s) if cost.known
                 else "no measurement of the unchanged code")
        return run, f"limit {limits.timeout_s:.1f}s, from {basis}"

    def _verified_twice(self, copies: tuple[Overlay, Overlay], workload: Workload,
                        limits: Limits) -> tuple[TestRun, TestRun]:
        events, plain = copies
        first = events.start(workload.nodeids, limits, expected=workload.expected,
                             isolation=self.isolation)
        try:
            second = plain.start(workload.nodeids, limits, isolation=self.isolation, plain=True)
        except BaseException:
            first.finish()  # kills it: nothing outlives a verification
            raise
        return first.wait(), second.wait()

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
        """Delete every scratch copy; stop every fork server."""
        self.release()
        for slot in self._slots:
            slot.overlay.close()
        self._slots.clear()
        self._idle.clear()


def _agreed(run: TestRun, plain: TestRun, expected: Mapping[str, str]) -> TestRun:
    """``run``, with a problem when a plain pytest run of the same tests ended otherwise
    than its events say: candidate code that forges events (in the result file, or by
    patching the reporting) must also forge pytest's own exit status."""
    failing = any(run.outcomes.get(nodeid) in ("failed", "error") for nodeid in expected)
    if plain.timed_out or plain.exit_code != (1 if failing else 0):
        why = ("timed out" if plain.timed_out
               else "ended before pytest returned" if (plain.exit_code or 0) >= ENDED_EARLY
               else f"exited with code {plain.exit_code}")
        return replace(run, problem=f"a plain pytest run of the same tests {why}, which its "
                                    "reported outcomes contradict")
    return run
