"""Containment of child processes that run candidate code.

Applied inside the child (:func:`apply_limits`, :func:`isolate_network`) or around it by
the parent (:class:`ProcessCage`, :func:`kill_group`). Every measure is best effort on
what the platform allows; what could not be applied is returned as a note so that the
report says so instead of pretending.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path

#: clone(2) flag for a new network namespace (linux/sched.h).
CLONE_NEWNET = 0x40000000

#: Memory a child may add to what it inherited before allocations start to fail.
EXTRA_ADDRESS_SPACE = 2 * 1024**3


@dataclass(frozen=True)
class Limits:
    """Limits of one child run.

    :param timeout_s: wall-clock seconds before the watchdog kills the process group.
    :param cpu_s: CPU seconds before the kernel stops the child.
    :param address_space: bytes of address space the child may map in all; ``None``
        for the size it inherited plus :data:`EXTRA_ADDRESS_SPACE`.
    :param file_bytes: largest file the child may write.
    :param processes: processes the child may have running at once (itself included).
    """

    timeout_s: float
    cpu_s: int
    address_space: int | None = None
    file_bytes: int = 512 * 1024**2
    processes: int = 64


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


def isolate_network() -> str:
    """Move the calling process into a new, empty network namespace.

    :returns: ``""`` on success, else why the network stays reachable.
    """
    unshare = getattr(os, "unshare", None)
    try:
        if unshare is not None:
            unshare(CLONE_NEWNET)
            return ""
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            return f"the network is not isolated: unshare failed ({os.strerror(errno)})"
    except (OSError, AttributeError) as exc:
        return f"the network is not isolated: {exc}"
    return ""


def kill_group(pid: int) -> None:
    """Kill the process group led by ``pid``: the child and everything it spawned."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class ProcessCage:
    """A pids cgroup that caps how many processes a child can have and kills them all.

    A fork bomb is stopped at :attr:`Limits.processes`, and processes that left the
    child's process group (``setsid``) are still found and killed. Needs a writable
    cgroup ``pids`` hierarchy (v1, or v2 with the pids controller); where there is
    none, :attr:`note` says so and the cage does nothing.
    """

    _counter = 0

    def __init__(self, limit: int) -> None:
        self.path: Path | None = None
        self.note = ""
        base = _pids_hierarchy()
        if base is None:
            self.note = "no writable pids cgroup: a fork bomb is only stopped by the timeout"
            return
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

    def attach(self, pid: int) -> None:
        """Put process ``pid`` (and so all it will fork) into the cage."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                (self.path / "cgroup.procs").write_text(str(pid))

    def close(self) -> None:
        """Kill whatever is still in the cage and remove it."""
        if self.path is None:
            return
        for _ in range(100):
            try:
                pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.001)  # the kernel needs a moment to reap them out of the cgroup
        with contextlib.suppress(OSError):
            self.path.rmdir()
        self.path = None


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
