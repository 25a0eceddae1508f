"""The fork path of evaluation: judge a candidate in a fork of the warm pytest session.

Forking the session skips interpreter start-up, imports and collection: the child swaps
the candidate's function into its own copy of the already-imported module and runs the
already-collected items (:func:`pytest_selfheal.probe.run_items`, handed in by the
session as a :data:`Runner`). Reports come back through a pipe as event lines.

The child is contained before it runs anything: a process group of its own (the
watchdog kills the group), a pids cgroup when one is writable, resource limits, a new
network namespace where the platform allows it, and the copy of the session's working
directory in a scratch :class:`~pytest_selfheal.evaluate.overlay.Overlay` as its
working directory. Forking is only safe while the session has a single thread; the
pool falls back to the subprocess path otherwise.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from pytest_selfheal.errors import ReloadError
from pytest_selfheal.evaluate.contain import (
    Isolation,
    Limits,
    PidNamespaceForker,
    apply_limits,
    isolate,
    kill_group,
)
from pytest_selfheal.evaluate.equality import OutputWatch, original_function
from pytest_selfheal.evaluate.events import Ending, build_run
from pytest_selfheal.evaluate.overlay import CoverageSpec, Overlay
from pytest_selfheal.models import Candidate, FunctionRef, TestRun
from pytest_selfheal.reload import SwapTarget, locate, swap

#: Runs selected, already-collected tests in the calling process:
#: ``runner(nodeids, expected, exitfirst, emit, coverage)``.
Runner = Callable[
    [Sequence[str], Mapping[str, str], bool, Callable[[dict[str, Any]], None],
     CoverageSpec | None],
    None,
]


def fork_is_safe() -> str:
    """``""`` when the session may be forked, else why not."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return f"forking is not supported on {sys.platform}"
    if threading.active_count() > 1:
        names = ", ".join(sorted(t.name for t in threading.enumerate()
                                 if t is not threading.current_thread()))
        return f"threads are running in the test session ({names}): forking is unsafe"
    return ""


@dataclass
class Zygote:
    """The warm session that children are forked from.

    :param runner: runs selected items in the calling process (the child).
    :param root: the project root, to find a candidate's module file.
    """

    runner: Runner
    root: str
    _targets: dict[FunctionRef, SwapTarget | str] = field(default_factory=dict, compare=False)
    _forker: PidNamespaceForker | None = field(default=None, compare=False)

    def fork(self) -> tuple[int, bool]:
        """Fork a child; whether it already is alone in a new PID namespace (if not,
        the child makes one itself and forks once more into it)."""
        if self._forker is None:
            self._forker = PidNamespaceForker()
        if self._forker.note:
            return os.fork(), False
        return self._forker.fork(), not self._forker.note

    def target(self, function: FunctionRef) -> SwapTarget | str:
        """The live ``function`` to swap candidates into, or why it cannot be found.

        Looked up once in the session and inherited by every child: the lookup walks
        the whole heap, which would cost each child more than its tests.
        """
        found = self._targets.get(function)
        if found is None or (isinstance(found, SwapTarget) and not found.current):
            try:
                found = locate(os.path.join(self.root, function.path), function.qualname)
            except ReloadError as exc:
                found = str(exc)
            self._targets[function] = found
        return found

    def forget(self) -> None:
        """Look functions up afresh: the session may have created new ones since."""
        self._targets.clear()

    def close(self) -> None:
        """Let go of the session's PID namespace handle (made again if forking resumes)."""
        if self._forker is not None:
            self._forker.close()
            self._forker = None


