"""The cage on its own: what a process started by its launcher can and cannot do.

Runs as whatever user runs the suite; CI runs this module as root and as an
unprivileged user (a user namespace is what builds the cage there).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_selfheal._evaluate import cage
from pytest_selfheal._evaluate.scrub import forget

INSIDE = r'''
import ctypes, json, os, socket, subprocess, sys
seen = {"uid": os.getuid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "descriptors": sorted(int(fd) for fd in os.listdir("/proc/self/fd"))}

def attempt(path):
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
        return "written"
    except OSError as exc:
        return exc.strerror

for name, path in json.loads(sys.argv[1]).items():
    seen[name] = attempt(path)
libc = ctypes.CDLL(None, use_errno=True)
for name, call in {"unshare": lambda: libc.unshare(0x10000000),
                   "setns": lambda: libc.setns(os.open("/proc/self/ns/net", os.O_RDONLY), 0),
                   "mount": lambda: libc.mount(b"none", b"/mnt", b"tmpfs", 0, None),
                   "ptrace": lambda: libc.ptrace(16, 1, 0, 0)}.items():
    seen[name] = os.strerror(ctypes.get_errno()) if call() != 0 else "allowed"
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2)
    seen["host listener"] = "connected"
except OSError as exc:
    seen["host listener"] = exc.strerror
server = socket.create_server(("127.0.0.1", 0))
with socket.create_connection(server.getsockname()):
    seen["own loopback"] = "connected"
seen["subprocess"] = subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                    capture_output=True, text=True).stdout.strip()
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
seen["capabilities"] = int(status["CapEff"], 16) | int(status["CapBnd"], 16)
seen["no_new_privs"] = status["NoNewPrivs"].strip()
print(json.dumps(seen))
'''


def test_a_caged_process_sees_only_its_namespace_and_writes_only_its_scratch(tmp_path: Path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "inside.py").write_text(INSIDE)
    home = Path.home()
    targets = {"scratch": str(scratch / "out"), "project": str(tmp_path / "project-file"),
               "home": str(home / ".selfheal-cage-test"), "private tmp": "/tmp/cage-test",
               "virtualenv": os.path.join(sys.prefix, "cage-test.pth")}
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    # The interpreter must stay visible when the checkout and its virtualenv are under
    # /tmp, which the cage replaces with a private one (as the plugin's cages do).
    spec = cage.CageSpec(writable=(str(scratch),), visible=(str(tmp_path), sys.prefix),
                         parent=os.getpid())
    inherited = os.open(os.devnull, os.O_RDONLY)  # no descriptor survives but 0, 1, 2
    os.set_inheritable(inherited, True)
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", cage.__file__, spec.to_json(), "--",
             sys.executable, "inside.py", json.dumps(targets), str(listener.getsockname()[1])],
            cwd=scratch, capture_output=True, text=True, timeout=60, close_fds=False)
    finally:
        os.close(inherited)
    with listener, pytest.raises(BlockingIOError):
        listener.accept()  # nothing connected to the host's listener
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["uid"] == os.getuid()
    assert seen["pids"] == [1, 2]  # its init and itself: not the session
    assert seen["scratch"] == "written"
    assert seen["private tmp"] == "written"
    for outside in ("project", "home", "virtualenv"):
        assert seen[outside] in ("Read-only file system", "Permission denied"), outside
    assert not (tmp_path / "project-file").exists()
    assert not Path("/tmp/cage-test").exists()
    for call in ("unshare", "setns", "mount", "ptrace"):
        assert seen[call] == "Operation not permitted", call
    assert seen["host listener"] == "Connection refused"
    assert seen["own loopback"] == "connected"
    assert seen["subprocess"] == "42"
    assert seen["descriptors"] == [0, 1, 2, 3]  # 3: the listing itself
    assert seen["capabilities"] == 0
    assert seen["no_new_privs"] == "1"


def test_the_launcher_exits_as_its_command_did(tmp_path: Path):
    spec = cage.CageSpec(writable=(str(tmp_path),), visible=(sys.prefix,))
    command = [sys.executable, "-I", "-S", cage.__file__, spec.to_json(), "--", sys.executable]
    exited = subprocess.run([*command, "-c", "raise SystemExit(3)"], cwd=tmp_path, timeout=60)
    killed = subprocess.run([*command, "-c", "import os; os.kill(os.getpid(), 9)"],
                            cwd=tmp_path, timeout=60)
    assert exited.returncode == 3
    assert killed.returncode == -9


def test_forget_overwrites_every_copy_of_a_secret_in_memory():
    secret = "".join(["sk-", "forget-", os.urandom(8).hex()])
    held = {"header": f"Bearer {secret}".encode(), "text": "key=" + secret}
    assert forget([secret]) >= 3  # the two above and the secret itself
    assert secret.startswith("*")
    assert held["header"].endswith(b"*" * 26)
    assert "forget-" not in held["text"]
