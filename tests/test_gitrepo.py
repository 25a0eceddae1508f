"""Review branches are written beside the user's work and never into it.

Every test drives real git repositories under ``tmp_path``, each with its own local
``user.name``/``user.email``; the user's global and system git configuration is shut
out so that what a test sees does not depend on the machine it runs on.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.errors import GitError, NotARepositoryError

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


@pytest.fixture(autouse=True)
def isolated_git_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
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


def clean(root: Path) -> None:
    """Nothing changed since the last commit."""


def dirty_file_being_committed(root: Path) -> None:
    (root / "pkg/calc.py").write_bytes(b"# work in progress\ndef add(a, b):\n    return 0\n")


def untracked_files(root: Path) -> None:
    write_files(root, {"notes.txt": b"todo\n", "new dir/ünïcode file.py": b"mine\n"})


def staged_changes(root: Path) -> None:
    write_files(root, {"README.md": b"# staged\n", "pkg/staged.py": b"Y = 2\n",
                       "pkg/calc.py": b"def add(a, b):\n    return b - a\n"})
    git(root, "add", "README.md", "pkg/staged.py", "pkg/calc.py")


def detached_head(root: Path) -> None:
    write_files(root, {"README.md": b"# second\n"})
    commit_all(root, "second")
    git(root, "checkout", "-q", "--detach", "HEAD~1")


def no_commits_yet(root: Path) -> None:
    shutil.rmtree(root / ".git")
    init_repo(root)


def existing_stash(root: Path) -> None:
    (root / "pkg/calc.py").write_bytes(b"stashed once\n")
    git(root, "stash", "push", "-q")
    write_files(root, {"README.md": b"stashed twice\n", "loose.txt": b"untracked\n"})
    git(root, "stash", "push", "-q", "--include-untracked")


def locked_index(root: Path) -> None:
    # Another git process is in the middle of writing the index.
    Path(git(root, "rev-parse", "--absolute-git-dir").strip(), "index.lock").write_bytes(b"busy")


def existing_branch_with_the_same_name(root: Path) -> None:
    git(root, "branch", BRANCH)


STATES = [clean, dirty_file_being_committed, untracked_files, staged_changes, detached_head,
          no_commits_yet, existing_stash, locked_index, existing_branch_with_the_same_name]


@pytest.fixture(params=STATES, ids=lambda state: state.__name__)
def user_repo(request: pytest.FixtureRequest, project: Path) -> Path:
    state: Callable[[Path], None] = request.param
    state(project)
    return project


def write_fix(root: Path) -> tuple[GitRepo, str, str | None, str]:
    repo = GitRepo.discover(root / "pkg")
    parent = repo.head_commit()
    branch = repo.unique_branch_name(BRANCH)
    commit = repo.commit_files(branch, CHANGE, MESSAGE, parent=parent)
    return repo, branch, parent, commit


def test_writing_a_fix_branch_leaves_everything_of_the_users_byte_identical(
    user_repo: Path,
) -> None:
    before = snapshot(user_repo)
    _, branch, _, commit = write_fix(user_repo)
    after = snapshot(user_repo, except_branch=branch)

    assert after == before
    assert git(user_repo, "rev-parse", f"refs/heads/{branch}").strip() == commit


def test_the_fix_branch_holds_exactly_the_change_on_top_of_head(user_repo: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=user_repo,
                          capture_output=True, text=True, check=False).stdout.strip() or None
    repo, branch, parent, commit = write_fix(user_repo)

    assert parent == head
    assert git(user_repo, "rev-list", "--parents", "-n", "1", branch).split() == (
        [commit, parent] if parent else [commit])
    for relpath, content in CHANGE.items():
        assert git_bytes(user_repo, "show", f"{branch}:{relpath}") == content
        assert repo.file_at(commit, relpath) == content
    if parent is None:
        changed = git_bytes(user_repo, "ls-tree", "-r", "-z", "--name-only", branch)
    else:
        changed = git_bytes(user_repo, "diff", "--name-only", "-z", parent, branch)
        assert "+    return a + b" in repo.diff(parent, commit)
        assert repo.log_subjects(parent, commit) == ["selfheal: fix add in pkg/calc.py"]
    assert sorted(os.fsdecode(name) for name in changed.split(b"\0") if name) == sorted(CHANGE)
    script_mode = git(user_repo, "ls-tree", branch, "--", "run.sh").split()[0]
    assert script_mode == ("100755" if parent else "100644")


def test_an_existing_branch_name_gets_a_numbered_suffix_and_keeps_its_commit(
    project: Path,
) -> None:
    head = git(project, "rev-parse", "HEAD").strip()
    git(project, "branch", BRANCH)
    git(project, "branch", f"{BRANCH}-2")
    repo = GitRepo.discover(project)

    assert repo.unique_branch_name("selfheal/free") == "selfheal/free"
    branch = repo.unique_branch_name(BRANCH)
    repo.commit_files(branch, CHANGE, MESSAGE, parent=head)

    assert branch == f"{BRANCH}-3"
    assert repo.branch_head(BRANCH) == head
    assert repo.branch_head(f"{BRANCH}-2") == head


def test_a_name_with_branches_below_it_gets_a_numbered_suffix(project: Path) -> None:
    git(project, "branch", f"{BRANCH}/kept")
    repo = GitRepo.discover(project)

    branch = repo.unique_branch_name(BRANCH)
    repo.commit_files(branch, CHANGE, MESSAGE, parent=repo.head_commit())

    assert branch == f"{BRANCH}-2"
    assert repo.branch_head(f"{BRANCH}/kept") == repo.head_commit()


def test_a_branch_named_like_the_prefix_is_a_git_error_that_names_it(project: Path) -> None:
    git(project, "branch", "selfheal")
    repo = GitRepo.discover(project)

    with pytest.raises(GitError, match="a branch named 'selfheal' exists, so git cannot create "
                       "'selfheal/x' beside it; rename that branch or choose another branch "
                       r"prefix \(--selfheal-branch-prefix\)"):
        repo.unique_branch_name("selfheal/x")


def test_the_commit_message_is_stored_verbatim(project: Path) -> None:
    _, _, _, commit = write_fix(project)

    raw = git(project, "cat-file", "commit", commit)
    assert raw.split("\n\n", 1)[1] == MESSAGE


def test_author_and_committer_are_the_configured_user(project: Path) -> None:
    _, branch, _, _ = write_fix(project)

    assert git(project, "log", "-1", "--format=%an <%ae>|%cn <%ce>", branch).strip() == (
        "Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>")


def test_without_a_configured_user_the_commit_falls_back_to_selfheal(project: Path) -> None:
    git(project, "config", "--unset", "user.name")
    git(project, "config", "--unset", "user.email")
    _, branch, _, _ = write_fix(project)

    assert git(project, "log", "-1", "--format=%an <%ae>|%cn <%ce>", branch).strip() == (
        "pytest-selfheal <selfheal@localhost>|pytest-selfheal <selfheal@localhost>")


def test_two_commits_in_a_row_on_one_branch_chain_onto_each_other(project: Path) -> None:
    repo = GitRepo.discover(project)
    head = repo.head_commit()
    first = repo.commit_files(BRANCH, {"pkg/calc.py": b"first\n"}, "first\n", parent=head)
    second = repo.commit_files(BRANCH, {"pkg/calc.py": b"second\n"}, "second\n", parent=first)

    assert repo.branch_head(BRANCH) == second
    assert git(project, "rev-list", "--parents", "-n", "1", second).split() == [second, first]
    assert head is not None
    assert repo.log_subjects(head, BRANCH) == ["first", "second"]
    assert repo.file_at(first, "pkg/calc.py") == b"first\n"
    assert repo.file_at(second, "pkg/calc.py") == b"second\n"


def test_a_branch_that_moved_since_its_parent_was_read_is_not_overwritten(
    project: Path,
) -> None:
    repo = GitRepo.discover(project)
    head = repo.head_commit()
    first = repo.commit_files(BRANCH, {"pkg/calc.py": b"first\n"}, "first\n", parent=head)
    git(project, "branch", "-f", BRANCH, "main")

    with pytest.raises(GitError, match="points at"):
        repo.commit_files(BRANCH, {"pkg/calc.py": b"second\n"}, "second\n", parent=first)
    with pytest.raises(GitError, match="points at"):
        repo.commit_files(BRANCH, {"pkg/calc.py": b"root\n"}, "root\n", parent=None)
    assert repo.branch_head(BRANCH) == head


def test_committed_bytes_are_exactly_the_given_bytes_with_autocrlf(project: Path) -> None:
    git(project, "config", "core.autocrlf", "true")
    write_files(project, {".gitattributes": b"*.py text eol=crlf\n"})
    commit_all(project, "line endings")
    repo = GitRepo.discover(project)
    files = {"pkg/calc.py": b"mixed\r\nendings\n", "pkg/lf.py": b"lf\nonly\n"}
    commit = repo.commit_files(BRANCH, files, "eol\n", parent=repo.head_commit())

    for relpath, content in files.items():
        assert git_bytes(project, "cat-file", "blob", f"{commit}:{relpath}") == content
        assert repo.file_at(commit, relpath) == content


def test_a_branch_checked_out_somewhere_is_refused(project: Path) -> None:
    repo = GitRepo.discover(project)
    head = repo.head_commit()

    with pytest.raises(GitError, match="checked out"):
        repo.commit_files("main", CHANGE, MESSAGE, parent=head)
    assert repo.head_commit() == head


def test_a_branch_name_git_would_reject_is_a_git_error(project: Path) -> None:
    repo = GitRepo.discover(project)

    with pytest.raises(GitError, match="not a valid branch name"):
        repo.unique_branch_name("selfheal/test_add[1-2]")
    with pytest.raises(GitError, match="not a valid branch name"):
        repo.commit_files("bad..name", CHANGE, MESSAGE, parent=repo.head_commit())


def test_a_file_cannot_be_added_below_a_path_that_is_a_file(project: Path) -> None:
    repo = GitRepo.discover(project)

    with pytest.raises(GitError, match=r"run\.sh is a file"):
        repo.commit_files(BRANCH, {"run.sh/inner.py": b""}, "x\n", parent=repo.head_commit())
    assert repo.branch_head(BRANCH) is None


def test_concurrent_writers_on_different_branches_do_not_disturb_each_other(
    project: Path,
) -> None:
    before = snapshot(project)
    head = git(project, "rev-parse", "HEAD").strip()
    script = (
        "import sys\n"
        "from pytest_selfheal._vcs.gitrepo import GitRepo\n"
        "root, n, head = sys.argv[1:]\n"
        "repo = GitRepo.discover(root)\n"
        "files = {'pkg/calc.py': f'# writer {n}\\n'.encode(), f'pkg/w{n}.py': n.encode()}\n"
        "repo.commit_files(f'selfheal/writer-{n}', files, f'writer {n}\\n', parent=head)\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(project), str(n), head],
                                stderr=subprocess.PIPE) for n in range(6)]
    errors = [writer.communicate()[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0] * 6, errors
    for n in range(6):
        branch = f"selfheal/writer-{n}"
        assert git_bytes(project, "show", f"{branch}:pkg/calc.py") == f"# writer {n}\n".encode()
        assert git(project, "diff", "--name-only", head, branch).split() == [
            "pkg/calc.py", f"pkg/w{n}.py"]
    git(project, "fsck", "--strict", "--no-dangling")
    after = snapshot(project)
    assert after.refs.count("refs/heads/selfheal/writer-") == 6
    assert (after.index, after.status, after.files) == (before.index, before.status, before.files)


# -- finding the repository -------------------------------------------------------------


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
