"""Fix branches built as the healer builds them, and the ``selfheal`` command run as a
user runs it: shared by the review command's test modules."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.models import Candidate, Failure, Fitness, FunctionRef
from pytest_selfheal.testing import git

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age > 18
'''
FIXED_RULES = RULES.replace("age > 18", "age >= 18")
TESTS = '''\
from ages.rules import is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_not_adult_at_17():
    assert not is_adult(17)
'''
PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "README.md": "# ages\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": RULES,
    "tests/test_rules.py": TESTS,
}
NODEID = "tests/test_rules.py::test_adult_at_18"
ANSI = "\x1b["


def selfheal(root: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    """The ``selfheal`` command in its own process, started in ``root``."""
    return subprocess.run([sys.executable, "-m", "pytest_selfheal.cli", *args], cwd=root,
                          capture_output=True, text=True, timeout=120, check=False,
                          **options)  # type: ignore[call-overload]


def fix_message(run_id: str = "20240101-120000", nodeid: str = NODEID) -> str:
    function = FunctionRef("src/ages/rules.py", "is_adult", 1, 3)
    return commits.fix_message(
        [Failure(nodeid, "call", "AssertionError", "assert False", "")], commits.FixFacts(
            Candidate(function, FIXED_RULES, "compare-swap",
                      "line 3: `age > 18` -> `age >= 18`", 3),
            "src/ages/rules.py", fitness=Fitness(1.0, 2, 2, 0.001, 0.001, None),
            candidates_evaluated=3, lines_changed=2, run_id=run_id, engine="offline",
            model=None))


def make_fix_branch(root: Path, name: str, *, rules: str = FIXED_RULES,
                    snapshot: str | None = None) -> str:
    """Write a selfheal branch as the healer does: on HEAD, an optional snapshot under it."""
    repo = GitRepo.discover(root)
    parent = repo.head_commit()
    if snapshot is not None:
        parent = repo.commit_files(name, {"src/ages/rules.py": snapshot.encode()},
                                   commits.snapshot_message("uncommitted changes to "
                                                            "src/ages/rules.py", "20240101"),
                                   parent=parent)
    return repo.commit_files(name, {"src/ages/rules.py": rules.encode()}, fix_message(),
                             parent=parent)


def state(root: Path) -> tuple[str, str, str, bytes]:
    """HEAD, what is staged, ``git status`` and the suspect file: what apply must not half-do.

    The staged entries rather than the index file's bytes: an aborted cherry-pick
    restores the files it touched, which refreshes their cached stat data in the index.
    """
    return (git(root, "rev-parse", "HEAD"), git(root, "ls-files", "--stage"),
            git(root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"),
            (root / "src/ages/rules.py").read_bytes())


def on_terminal(root: Path, *args: str, **environment: str) -> tuple[str, str]:
    """Run ``selfheal ARGS`` with stdout and stderr on pseudo-terminals; return both."""
    outputs = []
    masters, slaves = zip(*(pty.openpty() for _ in range(2)), strict=True)
    command = [sys.executable, "-m", "pytest_selfheal.cli", *args]
    with subprocess.Popen(command, cwd=root, stdout=slaves[0], stderr=slaves[1],
                          env={**os.environ, "TERM": "xterm", **environment}) as process:
        for slave in slaves:
            os.close(slave)
        for master in masters:
            chunks = []
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed its end
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(master)
            outputs.append(b"".join(chunks).decode())
        assert process.wait(timeout=120) == 0, outputs
    return outputs[0], outputs[1]
