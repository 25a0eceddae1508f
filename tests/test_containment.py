"""Hostile candidates: the session survives, the project is untouched, nothing lingers.

A scripted engine, plugged in through the `pytest_selfheal_make_engine` hook of a
project's conftest.py, proposes hostile rewrites of a buggy function before the real
fix. Some are written to slip past static screening (`getattr(os, "fo" + "rk")`), so
that the containment of the child processes is what stops them.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pytest_selfheal._evaluate.contain import ProcessCage
from pytest_selfheal.testing import make_git_project

OPS = '''\
import os
import shutil
import socket


def double(x):
    return x + x + 1


def hostname():
    return socket.gethostname()
'''

TESTS = '''\
from calc.ops import double


def test_double():
    assert double(2) == 4


def test_double_zero():
    assert double(0) == 0
'''

ROOT_EXPRESSION = "os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))"

#: change description -> replacement for `return x + x + 1`
HOSTILE = {
    "loops forever": "while True:\n        pass",
    "allocates without bound": "hog = []\n    while True:\n        hog.append(bytearray(2**31))",
    "calls os._exit": 'getattr(os, "_ex" + "it")(3)',
    "calls sys.exit": "raise SystemExit(1)",
    "kills its parent": 'getattr(os, "ki" + "ll")(os.getppid(), 9)',
    "deletes the project": f'getattr(shutil, "rmt" + "ree")({ROOT_EXPRESSION})',
    "writes into the tests": (
        f'path = os.path.join({ROOT_EXPRESSION}, "tests", "te" + "st_ops.py")\n'
        '    getattr(os, "trunc" + "ate")(path, 0)'
    ),
    "opens a network connection": (
        'getattr(socket, "create_" + "connection")(("127.0.0.1", '
        'int(os.environ["HOSTILE_PORT"])), timeout=2)\n    return x * 2'
    ),
    "is screened for deleting files": f"shutil.rmtree({ROOT_EXPRESSION})",
    "is screened for reading the test id": 'return x * 2 if os.environ.get("PYTEST_CURRENT_TEST") '
    "else 0",
}
FORK_BOMB = {"fork-bombs": 'while True:\n        getattr(os, "fo" + "rk")()'}

CONFTEST = '''\
import pytest

from pytest_selfheal.engines.base import Engine
from pytest_selfheal.models import Candidate

HOSTILE = {hostile!r}


class Scripted(Engine):
    name = "scripted"

    def propose(self, task, feedback):
        if feedback:
            return []
        function = task.suspects[0].function
        source = task.sources[function.path]
        made = [
            Candidate(function, source.replace("return x + x + 1", body), "hostile", change,
                      function.lineno + 1)
            for change, body in HOSTILE.items()
        ]
        fix = source.replace("return x + x + 1", "return x + x")
        return made + [Candidate(function, fix, "fix", "the fix", function.lineno + 1)]


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_make_engine(config, settings):
    return Scripted()
'''


def project_files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and ".git" not in path.parts and "__pycache__" not in path.parts
            and ".pytest_cache" not in path.parts and path.name != "report.json"
            # selfheal's own state directory (HTML reports), ignored by git.
            and ".selfheal" not in path.parts}


def processes_under(directory: Path) -> list[str]:
    """Processes whose working directory is inside ``directory``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(directory)):
            found.append(f"{entry.name}: {cwd}")
    return found