class ForkJob:
    """One forked child judging a candidate (or the unchanged code)."""

    def __init__(
        self,
        zygote: Zygote,
        overlay: Overlay,
        nodeids: Sequence[str],
        limits: Limits,
        *,
        candidate: Candidate | None,
        expected: Mapping[str, str],
        exitfirst: bool,
        coverage: bool,
        isolation: Isolation,
        compare_outputs: bool = False,
    ) -> None:
        self.limits = limits
        self.overlay = overlay
        run_dir = overlay.new_run_dir()
        # A fork measures the project where the session imported it from.
        self.coverage = (overlay.coverage_spec(run_dir, Path(zygote.root)) if coverage
                         else None)
        self.cage = overlay.cage(limits.processes)
        target = None if candidate is None else zygote.target(candidate.function)
        events_read, events_write = os.pipe()
        self.started = time.perf_counter()
        self.deadline = self.started + limits.timeout_s
        # Flushed now, or the child would write the session's buffered output again.
        sys.stdout.flush()
        sys.stderr.flush()
        # Frozen objects are never scanned by the child's garbage collector, which
        # would otherwise write to (and so copy) every page of the inherited heap.
        gc.freeze()
        pid, pid_namespace_made = zygote.fork()
        if pid == 0:  # pragma: no cover - the child ends in os._exit; measured via events
            os.close(events_read)
            _child(zygote, overlay, str(run_dir), nodeids, limits,
                   replace(isolation, pids=not pid_namespace_made), candidate,
                   target, expected, exitfirst, self.coverage, self.cage.procs_file,
                   events_write, compare_outputs)
        gc.unfreeze()
        os.close(events_write)
        self.pid = pid
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # set on both sides, so neither order can race the kill
        self.fd = events_read
        # Readable when the child exits: waited on once the child has closed its pipe.
        self._pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self._pidfd = os.pidfd_open(pid)
        self._buffer = bytearray()
        self._eof = False
        self._status: int | None = None
        self._result: TestRun | None = None

    @property
    def waitable(self) -> int | None:
        """A file descriptor that becomes readable when there is news from the child:
        its event pipe, then (once the child closed it) its exit; ``None`` if neither
        can be waited on and the child must be polled."""
        if not self._eof:
            return self.fd
        return self._pidfd if self._status is None else None

    def read(self) -> None:
        """Take what the child has written so far; the pipe must never fill up."""
        while not self._eof:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready:
                return
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self._eof = True
            self._buffer += chunk

    @property
    def done(self) -> bool:
        """Whether the child has exited (or must be killed: its time is up)."""
        self.read()
        if self._status is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid == self.pid:
                    self._status = status
        return self._status is not None or time.perf_counter() > self.deadline

    def finish(self) -> TestRun:
        """Collect the result; kills the child first if it is still running."""
        if self._result is not None:
            return self._result
        self.read()
        timed_out = self._status is None and not self._eof
        kill_group(self.pid)
        self.cage.empty()
        if self._status is None:
            with contextlib.suppress(ChildProcessError):
                self._status = os.waitpid(self.pid, 0)[1]
        self.read()
        os.close(self.fd)
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        wall_s = time.perf_counter() - self.started
        status = self._status
        exit_code = None
        if status is not None:
            exit_code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            if exit_code > 128:
                exit_code = 128 - exit_code  # the tests' process died of a signal
        coverage = None
        if self.coverage is not None and os.path.exists(self.coverage.out):
            with open(self.coverage.out, encoding="utf-8") as handle:
                coverage = json.load(handle)
        ending = Ending(exit_code=None if timed_out else exit_code, wall_s=wall_s,
                        timed_out=timed_out, timeout_s=self.limits.timeout_s)
        lines = self._buffer.decode("utf-8", errors="replace").splitlines()
        self._result = build_run(lines, ending, coverage, self.coverage.roots[0]
                                 if self.coverage else "")
        return self._result

    def wait(self) -> TestRun:
        """Wait for the child (at most until its deadline) and collect the result."""
        while not self.done:
            waitable = self.waitable
            select.select([] if waitable is None else [waitable], [], [],
                          max(0.0, min(0.05, self.deadline - time.perf_counter())))
        return self.finish()


def _child(
    zygote: Zygote,
    overlay: Overlay,
    run_dir: str,
    nodeids: Sequence[str],
    limits: Limits,
    isolation: Isolation,
    candidate: Candidate | None,
    target: SwapTarget | str | None,
    expected: Mapping[str, str],
    exitfirst: bool,
    coverage: CoverageSpec | None,
    cage_procs: str | None,
    events_write: int,
    compare_outputs: bool = False,
) -> NoReturn:  # pragma: no cover - runs in the forked child
    def emit(event: dict[str, Any]) -> None:
        data = (json.dumps(event) + "\n").encode("utf-8")
        while data:
            data = data[os.write(events_write, data):]

    try:
        os.setpgid(0, 0)
        if cage_procs is not None:
            # Enter the cage before anything else, so all this child forks is in it.
            try:
                with open(cage_procs, "w") as procs:
                    procs.write(str(os.getpid()))
            except OSError as exc:
                emit({"event": "note", "message": f"cannot enter the pids cgroup: {exc}"})
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        in_pid_namespace, notes = isolate(isolation)
        if in_pid_namespace:
            # The process that runs the tests must be forked into the new namespace;
            # this one only waits for it and passes its ending on.
            pid = os.fork()
            if pid:
                os.close(events_write)
                status = os.waitpid(pid, 0)[1]
                os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status)
                         else os.WEXITSTATUS(status))
        for note in notes:
            emit({"event": "note", "message": note})
        apply_limits(limits)
        tmp = os.path.join(run_dir, "tmp")
        os.environ["TMPDIR"] = tmp
        tempfile.tempdir = tmp
        os.chdir(overlay.workdir)
        if candidate is not None:
            try:
                if isinstance(target, str):
                    raise ReloadError(target)
                swap(os.path.join(zygote.root, candidate.function.path),
                     candidate.function.qualname, candidate.source, target)
            except ReloadError as exc:
                emit({"event": "swap-error", "message": f"cannot load the candidate: {exc}"})
                os._exit(0)
        watch = None
        if compare_outputs and isinstance(target, SwapTarget):
            live = target.functions[0]
            watch = OutputWatch(live.__code__, original_function(live, target.old_code))
            watch.start()
        zygote.runner(nodeids, expected, exitfirst, emit, coverage)
        if watch is not None:
            watch.stop()
            if watch.mismatch:
                emit({"event": "mismatch", "message": watch.mismatch})
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            emit({"event": "crash", "message": f"the test run failed: {exc!r}"})
    os._exit(0)
