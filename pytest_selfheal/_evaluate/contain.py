"""Containment of child processes that run candidate code.

Applied inside the child (:func:`apply_limits`) or around it by the parent
(:class:`ProcessCage`, :func:`kill_group`); the namespaces, mounts, capabilities and
seccomp filter are :mod:`~pytest_selfheal._evaluate.cage`'s. Every measure is best effort on
what the platform allows; what could not be applied is returned as a note so that the
report says so instead of pretending.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

#: Memory a child may add to what it inherited before allocations start to fail.
EXTRA_ADDRESS_SPACE = 1024**3


@dataclass(frozen=True)
class Limits:
    """Limits of one child run.

    :param timeout_s: wall-clock seconds before the watchdog kills the child.
    :param cpu_s: CPU seconds before the kernel stops the child.
    :param address_space: bytes of address space the child may map in all; ``None``
        for the size it inherited plus :data:`EXTRA_ADDRESS_SPACE`.
    :param file_bytes: largest file the child may write.
    :param processes: processes the child may have running at once (itself included).
    :param strict: the wall-clock time is the caller's own time box, a measurement
        that goes on with what it got: a child kept waiting by a busy machine is not
        given more, as one judging a candidate is.
    """

    timeout_s: float
    cpu_s: int
    address_space: int | None = None
    file_bytes: int = 512 * 1024**2
    processes: int = 64
    strict: bool = False

    @classmethod
    def within(cls, timeout_s: float, *, strict: bool = False) -> Limits:
        """Limits of a run that must end within ``timeout_s``: the kernel's CPU limit
        follows the wall-clock one (whole seconds, rounded up, and one more so that the
        watchdog, which says why, acts first)."""
        return cls(timeout_s=timeout_s, cpu_s=math.ceil(timeout_s) + 1, strict=strict)

    def doubled(self, times: int = 1) -> Limits:
        """These limits with twice the time (``times`` over), for another chance after
        a timeout."""
        factor = 2**times
        return replace(self, timeout_s=factor * self.timeout_s, cpu_s=factor * self.cpu_s)


#: How many times its measured cost a run may take before it is cut off: room for a
#: busy machine, while a candidate that loops costs only a few runs of the unchanged code.
SLACK: Final = 3.0


@dataclass
class PathCost:
    """What a run costs on one path of this machine (a fork of the session, or a fresh
    pytest process) beyond the tests' own phases: forking or starting an interpreter,
    importing, collecting, containment, and pytest's work around each test.

    Learned from runs of the unchanged code: ``overhead = wall - sum(test phases)``,
    split into a part per run and a part per test (from runs of different lengths).
    """

    #: (tests in the run, seconds of overhead) of each run of the unchanged code seen.
    observations: list[tuple[int, float]] = field(default_factory=list)

    def observe(self, tests: int, wall_s: float, tests_s: float) -> None:
        """Learn from a run of the unchanged code: ``tests`` tests that took ``tests_s``
        of the run's ``wall_s``."""
        self.observations.append((tests, max(0.0, wall_s - tests_s)))

    @property
    def known(self) -> bool:
        return bool(self.observations)

    def overhead(self, tests: int) -> float:
        """Seconds of overhead of a run of ``tests`` tests, erring on the long side."""
        fewest = min(n for n, _ in self.observations)
        per_run = max(o for n, o in self.observations if n == fewest)
        per_test = max((max(0.0, (o - per_run) / (n - fewest))
                        for n, o in self.observations if n > fewest), default=0.0)
        return per_run + per_test * max(0, tests - fewest)

    def limits(self, tests: int, tests_s: float) -> Limits:
        """Limits for a run of ``tests`` tests that took ``tests_s`` on the unchanged code."""
        return Limits.within(round(SLACK * (self.overhead(tests) + tests_s), 3))

    def describe(self, tests: int, tests_s: float) -> str:
        """What a run of these tests was measured to cost, for messages."""
        return (f"{self.overhead(tests) + tests_s:.2f}s measured for the unchanged code "
                f"({tests_s:.2f}s of tests)")


def _address_space_in_use() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _lower(limit: int, value: int) -> None:
    hard = resource.getrlimit(limit)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(limit, (value, hard if hard != resource.RLIM_INFINITY else value))


