"""The workers of the evaluator and its one scheduling loop.

A worker is a scratch copy of the project and, while a heal runs, a fork server. Every
run, measurements and candidates alike, goes through :meth:`WorkerPool._judged`, in the
session's single thread: no helper threads, so forking stays safe. A run sent to a
cluster (:mod:`~pytest_selfheal._evaluate.remote`) takes no worker here: its job is
scheduled in the same loop.
"""

from __future__ import annotations

import contextlib
import math
import select
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from pytest_selfheal._evaluate.contain import Limits, PathCost
from pytest_selfheal._evaluate.overlay import Overlay, ProjectLayout
from pytest_selfheal._evaluate.zygote import ForkServer, ServerJob
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Candidate, TestRun

#: How often the pool looks at a child it cannot wait on through a file descriptor.
POLL_INTERVAL = 0.02
#: The paths a run takes: a fork of the session, a fresh pytest process, a cluster.
FORK, SUBPROCESS, REMOTE = "fork", "subprocess", "remote"


@dataclass(frozen=True)
class Task:
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
    #: Whether a fork server died under this run once already: a second death is
    #: reported rather than tried again. Measurements, which get no more time when
    #: cut off, are started again all the same.
    lost_once: bool = False
    #: How many times the limits were doubled because the run was cut off in a test
    #: whose time is not known (see :mod:`~pytest_selfheal._evaluate.deepening`).
    level: int = 0
    record: bool = False
    explore: bool = False
    #: Judged on the cluster executor, when there is one, rather than here.
    remote: bool = False


class Job(Protocol):
    """A running child (a fork of the session or a fresh pytest process), or a run on
    a cluster."""

    limits: Limits

    @property
    def deadline(self) -> float: ...

    def fileno(self) -> int | None: ...

    @property
    def done(self) -> bool: ...

    def finish(self) -> TestRun: ...


@dataclass
class Slot:
    """A worker: its scratch copy, and the fork server of the current heal."""

    overlay: Overlay
    server: ForkServer | None = None
    #: Jobs started on it and not yet finished: a fork server runs one and may hold the
    #: next one, which it starts the moment the first ends.
    jobs: int = 0

    def can_queue(self, processes: int | None = None) -> bool:
        """Whether a second job may wait on this worker's fork server (whose children
        may have ``processes`` running at once, when given)."""
        return (self.jobs == 1 and self.server is not None and not self.server.dead
                and processes in (None, self.server.processes.limit))


@dataclass
class Running:
    task: Task
    slot: Slot | None  # None for a run on a cluster
    job: Job
    path: str


