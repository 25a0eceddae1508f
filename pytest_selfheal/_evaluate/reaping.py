"""The end of a forked child: when its time is up, and what it leaves behind.

Both run in the fork server, which watches each child it forks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from pytest_selfheal._evaluate.contain import Limits, group_cpu_s, kill_group

#: How many times its time limit a child kept waiting by a busy machine may take, as
#: long as it computed for less than the limit.
BUSY_MACHINE_FACTOR = 2


def child_deadline(pid: int, started: float,
                   limits: Limits) -> float:  # pragma: no cover - runs in the fork server
    """When a child that reached its time limit is stopped: its limit when that is
    strict, else as :func:`extended` says."""
    if limits.strict:
        return started + limits.timeout_s
    return extended(pid, started, limits.timeout_s)


def extended(pid: int, started: float, limit_s: float
             ) -> float:  # pragma: no cover - runs in the fork server
    """When a child (the leader of its process group) reaches its time limit: a new
    deadline if its group computed for less than the limit (a busy machine kept it
    waiting; a loop computes all the time), the same limit in CPU time, at most twice
    the limit in all; else now, to stop it."""
    now = time.perf_counter()
    if not os.path.exists(f"/proc/{pid}"):
        return now  # no /proc in the cage: the limit stays one of wall time
    computed = group_cpu_s(pid)
    return min(started + BUSY_MACHINE_FACTOR * limit_s, now + limit_s - computed)


def kill_leftovers(pid: int, cage_procs: str | None,
                   in_pid_namespace: bool) -> None:  # pragma: no cover - in the server
    """Kill everything the child left running and reap it, so that no process outlives
    its job and none still holds the event pipe open."""
    kill_group(pid)
    while True:
        if in_pid_namespace:
            # From the first process of a PID namespace, -1 is every other process in
            # it: daemons a candidate started are gone too, whatever their group.
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
        else:
            for other in _children() | _caged(cage_procs):
                with contextlib.suppress(OSError):
                    os.kill(other, signal.SIGKILL)
        try:
            # The server is a child subreaper: whatever the child spawned comes back to
            # it as its parents die, until nothing is left (ChildProcessError).
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children() -> set[int]:  # pragma: no cover - runs in the fork server
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with (contextlib.suppress(OSError, IndexError),
                  open(f"/proc/{entry}/stat", encoding="utf-8") as stat):
                # The parent pid is the second field after the parenthesised name.
                if stat.read().rsplit(")", 1)[1].split()[1] == me:
                    found.add(int(entry))
    return found


def _caged(cage_procs: str | None) -> set[int]:  # pragma: no cover - in the fork server
    if cage_procs is None:
        return set()
    with contextlib.suppress(OSError, ValueError):
        return {int(pid) for pid in Path(cage_procs).read_text().split()} - {os.getpid()}
    return set()
