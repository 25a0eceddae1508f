"""The cage every run of candidate code happens in: namespaces, a read-only world, no
capabilities, no inherited descriptor, a seccomp filter.

Three steps, each in its own process, because each only takes effect for what comes
after it:

1. :func:`enter`, in an intermediate process: new user, mount, PID, IPC and network
   namespaces (the user namespace is what lets an unprivileged user create the rest;
   root falls back to none where user namespaces are forbidden).
2. :func:`init`, in the first process of the new PID namespace: every mount read-only,
   a fresh ``/proc``, a minimal ``/dev``, a private ``/tmp`` and ``/dev/shm``, only the
   scratch directories writable again, loopback up.
3. :func:`~pytest_selfheal._evaluate.lockdown.lock`, in the process that runs candidate
   code: inherited descriptors closed, ``no_new_privs``, capabilities gone, the seccomp
   filter. A fork server splits it: it takes the last three on itself once
   (:func:`~pytest_selfheal._evaluate.lockdown.restrict`), which each child it forks
   inherits, and each child closes the descriptors.

A layer the platform refuses is skipped and named in the notes, which the report shows.

Standard library only: the subprocess path starts it as a launcher,
``python -I -S cage.py SPEC_JSON -- COMMAND...``, before the interpreter that runs
pytest, and the fork path imports it. The launcher cannot import the package, so it
loads its one sibling, :mod:`~pytest_selfheal._evaluate.lockdown`, by its path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING or __package__:
    from pytest_selfheal._evaluate import lockdown
else:  # pragma: no cover - the launcher: a script run with -I -S cannot import the package
    import importlib.util

    _here = os.path.dirname(os.path.abspath(__file__))
    _found = importlib.util.spec_from_file_location(
        "selfheal_lockdown", os.path.join(_here, "lockdown.py"))
    lockdown = importlib.util.module_from_spec(_found)
    _found.loader.exec_module(lockdown)

# clone(2) and mount(2) flags (linux/sched.h, linux/mount.h).
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
#: Per-mount flags a remount must repeat: in a user namespace they are locked.
MOUNT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": 0x400, "nodiratime": 0x800, "relatime": 0x200000,
                 "strictatime": 0x1000000, "nosymfollow": 0x100}
#: Directories that get a private tmpfs in the cage.
PRIVATE = ("/tmp/", "/dev/shm/")
#: Device nodes a test may need; everything else of the host's /dev is hidden.
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


@dataclass(frozen=True)
class CageSpec:
    """What a cage lets through.

    :param writable: directories that stay writable (the scratch copy); ``/tmp`` and
        ``/dev/shm`` are private and writable too.
    :param visible: paths that stay visible, read-only, where a private ``/tmp`` or
        ``/dev/shm`` would hide them (the project and what the session imports from).
    :param network: keep the host's network (``--selfheal-network shared``); otherwise
        a network namespace with only its own loopback.
    :param parent: pid of the process the cage must die with (0: the caller's parent).
    :param cgroup: a ``cgroup.procs`` file to join before the world turns read-only.
    :param notes: a file to append the notes to, as event lines (launcher only).
    """

    writable: tuple[str, ...] = ()
    visible: tuple[str, ...] = ()
    network: bool = False
    parent: int = 0
    cgroup: str = ""
    notes: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> CageSpec:
        data = json.loads(text)
        return cls(writable=tuple(data.get("writable", ())),
                   visible=tuple(data.get("visible", ())), network=bool(data["network"]),
                   parent=int(data.get("parent", 0)), cgroup=str(data.get("cgroup", "")),
                   notes=str(data.get("notes", "")))


@dataclass
class Entered:
    """What :func:`enter` achieved."""

    user: bool = False
    namespaces: bool = False
    notes: list[str] | None = None


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def enter(spec: CageSpec) -> Entered:
    """Unshare the namespaces; the caller must fork for the PID namespace to apply, and
    the forked child runs :func:`init`."""
    notes = []
    if spec.cgroup:
        try:
            _write(spec.cgroup, str(os.getpid()))  # cgroupfs turns read-only in init
        except OSError as exc:
            notes.append(f"cannot enter the pids cgroup: {exc.strerror or exc}")
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (0 if spec.network else CLONE_NEWNET)
    uid, gid = os.getuid(), os.getgid()
    libc = lockdown.libc()
    if libc.unshare(flags | CLONE_NEWUSER) == 0:
        try:
            with contextlib.suppress(FileNotFoundError):
                _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError as exc:
            notes.append(f"no user namespace mapping ({exc}): the cage is not built")
            return Entered(True, False, notes)
        return Entered(True, True, notes)
    why = os.strerror(ctypes.get_errno())
    if os.geteuid() == 0 and libc.unshare(flags) == 0:
        notes.append(f"no user namespace ({why}): candidates run as root without "
                     "capabilities")
        return Entered(False, True, notes)
    notes.append(f"no namespaces ({why}): candidates can reach the network, signal other "
                 "processes and write wherever this user can")
    return Entered(False, False, notes)


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    result = lockdown.libc().mount(
        None if source is None else source.encode(), target.encode(),
        None if fstype is None else fstype.encode(), ctypes.c_ulong(flags),
        None if data is None else data.encode())
    lockdown.check(result, f"mount {target}")


def _mounts() -> list[tuple[str, int]]:
    """Mount points with the per-mount flags a remount has to keep, shallowest first."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        for line in table:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")  # \040 for spaces
            flags = 0
            for option in fields[5].split(","):
                flags |= MOUNT_OPTIONS.get(option, 0)
            found.append((point, flags))
    return sorted(found, key=lambda item: item[0].count("/"))


