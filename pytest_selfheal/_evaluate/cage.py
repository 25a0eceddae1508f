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
3. :func:`lock`, in the process that runs candidate code: inherited descriptors closed,
   ``no_new_privs``, capabilities gone, the seccomp filter.

A layer the platform refuses is skipped and named in the notes, which the report shows.

Standard library only: the subprocess path starts it as a launcher,
``python -I -S cage.py SPEC_JSON -- COMMAND...``, before the interpreter that runs
pytest, and the fork path imports it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import platform
import signal
import socket
import struct
import sys
from dataclasses import asdict, dataclass
from typing import NoReturn

# clone(2) and mount(2) flags (linux/sched.h, linux/mount.h).
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | \
    0x20000000 | 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
#: Per-mount flags a remount must repeat: in a user namespace they are locked.
MOUNT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": 0x400, "nodiratime": 0x800, "relatime": 0x200000,
                 "strictatime": 0x1000000, "nosymfollow": 0x100}
# prctl(2) options (linux/prctl.h).
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_CAPBSET_DROP = 1, 4, 22, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 36, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
#: Directories that get a private tmpfs in the cage.
PRIVATE = ("/tmp/", "/dev/shm/")
#: Device nodes a test may need; everything else of the host's /dev is hidden.
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")

#: Syscalls refused with EPERM, by architecture: leaving the namespaces, mounting,
#: tracing or reading other processes, kernel modules and keys, handles that bypass
#: the mount tree.
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_REFUSED = {
    "x86_64": {
        "setns": 308, "unshare": 272, "mount": 165, "umount2": 166, "pivot_root": 155,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "kexec_load": 246, "kexec_file_load": 320, "bpf": 321, "perf_event_open": 298,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "keyctl": 250,
        "add_key": 248, "request_key": 249, "open_by_handle_at": 304,
        "name_to_handle_at": 303, "userfaultfd": 323, "chroot": 161, "swapon": 167,
        "swapoff": 168, "reboot": 169, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442,
    },
    "aarch64": {
        "setns": 268, "unshare": 97, "mount": 40, "umount2": 39, "pivot_root": 41,
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "kexec_load": 104, "kexec_file_load": 294, "bpf": 280, "perf_event_open": 241,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "keyctl": 219,
        "add_key": 217, "request_key": 218, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "userfaultfd": 282, "chroot": 51, "swapon": 224,
        "swapoff": 225, "reboot": 142, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442,
    },
}
#: clone, clone3 and socket, whose arguments the filter looks at.
_SPECIAL = {"x86_64": (56, 435, 41), "aarch64": (220, 435, 198)}


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


def _libc() -> ctypes.CDLL:
    # The running process's own symbols: ctypes.util.find_library would run ldconfig in
    # a subprocess, which after unshare(CLONE_NEWPID) would become the namespace's init.
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _prctl(option: int, *args: int) -> None:
    values = [ctypes.c_ulong(a) for a in (*args, 0, 0, 0, 0)[:4]]
    _check(_libc().prctl(option, *values), f"prctl({option})")


def die_with_parent(parent: int = 0) -> None:
    """Be killed when the parent dies, however it dies (SIGKILL included); and die now if
    it already has (the signal only covers deaths after this call)."""
    expected = parent or os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected:
        os._exit(1)


def set_dumpable(dumpable: bool) -> None:
    """Whether processes of the same user may read this one's memory and /proc files."""
    _prctl(PR_SET_DUMPABLE, int(dumpable))


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
    libc = _libc()
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
    _check(_libc().mount(None if source is None else source.encode(), target.encode(),
                         None if fstype is None else fstype.encode(), ctypes.c_ulong(flags),
                         None if data is None else data.encode()), f"mount {target}")


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
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
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


def close_inherited(keep: set[int]) -> None:
    """Close every descriptor but ``keep``; 0, 1 and 2 not kept point at /dev/null."""
    low = 0
    for fd in [*sorted(keep), 2 ** 31 - 1]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    if {0, 1, 2} - keep:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in {0, 1, 2} - keep:
            if fd != null:
                os.dup2(null, fd)
        if null not in keep and null > 2:
            os.close(null)


