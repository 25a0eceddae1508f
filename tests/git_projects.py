"""Real git repositories for the gitrepo tests: helpers, a project, and what a user owns.

Each repository has its own local ``user.name``/``user.email``; :func:`isolate_git`
shuts the user's global and system git configuration out, so that what a test sees
does not depend on the machine it runs on.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_FILES = {
    "pkg/calc.py": b"def add(a, b):\n    return a - b\n",
    "run.sh": b"#!/bin/sh\necho old\n",
    "docs/café notes.txt": b"caf\xc3\xa9\n",
    "README.md": b"# demo\n",
}
CHANGE = {
    "pkg/calc.py": b"def add(a, b):\n    return a + b\n",
    "run.sh": b"#!/bin/sh\necho new\n",
    "new dir/ünïcode file.py": b"X = 1\n",
}
MESSAGE = (
    "selfheal: fix add in pkg/calc.py\n"
    "\n"
    "The operator was wrong.\n"
    "# this line is not a comment to strip\n"
    "\n"
    "Selfheal-Run: 20240101-000000\n"
    "Selfheal-Test: tests/test_calc.py::test_add\n"
)
BRANCH = "selfheal/20240101-000000-test_add"


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` the way a user would, and return its output."""
    return git_bytes(cwd, *args).decode("utf-8", "surrogateescape")


def git_bytes(cwd: Path, *args: str) -> bytes:
    completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "-c", "init.defaultBranch=main", "init", "-q")
    git(path, "config", "user.name", "Ada Lovelace")
    git(path, "config", "user.email", "ada@example.com")
    return path


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for relpath, content in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def commit_all(root: Path, subject: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", subject)
    return git(root, "rev-parse", "HEAD").strip()



def isolate_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                ) -> None:
    """Shut the user's git configuration and git environment variables out."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for variable in list(os.environ):
        if variable.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")) or variable in {
            "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "EMAIL",
            "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        }:
            monkeypatch.delenv(variable)


def make_project(tmp_path: Path) -> Path:
    """A repository with one commit: a module, an executable script, non-ASCII names."""
    root = init_repo(tmp_path / "my project")
    write_files(root, BASE_FILES)
    (root / "run.sh").chmod(0o755)
    commit_all(root, "initial")
    return root


# -- what the user owns ---------------------------------------------------------------


@dataclass(frozen=True)
class UserState:
    """Everything of the user's that writing a review branch must leave alone."""

    head: str
    symbolic_head: str
    index: bytes | None
    index_lock: bytes | None
    status: bytes
    files: dict[str, tuple[bytes, int]]
    stash: str
    refs: str


def snapshot(root: Path, *, except_branch: str | None = None) -> UserState:
    """The user's state; ``except_branch`` is the review branch written in between."""
    git_dir = Path(git(root, "rev-parse", "--absolute-git-dir").strip())
    index = git_dir / "index"
    lock = git_dir / "index.lock"
    head = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root,
                          capture_output=True, text=True, check=False).stdout.strip()
    symbolic = subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=False).stdout.strip()
    files = {}
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != ".git"]
        for name in names:
            path = Path(directory, name)
            if name != ".git":
                files[path.relative_to(root).as_posix()] = (
                    path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    refs = [line for line in git(root, "for-each-ref").splitlines()
            if not line.endswith(f"\trefs/heads/{except_branch}")]
    return UserState(
        head=head or "(unborn)",
        symbolic_head=symbolic,
        index=index.read_bytes() if index.exists() else None,
        index_lock=lock.read_bytes() if lock.exists() else None,
        # --no-optional-locks: status must not refresh the index it is comparing.
        status=git_bytes(root, "--no-optional-locks", "status", "--porcelain=v1", "-z",
                         "--untracked-files=all"),
        files=files,
        stash=git(root, "stash", "list"),
        refs="\n".join(refs),
    )


# -- the states a user's repository can be in -----------------------------------------


def dirty_file_being_committed(root: Path) -> None:
    (root / "pkg/calc.py").write_bytes(b"# work in progress\ndef add(a, b):\n    return 0\n")


@pytest.fixture(autouse=True)
def isolated_git_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    isolate_git(monkeypatch, tmp_path_factory)


@pytest.fixture(name="project")
def project_fixture(tmp_path: Path) -> Path:
    """A repository with one commit: a module, an executable script, non-ASCII names."""
    return make_project(tmp_path)