def init(spec: CageSpec, notes: list[str]) -> None:
    """Build the world of the new mount namespace; the caller is the first process of
    the new PID namespace."""
    lockdown.prctl(lockdown.PR_SET_CHILD_SUBREAPER, 1)
    cwd = os.getcwd()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    # Opened before the remount: the bind mounts below come back through these.
    keep = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in spec.writable}
    shown = {path: os.open(path, os.O_PATH) for path in sorted(set(spec.visible))
             if path.startswith(PRIVATE) and os.path.exists(path)}
    devices = {name: os.open(f"/dev/{name}", os.O_PATH)
               for name in DEVICES if os.path.exists(f"/dev/{name}")}
    skipped = []
    for point, flags in _mounts():
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EINVAL, errno.EACCES, errno.ENOENT):
                raise
            skipped.append(point)
    if skipped:
        notes.append(f"stayed writable (the kernel keeps them locked): {', '.join(skipped)}")
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)
    except OSError as exc:
        # The host's /proc would show the session: better none at all.
        _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)
        notes.append(f"no /proc for candidates ({exc.strerror})")
    _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755")
    for name, fd in devices.items():
        _write(f"/dev/{name}", "")
        _mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, MS_BIND)
        os.close(fd)
    for link, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"/dev/{link}")
    os.mkdir("/dev/shm")
    for private in ("/tmp", "/dev/shm"):
        _mount("tmpfs", private, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for path, fd in shown.items():
        _bind_point(path, fd)  # read-only: its source mount is by now
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    for path, fd in keep.items():
        _bind_point(path, fd)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | _flags_of(path))
        os.close(fd)
    try:
        os.chdir(cwd)  # through the new mounts
    except OSError:
        os.chdir("/")
    if not spec.network:
        try:
            _loopback_up()
        except OSError as exc:
            notes.append(f"loopback is down for candidates: {exc}")


def _bind_point(path: str, fd: int) -> None:
    """Make ``path`` exist again under a private mount, to bind ``fd`` onto it."""
    if os.path.isdir(f"/proc/self/fd/{fd}"):
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            _write(path, "")


def _flags_of(path: str) -> int:
    flags = 0
    for point, point_flags in _mounts():
        if point == path:
            flags = point_flags
    return flags & ~MS_RDONLY


def _loopback_up() -> None:
    # A new network namespace starts with `lo` down; tests that serve on localhost
    # inside the cage still work once it is up.
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, bytes(14))
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up,
                                                    bytes(14)))


def main(argv: list[str]) -> int:
    """The launcher: ``cage.py SPEC_JSON -- COMMAND...`` runs COMMAND in a cage and
    exits as it did (killed by a signal: killed by the same signal).

    The launcher itself stays outside the namespaces: the first process of the cage
    tells it the exit status through a pipe, and it exits at once, while the kernel
    takes the namespaces down (which takes a while) off the caller's clock.
    """
    spec, command = CageSpec.from_json(argv[0]), argv[2:]
    lockdown.die_with_parent(spec.parent)
    status_read, status_write = os.pipe()
    if os.fork() == 0:
        os.close(status_read)
        _intermediate(spec, command, status_write)
    os.close(status_write)
    told = os.read(status_read, 16)
    if not told:
        print("cage: the caged command ended without an exit status", file=sys.stderr)
        return 125
    code = int(told)
    if 128 < code < 128 + signal.NSIG:
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(code - 128, signal.SIG_DFL)
        os.kill(os.getpid(), code - 128)
    return code


def _intermediate(spec: CageSpec, command: list[str], status: int) -> NoReturn:
    """Enter the namespaces; fork their first process, which runs ``command`` in a
    child and writes how it ended to ``status``."""
    try:
        lockdown.die_with_parent()
        entered = enter(spec)
        notes = entered.notes or []
        if os.fork() == 0:
            lockdown.die_with_parent()
            if entered.namespaces:
                init(spec, notes)
            runner = os.fork()
            if runner == 0:
                lockdown.die_with_parent()
                _report(spec, notes + lockdown.lock({0, 1, 2}, spec.network))
                os.execvp(command[0], command)
            _, ended = os.waitpid(runner, 0)
            # The first process of a PID namespace ignores signals it sends itself.
            code = (128 + os.WTERMSIG(ended) if os.WIFSIGNALED(ended)
                    else os.WEXITSTATUS(ended))
            os.write(status, str(code).encode())
            os._exit(code)
        os.close(status)
        os.wait()
    except BaseException as exc:
        print(f"cage: {exc!r}", file=sys.stderr)
        os._exit(125)
    os._exit(0)


def _report(spec: CageSpec, notes: list[str]) -> None:
    if spec.notes and notes:
        with open(spec.notes, "a", encoding="utf-8") as events:
            for note in notes:
                events.write(json.dumps({"event": "note", "message": note}) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
