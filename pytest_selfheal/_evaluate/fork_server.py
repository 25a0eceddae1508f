"""The inside of a fork server: what runs in the intermediate process that enters the
cage, in the server (the first process of the cage's PID namespace) and in each child
it forks, and the frames the server and the session talk in.

The session's side, which starts servers and hands them jobs, is
:mod:`~pytest_selfheal._evaluate.zygote`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from pytest_selfheal._evaluate import cage, lockdown
from pytest_selfheal._evaluate.behaviour import BehaviourRecorder
from pytest_selfheal._evaluate.cage import CageSpec
from pytest_selfheal._evaluate.contain import Limits, apply_limits, kill_group
from pytest_selfheal._evaluate.equality import OutputWatch, original_function
from pytest_selfheal._evaluate.reaping import child_deadline, kill_leftovers
from pytest_selfheal._evaluate.scrub import forget
from pytest_selfheal._evaluate.spec import RunSpec
from pytest_selfheal._source.memos import Memos, clear_memos, project_memos
from pytest_selfheal._source.reload import SwapTarget, locate, swap
from pytest_selfheal.errors import ReloadError
from pytest_selfheal.models import Candidate, FunctionRef

#: Runs selected, already-collected tests in the calling process (the child), sending
#: each event to the callable it is given.
Runner = Callable[[RunSpec, Callable[[dict[str, Any]], None]], None]

#: Frames between a server and the session: one kind byte and a length.
HEADER = struct.Struct(">cI")
JOB, EVENTS, EXIT, NOTE = b"J", b"E", b"X", b"N"
#: Event bytes relayed per job at most; a child writing more is flooding, not reporting.
EVENT_BYTES_LIMIT = 16 * 1024**2


@dataclass
class Zygote:
    """The warm session that fork servers are forked from.

    :param runner: runs selected items in the calling process (the child).
    :param root: the project root, to find a candidate's module file.
    :param restart: called in each fork server once the session's descriptors are gone:
        restarts what needs files of its own there (pytest's output capture).
    :param secrets: text no candidate may find in its memory (the API key): each server
        overwrites it before forking a child.
    """

    runner: Runner
    root: str
    restart: Callable[[], None] = lambda: None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    _targets: dict[FunctionRef, SwapTarget | str] = field(default_factory=dict, compare=False)
    #: The project's memoized functions' ``cache_clear``, found by each fork server.
    memos: Memos = field(default_factory=dict, compare=False)

    def target(self, function: FunctionRef) -> SwapTarget | str:
        """The live ``function`` to swap candidates into, or why it cannot be found.

        Looked up once per server and inherited by every child it forks: the lookup
        walks the whole heap, which would cost each child more than its tests.
        """
        found = self._targets.get(function)
        if found is None or (isinstance(found, SwapTarget) and not found.current):
            try:
                found = locate(os.path.join(self.root, function.path), function.qualname)
            except ReloadError as exc:
                found = str(exc)
            self._targets[function] = found
        return found


def frame(kind: bytes, payload: bytes) -> bytes:
    """One frame of ``kind``, header included."""
    return HEADER.pack(kind, len(payload)) + payload


def send_frame(fd: int, kind: bytes, payload: bytes) -> None:
    """Write one whole frame of ``kind`` to ``fd``."""
    _send(fd, frame(kind, payload))


def _send(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve_in_cage(zygote: Zygote, workdir: Path, pipes: tuple[int, int],
                  spec: CageSpec) -> NoReturn:  # pragma: no cover - runs in the intermediate
    """The intermediate process: it unshares the namespaces, forks the server as the
    first process of the new PID namespace, and lives as long as the server does, so
    that the server dies with it, and it with the session."""
    frames = pipes[1]
    why = ""
    try:
        lockdown.die_with_parent(spec.parent)
        # Ctrl-C in the terminal is the session's to handle; the server just dies with it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.setpgid(0, 0)
        # Opened now: the server mounts an empty /dev in the mount namespace it shares
        # with this process before it binds the devices back, and opening /dev/null in
        # that moment used to end this process, and the server with it.
        null = os.open(os.devnull, os.O_RDWR)
        entered = cage.enter(spec)
        server = os.fork()
        if server == 0:
            os.close(null)
            lockdown.die_with_parent()
            _serve(zygote, workdir, pipes, spec, entered)
        # Only the server's pipe is kept: the session sees its end once this process
        # has said how the server ended.
        lockdown.close_inherited({frames}, null)
        _, status = os.waitpid(server, 0)
        if os.WIFSIGNALED(status):
            why = f"the fork server was killed by signal {os.WTERMSIG(status)}"
        elif os.WEXITSTATUS(status):
            why = f"the fork server exited with status {os.WEXITSTATUS(status)}"
    except BaseException as exc:
        why = f"the fork server could not start: {type(exc).__name__}: {exc}"
    if why:
        with contextlib.suppress(BaseException):
            send_frame(frames, NOTE, json.dumps({"message": why}).encode())
    os._exit(0)


def _serve(zygote: Zygote, workdir: Path, pipes: tuple[int, int], spec: CageSpec,
           entered: cage.Entered) -> NoReturn:  # pragma: no cover - runs in the server
    jobs, frames = pipes
    try:
        notes = list(entered.notes or [])
        if entered.namespaces:
            cage.init(spec, notes)
            tempfile.tempdir = "/tmp"  # the private one: the session's may be read-only now
        # What the session had open (its store, its terminal, its capture files, other
        # servers' pipes) now points at /dev/null: closing the descriptors instead would
        # let objects still holding their numbers close files opened later.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in _open_descriptors() - {jobs, frames, null}:
            os.dup2(null, fd)
        os.close(null)
        zygote.restart()  # capture into files of the server's own
        forget(zygote.secrets)
        lockdown.set_dumpable(False)  # children cannot read the server's memory
        # Once here rather than in every child: each child inherits the filter, the
        # dropped capabilities and no_new_privs, and the server needs none of them to
        # fork, watch and kill its children.
        notes += lockdown.restrict(spec.network)
        inherited = _open_descriptors() - {jobs, frames}
        for note in notes:
            send_frame(frames, NOTE, json.dumps({"message": note}).encode())
        # Found once here, emptied in each child: the session's caches hold what the
        # code computed before the candidate.
        zygote.memos = project_memos(zygote.root)
        gc.freeze()
        last_spec: dict[str, Any] = {}
        while True:
            header = _read_exactly(jobs, HEADER.size)
            if header is None:
                break  # the session is done with this server
            payload = _read_exactly(jobs, HEADER.unpack(header)[1])
            if payload is None:
                break
            job = json.loads(payload)
            # A job without a spec runs the same tests as the one before.
            last_spec = job.setdefault("spec", last_spec)
            _run_job(zygote, workdir, job, pipes, _Caging(spec, inherited, entered.namespaces))
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            send_frame(frames, NOTE, json.dumps({"message": f"the fork server failed: {exc!r}"})
                  .encode())
    os._exit(0)


def _open_descriptors() -> set[int]:  # pragma: no cover - runs in the fork server
    listing = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        return {int(name) for name in os.listdir(listing)} - {listing}
    finally:
        os.close(listing)


@dataclass(frozen=True)
class _Caging:
    """How a server cages its children: the spec, the descriptors a child keeps (the
    server's capture files and /dev/null placeholders), and whether the server is the
    first process of a PID namespace."""

    spec: CageSpec
    keep: frozenset[int] | set[int]
    in_pid_namespace: bool


@dataclass(frozen=True)
class _Work:
    """One job as a child runs it."""

    job: dict[str, Any]
    workdir: Path
    limits: Limits
    candidate: Candidate | None
    target: SwapTarget | str | None


def _run_job(zygote: Zygote, workdir: Path, job: dict[str, Any], pipes: tuple[int, int],
             caging: _Caging) -> None:  # pragma: no cover - runs in the fork server
    jobs, frames = pipes
    limits = Limits(**job["limits"])
    candidate = None
    target: SwapTarget | str | None = None
    if job["candidate"] is not None:
        function = FunctionRef(**job["candidate"]["function"])
        candidate = Candidate(function, job["candidate"]["source"], "", "", 0)
        target = zygote.target(function)
    events_read, events_write = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(events_read)
        os.close(jobs)
        os.close(frames)
        _child(zygote, _Work(job, workdir, limits, candidate, target), caging, events_write)
    os.close(events_write)
    pidfd = os.pidfd_open(pid)
    deadline = started + limits.timeout_s
    timed_out = False
    status = rusage = None
    # Read as the child writes (it must never block on a full pipe), sent once it
    # ended: the session wakes once per job, not once per event line.
    events = bytearray()
    watched = [events_read, pidfd]
    while status is None:
        ready, _, _ = select.select(watched, [], [], max(0.0, deadline - time.perf_counter()))
        if events_read in ready and not _collect(events_read, events):
            watched.remove(events_read)  # closed: only the child's end is left to wait for
        if pidfd in ready:
            _, status, rusage = os.wait4(pid, 0)
        elif not ready:
            deadline = child_deadline(pid, started, limits)
            if deadline > time.perf_counter():
                continue
            timed_out = True
            kill_group(pid)
            _, status, rusage = os.wait4(pid, 0)
    wall_s = time.perf_counter() - started
    kill_leftovers(pid, caging.spec.cgroup or None, caging.in_pid_namespace)
    os.close(pidfd)
    while _collect(events_read, events):
        pass  # what the child wrote before it ended
    os.close(events_read)
    assert rusage is not None
    exit_code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    ending = frame(EXIT, json.dumps({
        "exit_code": exit_code, "wall_s": wall_s, "timed_out": timed_out,
        "cpu_s": rusage.ru_utime + rusage.ru_stime}).encode())
    _send(frames, (frame(EVENTS, bytes(events)) if events else b"") + ending)


def _collect(fd: int, events: bytearray) -> int:  # pragma: no cover - runs in the fork server
    """Read what the child wrote into ``events``, up to the limit (what is past it is
    read and dropped, so that a flooding child does not block); the bytes read."""
    chunk = os.read(fd, 1 << 16)
    if len(events) < EVENT_BYTES_LIMIT:
        events += chunk
    return len(chunk)


class _Channel:  # pragma: no cover - runs in the forked child
    """The child's end of its event pipe.

    Lines are held back until a test starts or has ended (its teardown report), the run
    finishes, or the child ends: a test's reports come out together when it has ended,
    so a child killed at any point has told the server as much as with a write per
    line, for half the writes (and of the server's wake-ups).
    """

    #: Bytes held back at most.
    HELD = 1 << 16

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._held: list[str] = []
        self._size = 0

    def emit(self, event: dict[str, Any]) -> None:
        line = json.dumps(event) + "\n"
        self._held.append(line)
        self._size += len(line)
        kind = event.get("event")
        if (kind in ("start", "finish") or self._size > self.HELD
                or (kind == "report" and event.get("when") == "teardown")):
            self.flush()

    def flush(self) -> None:
        data = "".join(self._held).encode("utf-8")
        self._held.clear()
        self._size = 0
        _send(self.fd, data)


def _child(zygote: Zygote, work: _Work, caging: _Caging,
           events_write: int) -> NoReturn:  # pragma: no cover - runs in the forked child
    channel = _Channel(events_write)
    emit = channel.emit
    candidate, target = work.candidate, work.target
    try:
        os.setpgid(0, 0)
        # The server is restricted already (privileges, capabilities, seccomp): what is
        # left is what the child inherited of the server's descriptors.
        lockdown.close_inherited({*caging.keep, events_write})
        lockdown.set_dumpable(True)  # its own /proc/self, as tests may read it
        spec = RunSpec.from_json(work.job["spec"])
        apply_limits(work.limits)
        tmp = os.path.join(work.job["run_dir"], "tmp")
        os.environ["TMPDIR"] = tmp
        tempfile.tempdir = tmp
        os.chdir(work.workdir)
        if candidate is not None:
            try:
                if isinstance(target, str):
                    raise ReloadError(target)
                unit = work.job["candidate"]["unit"]
                swap(os.path.join(zygote.root, candidate.function.path),
                     candidate.function.qualname, candidate.source, target,
                     None if unit is None else (unit[0], unit[1]))
            except ReloadError as exc:
                emit({"event": "swap-error", "message": f"cannot load the candidate: {exc}"})
                channel.flush()
                os._exit(0)
        watch = None
        if spec.compare_outputs and isinstance(target, SwapTarget):
            live = target.functions[0]
            watch = OutputWatch(live.__code__, original_function(live, target.old_code))
            watch.start()
        recorder = None
        report: Callable[[dict[str, Any]], None] = emit
        if spec.record and isinstance(target, SwapTarget):
            # Emits through the plain emit: its own events are not test reports.
            recorder = BehaviourRecorder(target.functions[0], emit)
            report = recorder.watching(emit)
            recorder.start()
        clear_memos(zygote.memos, None if candidate is None
                    else os.path.join(zygote.root, candidate.function.path))
        zygote.runner(spec, report)
        if recorder is not None:
            recorder.stop()
            recorder.finish()
            if spec.explore:
                recorder.explore()
        if watch is not None:
            watch.stop()
            if watch.mismatch:
                emit({"event": "mismatch", "message": watch.mismatch})
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            emit({"event": "crash", "message": f"the test run failed: {exc!r}"})
    with contextlib.suppress(BaseException):
        channel.flush()
    os._exit(0)