def apply_limits(limits: Limits) -> None:
    """Cap the calling process: a runaway candidate is stopped by the kernel."""
    # CPU: SIGXCPU at the soft limit, SIGKILL one second later.
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    cpu = limits.cpu_s if hard == resource.RLIM_INFINITY else min(limits.cpu_s, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1 if hard == resource.RLIM_INFINITY
                                                  else hard))
    address_space = limits.address_space or _address_space_in_use() + EXTRA_ADDRESS_SPACE
    _lower(resource.RLIMIT_AS, address_space)
    _lower(resource.RLIMIT_FSIZE, limits.file_bytes)
    if os.geteuid() != 0:
        # RLIMIT_NPROC counts every process of the user, so allow for those running now;
        # the kernel ignores it for root, where the ProcessCage has to do the job.
        _lower(resource.RLIMIT_NPROC, _processes_of_user() + limits.processes)


def _processes_of_user() -> int:
    uid = str(os.getuid())
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == int(uid):
                    count += 1
    return count


@dataclass(frozen=True)
class Isolation:
    """What a child is cut off from beyond what the cage always does
    (:mod:`~pytest_selfheal._evaluate.cage`).

    :param network: a network namespace with only its own loopback up, so the child
        can reach no other host and no server of the session; ``False`` shares the
        session's network (``--selfheal-network shared``).
    """

    network: bool = True


def kill_group(pid: int) -> None:
    """Kill the process group led by ``pid``: the child and everything it spawned."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def group_cpu_s(pgid: int) -> float:
    """CPU seconds used so far by the processes of process group ``pgid``."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # Fields after the parenthesised name: state, ppid, pgrp, ... utime, stime.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class ProcessCage:
    """A pids cgroup that caps how many processes a child can have and kills them all.

    A fork bomb is stopped at :attr:`Limits.processes`, and processes that left the
    child's process group (``setsid``) are still found and killed. Needs a writable
    cgroup ``pids`` hierarchy (v1, or v2 with the pids controller); where there is
    none, :attr:`note` says so and the cage does nothing.
    """

    _counter = 0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.path: Path | None = None
        self.note = ""
        base = _pids_hierarchy()
        if base is None:
            self.note = "no writable pids cgroup: a fork bomb is only stopped by the timeout"
            return
        if ProcessCage._counter == 0:
            _remove_stale_cages(base)
        ProcessCage._counter += 1
        path = base / f"selfheal-{os.getpid()}-{ProcessCage._counter}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.rmdir()
            self.note = f"cannot create a pids cgroup: {exc}"
            return
        self.path = path

    @property
    def procs_file(self) -> str | None:
        """The file a process writes its own pid into to enter the cage, if any."""
        return None if self.path is None else str(self.path / "cgroup.procs")

    def attach(self, pid: int) -> None:
        """Put process ``pid`` (and so all it will fork) into the cage."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                (self.path / "cgroup.procs").write_text(str(pid))

    def empty(self) -> None:
        """Kill whatever is still in the cage; the cage stays, ready for the next child.

        Does not wait for the killed processes to leave: a fork bomb's new processes
        are killed as they appear, ones already killed are only on their way out.
        """
        if self.path is None:
            return
        killed: set[int] = set()
        for _ in range(1000):
            try:
                pids = {int(p) for p in (self.path / "cgroup.procs").read_text().split()}
            except OSError:
                break
            fresh = pids - killed
            if not fresh:
                break
            for pid in fresh:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            killed |= fresh

    def close(self) -> None:
        """Kill whatever is still in the cage and remove it."""
        self.empty()
        if self.path is not None:
            for _ in range(200):
                try:
                    self.path.rmdir()
                    break
                except OSError:
                    # Killed processes leave the cgroup when the kernel has reaped them.
                    time.sleep(0.005)
        self.path = None


def _remove_stale_cages(base: Path) -> None:
    """Remove the empty cages of sessions that died without cleaning up (killed)."""
    for path in base.glob("selfheal-*-*"):
        owner = path.name.split("-")[1]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(OSError):
                path.rmdir()  # fails, harmlessly, while processes are still inside


def _pids_hierarchy() -> Path | None:
    candidates = [Path("/sys/fs/cgroup/pids")]
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            hierarchy, controllers, path = line.split(":", 2)
            if "pids" in controllers.split(","):
                candidates.insert(0, Path("/sys/fs/cgroup/pids") / path.lstrip("/"))
            elif hierarchy == "0":
                unified = Path("/sys/fs/cgroup") / path.lstrip("/")
                with contextlib.suppress(OSError):
                    if "pids" in (unified / "cgroup.subtree_control").read_text().split():
                        candidates.append(unified)
    for candidate in candidates:
        if (candidate / "cgroup.procs").exists() and os.access(candidate, os.W_OK):
            return candidate
    return None