class WorkerPool:
    """Worker slots and the scheduling loop; :class:`~pytest_selfheal._evaluate.pool.Evaluator`
    says what runs on them."""

    layout: ProjectLayout
    workers: int
    costs: dict[str, PathCost]
    _sources: dict[str, str]
    _slots: list[Slot]
    _idle: list[Slot]

    def backend(self, candidate: Candidate | None = None) -> str:
        """The path (``fork`` or ``subprocess``) a candidate runs on."""
        raise NotImplementedError

    def _start(self, task: Task, nodeids: Sequence[str], path: str,
               behind: Slot | None = None) -> Running:
        """Start ``task``: on an idle worker, or queued on ``behind``'s fork server."""
        raise NotImplementedError

    def _path(self, task: Task) -> str:
        """Where a task runs: on the cluster when it is meant to, else its backend."""
        return REMOTE if task.remote else self.backend(task.candidate)

    def _note(self, note: str) -> None:
        raise NotImplementedError

    @staticmethod
    def _stop_server(slot: Slot) -> None:
        """Stop the worker's fork server, if it has one."""
        if slot.server is not None:
            slot.server.close()
            slot.server = None

    def _new_slot(self) -> Slot:
        slot = Slot(Overlay(self.layout, self._sources))
        self._slots.append(slot)
        return slot

    def _finish(self, running: Running) -> TestRun:
        slot = running.slot
        try:
            run = running.job.finish()
        finally:
            if slot is not None:
                slot.jobs -= 1
                if not slot.jobs:
                    self._idle.append(slot)
        for note in (*run.notes, *(slot.server.notes if slot and slot.server else ())):
            self._note(note)
        if running.task.candidate is None and not run.problem and not run.timed_out:
            self.costs[running.path].observe(len(run.outcomes), run.wall_s - run.measuring_s,
                                             run.tests_s)
        return run

    def _judged(
        self,
        tasks: Iterator[Task],
        *,
        paths: Mapping[int, str] | None = None,
        nodeids: Mapping[int, Sequence[str]] | None = None,
        keep: Callable[[int], bool] = lambda key: True,
        parallel: int | None = None,
        until: float = math.inf,
    ) -> Iterator[tuple[Task, TestRun]]:
        """The scheduling loop: start tasks on free workers, yield each finished one.

        With every worker busy, one more task may wait on each worker's fork server,
        which starts it the moment the running one ends: the session judges one run
        and picks the next while the next already runs. A task that ran out of time
        while computing for less than a third of it was kept waiting by a busy machine,
        not looping: it runs once more with twice the time.

        :param paths: the path of a task by key, when not the one its candidate needs.
        :param nodeids: the tests of a task by key, when not those of its ``expected``.
        :param keep: asked after each finished task whether a running one still matters;
            those that no longer do are stopped.
        :param parallel: tasks run at once, when not one per worker; no task then waits
            on a fork server.
        :param until: ``time.perf_counter()`` value at which the tasks still running are
            stopped, unseen, and the loop ends: the caller's time is up.
        """
        running: dict[int, Running] = {}
        again: list[Task] = []
        # Jobs that no longer matter but wait behind (or run ahead of) one that does on
        # the same fork server: stopping them would stop it too, so they run out unseen.
        unseen: set[int] = set()
        width = parallel or self.workers
        try:
            while True:
                self._start_what_fits(running, again, tasks, width, queue=parallel is None,
                                      paths=paths or {}, nodeids=nodeids or {})
                if not running or time.perf_counter() >= until:
                    return
                for key in self._wait_any(running, until):
                    done = running.pop(key)
                    run = self._finish(done)
                    if key in unseen:
                        unseen.discard(key)
                        continue
                    if isinstance(done.job, ServerJob) and done.job.never_ran:
                        again.insert(0, done.task)  # its server died before it started
                        continue
                    lost = isinstance(done.job, ServerJob) and done.job.lost
                    if lost and not done.task.lost_once:
                        # Its server died under it: that says nothing of the run.
                        again.insert(0, replace(done.task, lost_once=True))
                        continue
                    if (run.timed_out and done.task.may_retry and run.cpu_s is not None
                            and run.cpu_s < done.job.limits.timeout_s / 3):
                        again.append(replace(done.task, may_retry=False,
                                             limits=_doubled(done.task.limits)))
                        continue
                    yield done.task, run
                self._stop_unwanted(running, keep, unseen)
        finally:
            for done in running.values():
                if done.slot is None:  # on a cluster, maybe one that is gone
                    with contextlib.suppress(EvaluationError):
                        self._finish(done)
                else:
                    self._finish(done)

    def _start_what_fits(self, running: dict[int, Running], again: list[Task],
                         tasks: Iterator[Task], width: int, *, queue: bool,
                         paths: Mapping[int, str], nodeids: Mapping[int, Sequence[str]]
                         ) -> None:
        """Start tasks (retries first) while a worker is free, or a fork server can
        hold one more."""
        while True:
            busy = {id(item.slot) if item.slot else id(item) for item in running.values()}
            behind = None
            if len(busy) >= width:
                behind = next((item.slot for item in running.values()
                               if queue and item.slot and item.slot.can_queue()), None)
                if behind is None:
                    return
            task = again.pop(0) if again else next(tasks, None)
            if task is None:
                return
            path = paths.get(task.key) or self._path(task)
            if behind is not None and path != FORK:
                again.insert(0, task)  # only a fork server queues: it waits for a worker
                return
            tests = nodeids.get(task.key, tuple(task.expected))
            running[task.key] = self._start(task, tests, path, behind)

    def _stop_unwanted(self, running: dict[int, Running], keep: Callable[[int], bool],
                       unseen: set[int]) -> None:
        """Stop the jobs that no longer matter, unless one that does shares their fork
        server: those run out and their results go unseen."""
        drop = {key for key in running if key in unseen or not keep(key)}
        for key in drop:
            slot = running[key].slot
            if slot is not None and any(other.slot is slot and other_key not in drop
                                        for other_key, other in running.items()):
                unseen.add(key)
            else:
                unseen.discard(key)
                self._finish(running.pop(key))

    def _wait_any(self, running: Mapping[int, Running], until: float) -> list[int]:
        """Block until at least one job is done, or until ``until``; the keys of those
        done."""
        while True:
            ends = _server_ends(running)
            finished = [key for key, item in running.items() if item.job.done]
            if finished:
                return finished
            if _server_ends(running) != ends:
                # Asking one job whether it is done reads everything its fork server
                # sent: the end of a job asked before it, whose news is now read and
                # would not wake the wait below.
                continue
            now = time.perf_counter()
            if now >= until:
                return []
            fds = [fd for item in running.values() if (fd := item.job.fileno()) is not None]
            wait = max(0.0, min(until, *(item.job.deadline for item in running.values())) - now)
            if len(fds) < len(running):
                wait = min(wait, POLL_INTERVAL)
            # Woken when a fork server's pipe takes more of a job not yet written whole.
            writing = [fd for item in running.values() if isinstance(item.job, ServerJob)
                       and (fd := item.job.server.writing) is not None]
            select.select(fds, writing, [], wait)


def _server_ends(running: Mapping[int, Running]) -> int:
    return sum(item.job.server.ends for item in running.values()
               if isinstance(item.job, ServerJob))


def _doubled(limits: Callable[[str], Limits]) -> Callable[[str], Limits]:
    return lambda path: limits(path).doubled()