@pytest.fixture
def listener():
    """A TCP server on loopback that counts the connections a candidate makes to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def run_hostile(pytester: pytest.Pytester, tmp_path: Path, hostile: dict[str, str],
                port: int, tests: str = TESTS) -> tuple[pytest.RunResult, dict[str, object], Path]:
    root = tmp_path / "project"
    make_git_project(root, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".gitignore": "__pycache__/\n",
        "conftest.py": CONFTEST.format(hostile=hostile),
        "src/calc/__init__.py": "",
        "src/calc/ops.py": OPS,
        "tests/test_ops.py": tests,
    })
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = project_files(root)
    os.chdir(root)
    pytester._monkeypatch.setenv("TMPDIR", str(scratch))  # where the scratch copies go
    pytester._monkeypatch.setenv("HOSTILE_PORT", str(port))
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report",
                          "report.json", "-p", "no:randomly", timeout=300)
    report = json.loads((root / "report.json").read_text())
    assert project_files(root) == before
    assert processes_under(scratch) == []
    return result, report, root


def reasons(heal: dict) -> dict[str, str]:
    found = {entry["change"]: entry["reason"] for entry in heal["leaderboard"]}
    found.update((entry["change"], entry["reason"]) for entry in heal["rejections"])
    return found


def test_hostile_candidates_fail_with_their_reasons_and_harm_nothing(
    pytester: pytest.Pytester, tmp_path: Path, listener, monkeypatch: pytest.MonkeyPatch
):
    port, accepted = listener
    result, report, _ = run_hostile(pytester, tmp_path, HOSTILE, port)

    # The session survived every candidate and the real fix still won.
    result.assert_outcomes(failed=1, passed=1)
    (heal,) = report["heals"]
    assert heal["status"] == "healed"
    assert heal["change"] == "the fix"
    why = reasons(heal)
    assert set(why) == {*HOSTILE, "the fix"}
    # Cut off at a few times what the unchanged code was measured to take.
    assert re.search(r"timed out after \d+\.\d+s$", why["loops forever"]), why["loops forever"]
    assert "MemoryError" in why["allocates without bound"]
    assert "ended abruptly with exit code 3" in why["calls os._exit"]
    assert "SystemExit" in why["calls sys.exit"]
    # The session lives (this test got its verdicts); inside its PID namespace the
    # candidate's parent is pid 0, so the kill reaches its own process group at most.
    assert why["kills its parent"] != "passed"
    assert "Read-only file system" in why["deletes the project"]
    assert "Read-only file system" in why["writes into the tests"]
    assert "ConnectionRefusedError" in why["opens a network connection"]
    assert why["is screened for deleting files"] == (
        "rejected by screening: calls shutil.rmtree, which deletes files (the original did not)")
    assert why["is screened for reading the test id"] == (
        "rejected by screening: mentions 'PYTEST_CURRENT_TEST', which looks for the tests "
        "(the original did not)")
    assert heal["rejected"] == 2
    assert accepted == []  # no candidate reached the loopback server of the host


@pytest.mark.skipif(ProcessCage(8).path is None and os.geteuid() == 0,
                    reason="needs a writable pids cgroup (or a non-root user) to cap processes")
def test_a_fork_bomb_is_capped_and_cleaned_up(pytester: pytest.Pytester, tmp_path: Path):
    # A test that takes a second gives candidates a few seconds: far more than a capped
    # bomb needs to fail, so what stops it is the cap, not the time limit.
    slow = TESTS.replace("def test_double():\n", "def test_double():\n    time.sleep(1)\n")
    result, report, _ = run_hostile(pytester, tmp_path, FORK_BOMB, 0, "import time\n" + slow)
    result.assert_outcomes(failed=1, passed=1)
    (heal,) = report["heals"]
    assert heal["status"] == "healed"
    assert "BlockingIOError" in reasons(heal)["fork-bombs"]


#: Marks its scratch copy (writable, seen from outside the cage), then loops.
MARK_AND_LOOP = {"loops after saying so": (
    'os.close(os.open("candidate-started", os.O_CREAT | os.O_WRONLY))\n'
    "    while True:\n        pass")}


def wait_for(condition, what: str, limit_s: float = 60.0) -> None:
    """Poll ``condition`` until it holds: what the test waits for happens in processes
    it has no channel to."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("evaluator", ["auto", "subprocess"])
def test_a_killed_session_leaves_no_process_and_its_scratch_goes_at_the_next_run(
    pytester: pytest.Pytester, tmp_path: Path, evaluator: str
):
    root = tmp_path / "project"
    make_git_project(root, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".gitignore": "__pycache__/\n",
        "conftest.py": CONFTEST.format(hostile=MARK_AND_LOOP),
        "src/calc/__init__.py": "",
        "src/calc/ops.py": OPS,
        "tests/test_ops.py": TESTS,
    })
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    os.chdir(root)
    pytester._monkeypatch.setenv("TMPDIR", str(scratch))
    command = [sys.executable, "-m", "pytest", "--selfheal", "-p", "no:randomly",
               "--selfheal-evaluator", evaluator]
    session = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any(scratch.glob("*/project/candidate-started")),
                 "the candidate to start")
    finally:
        session.kill()  # SIGKILL: the session cleans nothing up itself
        session.wait()
    wait_for(lambda: not processes_under(scratch), "the session's children to die")
    assert [path.name for path in scratch.iterdir()
            if path.name.startswith(f"selfheal-{session.pid}-")]

    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "healed" in again.stdout
    assert not [path.name for path in scratch.iterdir()
                if path.name.startswith(f"selfheal-{session.pid}-")]
