"""Repository queries of GitRepo (discovery, HEAD, files at a commit) and its lock.

Every test drives real git repositories under ``tmp_path`` (see git_projects.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# The fixtures are imported: pytest finds them in this module's namespace.
from git_projects import (  # noqa: F401
    BASE_FILES,
    BRANCH,
    CHANGE,
    MESSAGE,
    commit_all,
    dirty_file_being_committed,
    git,
    init_repo,
    isolated_git_environment,
    project_fixture,
    snapshot,
    write_files,
)

from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.errors import GitError, NotARepositoryError


def test_discover_finds_the_work_tree_root_from_a_file_in_a_subdirectory(project: Path) -> None:
    repo = GitRepo.discover(project / "pkg" / "calc.py")

    assert repo.root == project.resolve()
    assert repo.head_branch() == "main"
    assert repo.relative(project / "docs" / "café notes.txt") == "docs/café notes.txt"


def test_discover_outside_any_repository_raises_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()

    with pytest.raises(NotARepositoryError, match="git init"):
        GitRepo.discover(plain)
    with pytest.raises(NotARepositoryError, match="does not exist"):
        GitRepo.discover(tmp_path / "missing")


def test_discover_on_a_bare_repository_raises_not_a_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")

    with pytest.raises(NotARepositoryError, match="bare"):
        GitRepo.discover(tmp_path / "bare.git")


def test_discover_inside_a_linked_worktree_gives_that_worktrees_root(project: Path) -> None:
    worktree = project.parent / "linked tree"
    git(project, "worktree", "add", "-q", "-b", "feature", str(worktree))
    dirty_file_being_committed(worktree)
    before = snapshot(worktree)

    repo = GitRepo.discover(worktree / "pkg")
    commit = repo.commit_files(BRANCH, CHANGE, MESSAGE, parent=repo.head_commit())

    assert repo.root == worktree.resolve()
    assert repo.head_branch() == "feature"
    assert snapshot(worktree, except_branch=BRANCH) == before
    assert git(project, "rev-parse", BRANCH).strip() == commit
    with pytest.raises(GitError, match="checked out"):
        GitRepo.discover(project).commit_files("feature", CHANGE, MESSAGE,
                                               parent=repo.head_commit())


def test_head_queries_describe_unborn_and_detached_heads(project: Path, tmp_path: Path) -> None:
    fresh = GitRepo.discover(init_repo(tmp_path / "fresh"))
    assert (fresh.head_commit(), fresh.head_branch()) == (None, "main")

    head = git(project, "rev-parse", "HEAD").strip()
    git(project, "checkout", "-q", "--detach")
    repo = GitRepo.discover(project)
    assert (repo.head_commit(), repo.head_branch()) == (head, None)


def test_file_at_returns_none_for_what_is_not_a_file_in_the_commit(project: Path) -> None:
    repo = GitRepo.discover(project)
    head = git(project, "rev-parse", "HEAD").strip()

    assert repo.file_at(head, "pkg/calc.py") == BASE_FILES["pkg/calc.py"]
    assert repo.file_at(head, "pkg/missing.py") is None
    assert repo.file_at(head, "pkg") is None
    with pytest.raises(GitError, match="not a commit"):
        repo.file_at("0" * 40, "pkg/calc.py")


def test_branch_head_looks_branch_names_up_literally(project: Path) -> None:
    first = git(project, "rev-parse", "HEAD").strip()
    write_files(project, {"README.md": b"again\n"})
    commit_all(project, "second")
    repo = GitRepo.discover(project)

    assert repo.branch_head("main") == repo.head_commit()
    assert repo.branch_head("main^") is None
    assert repo.branch_head("ma") is None
    assert first != repo.head_commit()


def test_a_path_outside_the_work_tree_is_a_git_error(project: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="outside the repository"):
        GitRepo.discover(project).relative(tmp_path / "elsewhere.py")


def test_without_a_git_executable_operations_raise_git_error(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo.discover(project)
    monkeypatch.setenv("PATH", str(tmp_path / "no binaries here"))

    with pytest.raises(GitError, match="install git"):
        repo.head_commit()


# -- one writer at a time --------------------------------------------------------------

LOCK_HOLDER = (
    "import sys\n"
    "from pytest_selfheal._vcs.gitrepo import GitRepo\n"
    "with GitRepo.discover(sys.argv[1]).lock():\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.read()  # hold it until the test closes our stdin, or kills us\n"
)


def hold_lock(root: Path) -> subprocess.Popen[str]:
    """Another process holding the repository's selfheal lock, once this returns."""
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(root)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"
    return holder


def test_a_second_writer_is_refused_the_lock_and_told_who_holds_it(project: Path) -> None:
    holder = hold_lock(project)
    try:
        expected = rf"another selfheal process \(pid {holder.pid}\)"
        with pytest.raises(GitError, match=expected), GitRepo.discover(project).lock(timeout_s=0):
            pass  # pragma: no cover - the lock is held
    finally:
        holder.communicate("")
    with GitRepo.discover(project).lock(timeout_s=0):
        pass  # released once its holder let go


def test_a_lock_whose_holder_was_killed_is_free_again(project: Path) -> None:
    holder = hold_lock(project)
    holder.kill()
    holder.communicate()

    with GitRepo.discover(project).lock(timeout_s=0):
        pass


def test_linked_worktrees_share_one_lock(project: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(project, "worktree", "add", "-q", "--detach", str(linked))
    holder = hold_lock(linked)
    try:
        with pytest.raises(GitError, match="still holds"), GitRepo.discover(project).lock(
                timeout_s=0):
            pass  # pragma: no cover - the lock is held
    finally:
        holder.communicate("")
