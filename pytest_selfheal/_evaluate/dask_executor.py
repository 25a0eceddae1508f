"""Judging candidates on a Dask distributed cluster (``--selfheal-executor dask://...``).

The session must stay single-threaded so that it can be forked safely, and a Dask
client runs an event loop thread. So the client lives in a relay process of its own
(:mod:`~pytest_selfheal._evaluate.dask_relay`), started on first use; the session talks
to it through two pipes, in frames of pickled tuples:

- to the relay: ``("connect", address, project, timeout_s)`` once, then
  ``("run", key, RemoteRun)`` and ``("cancel", key)``;
- from the relay: ``("ready", width)`` or ``("refused", why)``, then
  ``("result", key, TestRun)``, ``("lost", key, why)`` and ``("gone", why)``.

A :class:`DaskJob` fits the scheduling loop's job protocol: its file descriptor is the
relay's pipe, readable when some result is in. The time limit is enforced on the worker
(the run there is the caged subprocess of the local path); the local deadline only
catches a result that never comes.
"""

from __future__ import annotations

import itertools
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

from pytest_selfheal._evaluate.contain import Limits, kill_group
from pytest_selfheal._evaluate.overlay import ProjectLayout
from pytest_selfheal._evaluate.remote import RemoteRun, pack_project
from pytest_selfheal._options import ExecutorAddress
from pytest_selfheal.errors import EvaluationError
from pytest_selfheal.models import TestRun

#: Seconds to wait for the scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT_S = 20.0
#: Seconds, on top of a run's own limit, that a result may take to come back.
GRACE_S = 30.0
_HEADER = struct.Struct(">I")


