"""The fork path of evaluation: judge candidates in forks of the warm pytest session.

Forking the session skips interpreter start-up, imports and collection: a child swaps
the candidate's function into its own copy of the already-imported module and runs the
already-collected items (:func:`pytest_selfheal.plugin._probe.run_items`, handed in by the
session as a :data:`~pytest_selfheal._evaluate.fork_server.Runner`).

For each worker the session forks one :class:`ForkServer` per heal, through an
intermediate process that unshares the namespaces of the cage
(:mod:`~pytest_selfheal._evaluate.cage`). The server is the first process of the new PID
namespace: it builds the read-only world once, replaces every descriptor it inherited
from the session by /dev/null, restarts pytest's capture into files of its own,
overwrites the API key wherever it is in its memory, gives up privileges, capabilities
and the syscalls of the seccomp filter for good (every child inherits all of it), and
only then forks one child per job, which closes what it inherited of the server's
descriptors before any candidate code runs. A job pays neither for namespaces nor for
copying the session's page tables in the session itself, and two servers fork on two
cores at once. The server is the child's watchdog: it sends the child's event lines to
the session in frames the child cannot forge, all at once when the child has ended,
kills the child at its time limit, kills whatever the child left behind, and reports
how the child ended and how much CPU it used. Each level dies with the one above it,
the session included.

Forking is only safe while the session has a single thread; the pool falls back to
the subprocess path otherwise. This module is the session's side;
:mod:`~pytest_selfheal._evaluate.fork_server` is what runs in the intermediate process,
the server and its children.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import select
import signal
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pytest_selfheal._evaluate.cage import CageSpec
from pytest_selfheal._evaluate.contain import Isolation, Limits, ProcessCage
from pytest_selfheal._evaluate.coverage_map import read_per_test
from pytest_selfheal._evaluate.events import Ending, build_run
from pytest_selfheal._evaluate.fork_server import (
    EVENT_BYTES_LIMIT,
    EVENTS,
    EXIT,
    HEADER,
    JOB,
    NOTE,
    frame,
    serve_in_cage,
)
from pytest_selfheal._evaluate.fork_server import Zygote as Zygote
from pytest_selfheal._evaluate.layout import visible_paths
from pytest_selfheal._evaluate.overlay import Overlay
from pytest_selfheal._evaluate.reaping import BUSY_MACHINE_FACTOR
from pytest_selfheal._evaluate.spec import RunSpec
from pytest_selfheal._source.patches import unit_text
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import Candidate, TestRun

#: Seconds past twice its time limit after which a job whose server stopped answering
#: is given up on.
SERVER_GRACE_S = 5.0


def fork_is_safe() -> str:
    """``""`` when the session may be forked, else why not."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return f"forking is not supported on {sys.platform}"
    if threading.active_count() > 1:
        names = ", ".join(sorted(t.name for t in threading.enumerate()
                                 if t is not threading.current_thread()))
        return f"threads are running in the test session ({names}): forking is unsafe"
    return ""