def lock(keep: set[int], network: bool = False) -> list[str]:
    """Leave the calling process nothing to escape with: only ``keep`` descriptors,
    no privileges to gain, no capabilities, and the seccomp filter. Irreversible."""
    notes = []
    close_inherited(keep)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as last:
            top = int(last.read())
    except (OSError, ValueError):
        top = 40
    for cap in range(top + 1):
        with contextlib.suppress(OSError):
            _prctl(PR_CAPBSET_DROP, cap)
    with contextlib.suppress(OSError):
        _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    if _libc().capset(ctypes.c_char_p(header), ctypes.c_char_p(bytes(24))) != 0:
        notes.append(f"capabilities not dropped: {os.strerror(ctypes.get_errno())}")
    machine = platform.machine()
    if machine not in _AUDIT_ARCH:
        notes.append(f"no seccomp filter on {machine}")
        return notes
    code = seccomp_program(machine, not network)
    program = ctypes.create_string_buffer(code, len(code))
    fprog = ctypes.create_string_buffer(struct.pack(
        "HxxxxxxP", len(code) // 8, ctypes.addressof(program)))
    try:
        _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    except OSError as exc:
        notes.append(f"no seccomp filter: {exc.strerror}")
    return notes


def seccomp_program(machine: str, refuse_unix_sockets: bool) -> bytes:
    """The classic BPF program of the filter for ``machine``."""
    load, equal, at_least, any_bit, give = 0x20, 0x15, 0x35, 0x45, 0x06
    clone, clone3, socket_nr = _SPECIAL[machine]
    program: list[tuple[int, int | str, int | str, int]] = []
    labels: dict[str, int] = {}
    program += [(load, 0, 0, 4),  # seccomp_data.arch: another ABI (i386) is refused
                (equal, 0, "eperm", _AUDIT_ARCH[machine]),
                (load, 0, 0, 0)]  # seccomp_data.nr
    if machine == "x86_64":
        program.append((at_least, "eperm", 0, 0x40000000))  # the x32 ABI
    program += [(equal, "eperm", 0, number) for number in _REFUSED[machine].values()]
    program += [(equal, "enosys", 0, clone3),  # glibc falls back to clone, whose flags show
                (equal, 0, "socket", clone),
                (load, 0, 0, 16),  # low half of args[0]: clone's flags
                (any_bit, "eperm", "allow", NAMESPACE_FLAGS)]
    labels["socket"] = len(program)
    if refuse_unix_sockets:
        # Sockets on the host's filesystem (Docker's, D-Bus's) stay reachable through
        # read-only mounts; socketpair(), which asyncio uses, is another syscall.
        program += [(equal, 0, "allow", socket_nr), (load, 0, 0, 16),
                    (equal, "eperm", "allow", socket.AF_UNIX)]
    for name, value in (("allow", 0x7FFF0000), ("eperm", 0x00050000 | errno.EPERM),
                        ("enosys", 0x00050000 | errno.ENOSYS)):
        labels[name] = len(program)
        program.append((give, 0, 0, value))

    def offset(index: int, label: int | str) -> int:
        return labels[label] - index - 1 if isinstance(label, str) else label

    return b"".join(struct.pack("HBBI", op, offset(i, true), offset(i, false), value)
                    for i, (op, true, false, value) in enumerate(program))


def main(argv: list[str]) -> int:
    """The launcher: ``cage.py SPEC_JSON -- COMMAND...`` runs COMMAND in a cage and
    exits as it did (killed by a signal: killed by the same signal).

    The launcher itself stays outside the namespaces: the first process of the cage
    tells it the exit status through a pipe, and it exits at once, while the kernel
    takes the namespaces down (which takes a while) off the caller's clock.
    """
    spec, command = CageSpec.from_json(argv[0]), argv[2:]
    die_with_parent(spec.parent)
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
        die_with_parent()
        entered = enter(spec)
        notes = entered.notes or []
        if os.fork() == 0:
            die_with_parent()
            if entered.namespaces:
                init(spec, notes)
            runner = os.fork()
            if runner == 0:
                die_with_parent()
                _report(spec, notes + lock({0, 1, 2}, spec.network))
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
