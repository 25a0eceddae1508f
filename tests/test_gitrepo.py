"""Review branches are written beside the user's work and never into it.

Every test drives real git repositories under ``tmp_path`` (see git_projects.py); the
repository queries and the lock are tested in test_gitrepo_queries.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The fixtures are imported: pytest finds them in this module's namespace.
from git_projects import (  # noqa: F401
    BRANCH,
    CHANGE,
    MESSAGE,
    commit_all,
    dirty_file_being_committed,
    git,
    git_bytes,
    init_repo,
    isolated_git_environment,
    project_fixture,
    snapshot,
    write_files,
)

from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.errors import GitError


def clean(root: Path) -> None:
    """Nothing changed since the last commit."""


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