class ForkServer:
    """A fork of the session that forks one child per job, inside the cage.

    :param overlay: the scratch copy whose working directory children run in.
    """

    def __init__(self, zygote: Zygote, overlay: Overlay, isolation: Isolation,
                 processes: ProcessCage) -> None:
        self.overlay = overlay
        #: The pids cgroup the server is in: emptying it (a fresh process's run on the
        #: same copy does) or replacing it ends the server.
        self.processes = processes
        self.notes: list[str] = []
        jobs_read, jobs_write = os.pipe()
        frames_read, frames_write = os.pipe()
        spec = CageSpec(writable=(str(overlay.base),), visible=visible_paths(overlay.layout.root),
                        network=not isolation.network,
                        parent=os.getpid(), cgroup=processes.procs_file or "")
        # Flushed now, or the server's children would write the session's buffer again.
        sys.stdout.flush()
        sys.stderr.flush()
        # Frozen objects are never scanned by a child's garbage collector, which would
        # otherwise write to (and so copy) every page of the inherited heap.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as exc:
            gc.unfreeze()
            for fd in (jobs_read, jobs_write, frames_read, frames_write):
                os.close(fd)
            raise EvaluationError(f"cannot fork the test session: {exc}") from exc
        if pid == 0:  # pragma: no cover - ends in os._exit
            os.close(jobs_write)
            os.close(frames_read)
            serve_in_cage(zygote, overlay.workdir, (jobs_read, frames_write), spec)
        gc.unfreeze()
        os.close(jobs_read)
        os.close(frames_write)
        self._jobs, self._frames = jobs_write, frames_read
        os.set_blocking(jobs_write, False)
        self._outbox = bytearray()
        self.pid = pid
        self._buffer = bytearray()
        #: The spec of the last job sent: the server keeps it, so the next job with the
        #: same tests (every candidate of a round) does not send them again.
        self.spec: RunSpec | None = None
        #: Jobs submitted and not ended, oldest first: the first one is running.
        self.queue: list[ServerJob] = []
        #: How many of its jobs have ended so far.
        self.ends = 0
        self.dead = False
        self.closed = False

    def fileno(self) -> int:
        """Readable when the server has news: frames, or its end."""
        return self._frames

    def submit(self, job: dict[str, Any]) -> None:
        """Hand the server its next job, without waiting for it to be read."""
        self._outbox += frame(JOB, json.dumps(job).encode())
        self.flush()
        if self.dead:
            raise EvaluationError("the fork server is gone")

    def flush(self) -> None:
        """Write as much of the jobs handed over as the pipe takes now. A server reads
        the next job only once its child has ended, and may meanwhile wait for the
        session to read its frames: a session blocked on writing a large job (a
        module's text, thousands of test names) would wait for it forever."""
        while self._outbox and not self.dead:
            try:
                written = os.write(self._jobs, self._outbox)
            except BlockingIOError:
                return
            except OSError:
                self.dead = True
                return
            del self._outbox[:written]

    @property
    def writing(self) -> int | None:
        """The descriptor to wait on until the pipe takes more of the jobs handed
        over; ``None`` when all are written."""
        return self._jobs if self._outbox and not self.dead else None

    def pump(self) -> None:
        """Hand what the server sent so far, without blocking, to the jobs it belongs to.

        The server runs its jobs one after another, in the order they were submitted:
        the events and the end it reports belong to the oldest job that has not ended.
        """
        self.flush()
        for kind, payload in self._frames_so_far():
            if kind == NOTE:
                self.notes.append(json.loads(payload)["message"])
            elif self.queue and kind == EVENTS:
                self.queue[0].add_events(payload)
            elif self.queue and kind == EXIT:
                self.ends += 1
                self.queue.pop(0).ended(json.loads(payload))
                if self.queue:
                    self.queue[0].begin()

    def _frames_so_far(self) -> list[tuple[bytes, bytes]]:
        while not self.dead:
            ready, _, _ = select.select([self._frames], [], [], 0)
            if not ready:
                break
            chunk = os.read(self._frames, 1 << 16)
            if not chunk:
                self.dead = True
                if self.queue:  # the session did not stop it (that closes the pipe first)
                    self.notes.append("a fork server ended unexpectedly: the run it was in "
                                      "the middle of and those waiting on it were started "
                                      "again")
                break
            self._buffer += chunk
        frames = []
        while len(self._buffer) >= HEADER.size:
            kind, size = HEADER.unpack_from(self._buffer)
            if len(self._buffer) < HEADER.size + size:
                break
            frames.append((kind, bytes(self._buffer[HEADER.size:HEADER.size + size])))
            del self._buffer[:HEADER.size + size]
        return frames

    def close(self) -> None:
        """Stop the server; as the first process of its PID namespace it takes every
        process of the namespace with it. Closing it again does nothing: its descriptors'
        numbers may belong to another server's pipes by then."""
        if self.closed:
            return
        self.closed = True
        for fd in (self._jobs, self._frames):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.dead = True


