"""The run branch that pytest-xdist workers share, written through real git repositories.

Each worker has its own run state and only learns what the others committed from the
branch itself; two run states over one repository are two workers here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal._vcs.landing import (
    Destination,
    Fix,
    Landing,
    RunState,
    commit_fix,
    withdraw_fix,
)
from pytest_selfheal.models import Candidate, Failure, Fitness, FunctionRef
from pytest_selfheal.testing import git, make_git_project

OPS = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a + b\n"
BRANCH = "selfheal/20260101-120000-xdist-0123abcd"
STARTED = datetime(2026, 1, 1, 12, 0, 0)


def worker() -> RunState:
    return RunState(started=STARTED, shared_branch=BRANCH)


def fix_of(qualname: str, old: str, new: str) -> Fix:
    function = FunctionRef("ops.py", qualname, 1, 2)
    candidate = Candidate(function, new, "binary-swap", f"fix {qualname}", 2)
    failure = Failure(f"tests/test_ops.py::test_{qualname}", "call", "AssertionError", "",
                      "")
    return Fix(failure, candidate, {"ops.py": old}, Fitness(1.0, 1, 1, 0.0, 0.0, None), 1,
               "offline", None)


def land(root: Path, state: RunState, fix: Fix) -> tuple[str | None, list[str]]:
    notes: list[str] = []
    destination = Destination(GitRepo.discover(root), "", root, "selfheal/")
    _, commit = commit_fix(destination, state, fix, notes)
    return commit, notes


def test_a_worker_builds_on_the_fix_another_worker_made_to_the_same_file(tmp_path: Path):
    root = make_git_project(tmp_path / "p", {"ops.py": OPS})
    first, second = worker(), worker()
    fixed_add = OPS.replace("a - b", "a + b")
    fixed_mul = OPS.replace("return a + b\n", "return a * b\n")

    one, _ = land(root, first, fix_of("add", OPS, fixed_add))
    two, notes = land(root, second, fix_of("mul", OPS, fixed_mul))

    assert notes == []
    assert git(root, "rev-list", f"main..{BRANCH}").split() == [two, one]
    assert git(root, "show", f"{BRANCH}:ops.py") == (
        "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n")
    assert git(root, "status", "--porcelain") == ""


def test_the_same_fix_found_by_two_workers_is_committed_once_as_a_change(tmp_path: Path):
    root = make_git_project(tmp_path / "p", {"ops.py": OPS})
    fixed = OPS.replace("a - b", "a + b")
    land(root, worker(), fix_of("add", OPS, fixed))

    two, notes = land(root, worker(), fix_of("add", OPS, fixed))

    # Each heal has its commit; the second one finds the change already made.
    assert notes == []
    assert git(root, "rev-parse", BRANCH).strip() == two
    assert git(root, "show", f"{BRANCH}:ops.py") == fixed
    assert git(root, "diff", f"{BRANCH}~1", BRANCH) == ""


def test_fixes_that_conflict_leave_the_first_on_the_branch_and_say_why(tmp_path: Path):
    root = make_git_project(tmp_path / "p", {"ops.py": OPS})
    one, _ = land(root, worker(), fix_of("add", OPS, OPS.replace("a - b", "a + b")))

    two, notes = land(root, worker(), fix_of("add", OPS, OPS.replace("a - b", "b + a")))

    assert two is None
    assert notes == ["no branch written: the fix of ops.py conflicts with the fix another "
                     "xdist worker of this run committed to it first"]
    assert git(root, "rev-parse", BRANCH).strip() == one


def withdraw(root: Path, state: RunState) -> list[str]:
    notes: list[str] = []
    landing = Landing((("ops.py", "", ""),), None, None, applied=False)
    withdraw_fix(GitRepo.discover(root), state, landing, root, notes)
    return notes


def test_a_withdrawn_fix_leaves_the_other_workers_commits_alone(tmp_path: Path):
    root = make_git_project(tmp_path / "p", {"ops.py": OPS, "other.py": "X = 1\n"})
    first, second = worker(), worker()
    one, _ = land(root, first, fix_of("add", OPS, OPS.replace("a - b", "a + b")))
    two, _ = land(root, second, fix_of("mul", OPS, OPS.replace("return a + b\n",
                                                                  "return a * b\n")))

    # The second worker's fix failed its re-run: only its own commit goes.
    assert withdraw(root, second) == []
    assert git(root, "rev-parse", BRANCH).strip() == one
    # The first worker's fix is withdrawn too: the branch holds nothing of the run.
    assert withdraw(root, first) == []
    assert git(root, "branch", "--list", BRANCH) == ""
    assert two is not None


def test_a_fix_with_another_workers_commit_on_top_stays_with_a_note(tmp_path: Path):
    root = make_git_project(tmp_path / "p", {"ops.py": OPS})
    first, second = worker(), worker()
    land(root, first, fix_of("add", OPS, OPS.replace("a - b", "a + b")))
    two, _ = land(root, second, fix_of("mul", OPS, OPS.replace("return a + b\n",
                                                                  "return a * b\n")))

    notes = withdraw(root, first)

    assert git(root, "rev-parse", BRANCH).strip() == two
    assert len(notes) == 1
    assert notes[0].startswith(f"the commit of the withdrawn fix is still on {BRANCH}:")