def write_frame(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    """Send one message, length first."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> tuple[Any, ...] | None:
    """The next message, blocking; ``None`` at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    data = stream.read(_HEADER.unpack(header)[0])
    message: tuple[Any, ...] = pickle.loads(data)
    return message


class DaskExecutor:
    """The session's side of a Dask cluster: sends runs to the relay, collects results.

    :param target: the scheduler, and the shared project path when there is one.
    :param layout: the project; shipped to the cluster as an archive unless shared.
    """

    def __init__(self, target: ExecutorAddress, layout: ProjectLayout) -> None:
        self.target = target
        self.layout = layout
        #: Why the cluster can no longer be used; ``""`` while it can.
        self.gone = ""
        self._relay: subprocess.Popen[bytes] | None = None
        self._width = 0
        self._buffer = b""
        self._results: dict[int, TestRun | str] = {}
        self._keys = itertools.count()
        # The relay's standard error, open while it runs: closed by close().
        self._errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115

    def width(self) -> int:
        """Worker threads of the cluster when the relay connected."""
        self._connect()
        return self._width

    def fileno(self) -> int | None:
        """The relay's pipe: readable when a result (or the end) is in."""
        return None if self._relay is None or self._relay.stdout is None else \
            self._relay.stdout.fileno()

    def start(self, run: RemoteRun) -> DaskJob:
        self._connect()
        key = next(self._keys)
        self._send(("run", key, run))
        return DaskJob(self, key, run.limits)

    def cancel(self, key: int) -> None:
        """Drop a run whose result is no longer wanted (a worker already running it
        carries on until the run's own limit)."""
        self._results.pop(key, None)
        if not self.gone:
            self._send(("cancel", key))

    def result(self, key: int) -> TestRun | str | None:
        """The run's record, or why it was lost; ``None`` while it is not back."""
        self.poll()
        return self._results.get(key)

    def poll(self) -> None:
        """Take in whatever the relay has sent, without blocking."""
        fd = self.fileno()
        if fd is None or self.gone:
            return
        while not self.gone and select.select([fd], [], [], 0)[0]:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._lose(f"the Dask relay process ended (exit status "
                           f"{self._relay.poll() if self._relay else None})")
                return
            self._buffer += chunk
            self._take_messages()

    def _take_messages(self) -> None:
        while len(self._buffer) >= _HEADER.size:
            size = _HEADER.unpack_from(self._buffer)[0]
            if len(self._buffer) < _HEADER.size + size:
                return
            message = pickle.loads(self._buffer[_HEADER.size:_HEADER.size + size])
            self._buffer = self._buffer[_HEADER.size + size:]
            if message[0] == "gone":
                self._lose(message[1])
            elif message[0] in ("result", "lost"):
                self._results[message[1]] = message[2]

    def _lose(self, why: str) -> None:
        self.gone = (f"the Dask cluster at {self.target.address} cannot be used any more "
                     f"({why}); healing stopped, since --selfheal-executor sends every "
                     "candidate there")
        self._stop_relay()

    def _connect(self) -> None:
        if self.gone:
            raise EvaluationError(self.gone)
        if self._relay is not None:
            return
        project: bytes | str = (str(self.target.shared) if self.target.shared is not None
                                else pack_project(self.layout.root))
        # Its errors go to a file, read back when it cannot connect: a pipe nobody reads
        # could fill up and stop it.
        try:
            self._relay = subprocess.Popen(
                [sys.executable, "-m", "pytest_selfheal._evaluate.dask_relay"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                start_new_session=True)
        except OSError as exc:
            raise EvaluationError(f"cannot start the Dask relay process: {exc}") from exc
        self._send(("connect", self.target.address, project, CONNECT_TIMEOUT_S))
        assert self._relay.stdout is not None
        ready, _, _ = select.select([self._relay.stdout], [], [], CONNECT_TIMEOUT_S * 3)
        answer = read_frame(self._relay.stdout) if ready else None
        if answer is None or answer[0] != "ready":
            why = answer[1] if answer else self._relay_errors()
            self.gone = (f"cannot use the Dask scheduler at {self.target.address} given by "
                         f"--selfheal-executor: {why}")
            self._stop_relay()
            raise EvaluationError(self.gone)
        self._width = int(answer[1])
        os.set_blocking(self._relay.stdout.fileno(), False)

    def _relay_errors(self) -> str:
        """The last line the relay process wrote to its standard error, for a message."""
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return (f"the relay process gave no answer ({lines[-1]})" if lines
                else "the relay process gave no answer")

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self._relay is not None
        assert self._relay.stdin is not None
        try:
            write_frame(self._relay.stdin, message)
        except OSError as exc:
            self._lose(f"the Dask relay process is gone: {exc}")
            raise EvaluationError(self.gone) from exc

    def _stop_relay(self) -> None:
        relay, self._relay = self._relay, None
        if relay is None:
            return
        for stream in (relay.stdin, relay.stdout):
            if stream is not None:
                stream.close()
        try:
            relay.wait(timeout=10)  # it closes its client on the end of its input
        except subprocess.TimeoutExpired:
            kill_group(relay.pid)
            relay.wait()

    def close(self) -> None:
        """Disconnect from the cluster; the relay process ends."""
        self._stop_relay()
        self._errors.close()


class DaskJob:
    """One run sent to the cluster, in the scheduling loop's job protocol."""

    def __init__(self, executor: DaskExecutor, key: int, limits: Limits) -> None:
        self.executor = executor
        self.key = key
        self.limits = limits
        self.started = time.perf_counter()
        # A worker that dies mid-run has the run started again elsewhere: room for two.
        self.deadline = self.started + 2 * limits.timeout_s + GRACE_S

    def fileno(self) -> int | None:
        return self.executor.fileno()

    @property
    def done(self) -> bool:
        return (self.executor.result(self.key) is not None or bool(self.executor.gone)
                or time.perf_counter() > self.deadline)

    def finish(self) -> TestRun:
        """The run's record: as the worker made it, or with the reason it was lost.

        :raises EvaluationError: the cluster went away before the result came back.
        """
        outcome = self.executor.result(self.key)
        if isinstance(outcome, TestRun):
            self.executor.cancel(self.key)  # forgets it
            return outcome
        if outcome is None and self.executor.gone:
            raise EvaluationError(self.executor.gone)
        self.executor.cancel(self.key)
        wall_s = time.perf_counter() - self.started
        if outcome is None:
            outcome = (f"no result from the Dask cluster within {wall_s:.0f}s"
                       if time.perf_counter() > self.deadline else "cancelled")
        # Never a pass: the tests did not run to the end anywhere that reported back.
        return TestRun(outcomes={}, durations={}, wall_s=wall_s, exit_code=None,
                       problem=f"lost on the Dask cluster: {outcome}")