class ServerJob:
    """One job of a :class:`ForkServer`: a candidate (or the unchanged code) judged by a
    child the server forks.

    A job handed to a server that is still running another one waits in the server's
    pipe and starts the moment the one before it ends (:attr:`began` is ``None`` until
    then): the next child is forked without waiting for the session to judge the last
    one and choose what runs next.
    """

    def __init__(self, server: ForkServer, spec: RunSpec, limits: Limits,
                 candidate: Candidate | None, run_dir: Path, coverage_root: str) -> None:
        self.server = server
        self.overlay = server.overlay
        self.spec = spec
        self.limits = limits
        self.coverage_root = coverage_root
        self.began: float | None = None
        self.lost = False
        self._events = bytearray()
        self._exit: dict[str, Any] | None = None
        self._result: TestRun | None = None
        job: dict[str, Any] = {
            "limits": asdict(limits),
            "run_dir": str(run_dir),
            "candidate": None if candidate is None else {
                "function": asdict(candidate.function), "source": candidate.source,
                "unit": unit_text(self.overlay.base_text(candidate.function.path),
                                  candidate.source, candidate.function.qualname)},
        }
        # A real suite's spec names thousands of tests: encoding, sending and decoding
        # it again for each candidate cost more than a failing candidate's run.
        if server.spec != spec:
            job["spec"] = spec.to_json()
        server.submit(job)
        server.spec = spec
        server.queue.append(self)
        if len(server.queue) == 1:
            self.begin()

    def begin(self) -> None:
        """The server started this job: the one before it (if any) has ended."""
        self.began = time.perf_counter()

    @property
    def deadline(self) -> float:
        """When a server that stopped answering is given up on: the server keeps the
        limit itself, so only a bug of ours or a dying machine gets this far."""
        if self.began is None:
            return math.inf  # waiting: the job ahead of it has a deadline of its own
        return self.began + BUSY_MACHINE_FACTOR * self.limits.timeout_s + SERVER_GRACE_S

    def add_events(self, payload: bytes) -> None:
        if len(self._events) < EVENT_BYTES_LIMIT:
            self._events += payload

    def ended(self, exit_frame: dict[str, Any]) -> None:
        self._exit = exit_frame

    def fileno(self) -> int | None:
        return self.server.fileno()

    @property
    def done(self) -> bool:
        """Whether the server said how the child ended (or must be given up on)."""
        self.server.pump()
        return (self._exit is not None or self.server.dead
                or time.perf_counter() > self.deadline)

    @property
    def never_ran(self) -> bool:
        """Whether the server was gone before it started this job."""
        return self.began is None and self.server.dead

    def finish(self) -> TestRun:
        """Collect the result; gives up on (and stops) a server that did not answer,
        with every job it holds."""
        if self._result is not None:
            return self._result
        if self._exit is None:
            self.server.pump()
        #: Whether the server died under it, not stopped by the session: nothing a
        #: child does can kill the first process of its PID namespace.
        self.lost = self._exit is None and self.server.dead and not self.server.closed
        if self._exit is None:
            self.server.close()  # stuck or stopped: its namespace goes with it
        with contextlib.suppress(ValueError):
            self.server.queue.remove(self)
        ending = self._ending()
        coverage = None
        if self.spec.coverage is not None:
            coverage = read_per_test(self.spec.coverage.data_file)
        lines = self._events.decode("utf-8", errors="replace").splitlines()
        self._result = build_run(lines, ending, coverage, self.coverage_root)
        return self._result

    def _ending(self) -> Ending:
        if self._exit is None:
            wall_s = 0.0 if self.began is None else time.perf_counter() - self.began
            return Ending(exit_code=None, wall_s=wall_s,
                          timed_out=not self.server.dead, timeout_s=self.limits.timeout_s,
                          output_tail="" if not self.server.dead else "the fork server died")
        return Ending(exit_code=self._exit["exit_code"], wall_s=self._exit["wall_s"],
                      timed_out=self._exit["timed_out"], timeout_s=self.limits.timeout_s,
                      cpu_s=self._exit["cpu_s"])
