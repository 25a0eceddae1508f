"""Step 3 of the cage: leave the process that runs candidate code nothing to escape
with (inherited descriptors, privileges, capabilities, syscalls), and the libc calls
the other steps share.

Standard library only, and no import of the package: the cage's launcher, a script
started with ``python -I -S``, loads this file by its path (see
:mod:`~pytest_selfheal._evaluate.cage`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import platform
import signal
import socket
import struct

# prctl(2) options (linux/prctl.h).
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_CAPBSET_DROP = 1, 4, 22, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 36, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
#: Every namespace flag of clone(2) (linux/sched.h): a caged process may not create
#: namespaces of its own.
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | \
    0x20000000 | 0x40000000
#: The architectures the filter knows (linux/audit.h): elsewhere there is none.
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
#: Syscalls refused with EPERM, by architecture: leaving the namespaces, mounting,
#: tracing or reading other processes, kernel modules and keys, handles that bypass
#: the mount tree.
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


@functools.cache
def libc() -> ctypes.CDLL:
    """The C library, for the calls Python does not wrap (unshare, mount, prctl)."""
    # The running process's own symbols: ctypes.util.find_library would run ldconfig in
    # a subprocess, which after unshare(CLONE_NEWPID) would become the namespace's init.
    # Loaded once: every fork of a fork server calls prctl, and forks inherit the handle.
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise the ``OSError`` of errno when a libc call did not return 0."""
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def prctl(option: int, *args: int) -> None:
    """prctl(2), raising ``OSError`` when it fails."""
    values = [ctypes.c_ulong(a) for a in (*args, 0, 0, 0, 0)[:4]]
    check(libc().prctl(option, *values), f"prctl({option})")


def die_with_parent(parent: int = 0) -> None:
    """Be killed when the parent dies, however it dies (SIGKILL included); and die now if
    it already has (the signal only covers deaths after this call)."""
    expected = parent or os.getppid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected:
        os._exit(1)


def set_dumpable(dumpable: bool) -> None:
    """Whether processes of the same user may read this one's memory and /proc files."""
    prctl(PR_SET_DUMPABLE, int(dumpable))


def close_inherited(keep: set[int], null: int | None = None) -> None:
    """Close every descriptor but ``keep``; 0, 1 and 2 not kept point at /dev/null.

    :param null: /dev/null opened beforehand, for a process whose mount namespace
        another one is rebuilding: /dev is an empty tmpfs there for a moment.
    """
    spared = keep if null is None else {*keep, null}
    low = 0
    for fd in [*sorted(spared), 2 ** 31 - 1]:
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    if {0, 1, 2} - keep:
        if null is None:
            null = os.open(os.devnull, os.O_RDWR)
        for fd in {0, 1, 2} - keep:
            if fd != null:
                os.dup2(null, fd)
    if null is not None and null not in keep and null > 2:
        os.close(null)


def lock(keep: set[int], network: bool = False) -> list[str]:
    """Leave the calling process nothing to escape with: only ``keep`` descriptors,
    no privileges to gain, no capabilities, and the seccomp filter. Irreversible."""
    close_inherited(keep)
    return restrict(network)


def restrict(network: bool = False) -> list[str]:
    """No privileges to gain, no capabilities, and the seccomp filter, for the calling
    process and every process it forks from now on. Irreversible.

    All three are inherited across fork(2): a fork server restricts itself once, and
    each child it forks starts as restricted as if it had done this itself.
    """
    notes = []
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as last:
            top = int(last.read())
    except (OSError, ValueError):
        top = 40
    for cap in range(top + 1):
        with contextlib.suppress(OSError):
            prctl(PR_CAPBSET_DROP, cap)
    with contextlib.suppress(OSError):
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    if libc().capset(ctypes.c_char_p(header), ctypes.c_char_p(bytes(24))) != 0:
        notes.append(f"capabilities not dropped: {os.strerror(ctypes.get_errno())}")
    machine = platform.machine()
    if machine not in AUDIT_ARCH:
        notes.append(f"no seccomp filter on {machine}")
        return notes
    code = seccomp_program(machine, not network)
    program = ctypes.create_string_buffer(code, len(code))
    fprog = ctypes.create_string_buffer(struct.pack(
        "HxxxxxxP", len(code) // 8, ctypes.addressof(program)))
    try:
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
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
                (equal, 0, "eperm", AUDIT_ARCH[machine]),
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
