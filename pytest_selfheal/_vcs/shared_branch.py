"""One review branch shared by every pytest-xdist worker of a run.

Each worker heals the failures of the tests it ran, in its own process, and commits its
fixes itself: the controller names the branch before any worker starts, and every worker
builds on that branch's tip as it finds it under the repository lock. So commits of
several workers line up one after the other on the one branch and none is lost, even
when two workers fixed the same file: the later fix is merged into what the branch
already holds (a three-way merge of the two edits), as a user would rebase it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal.errors import GitError

if TYPE_CHECKING:
    from pytest_selfheal._vcs.gitrepo import GitRepo


def shared_parent(repo: GitRepo, branch: str) -> str | None:
    """The commit a worker's next fix goes on: the shared branch's tip, or HEAD when no
    worker has committed yet. Called with the repository lock held."""
    tip = repo.branch_head(branch)
    if tip is not None:
        return tip
    if repo.unique_branch_name(branch) != branch:
        # Something below the name (selfheal/x/...) blocks it; the controller's name is
        # unique to the run, so nothing of the user's may be written over.
        raise GitError(f"branch {branch} cannot be created beside the existing branches")
    return repo.head_commit()


def merged_with_siblings(repo: GitRepo, parent: str,
                         changes: Mapping[str, tuple[str, str]]) -> dict[str, bytes]:
    """The fix's text of each file another worker already changed on the branch, merged
    with that worker's change; files nobody else touched are not in the result.

    :param changes: repository-relative path to (text the fix was made on, fixed text).
    :raises GitError: when the two changes of a file conflict.
    """
    head = repo.head_commit()
    merged = {}
    for relpath, (old, new) in changes.items():
        on_branch = repo.file_at(parent, relpath)
        if on_branch is None or on_branch == old.encode("utf-8"):
            continue  # nobody else changed it since this worker read it
        if head is not None and on_branch == repo.file_at(head, relpath):
            continue  # the branch has the committed file: the user changed it, not a worker
        result = repo.merge_texts(old.encode("utf-8"), new.encode("utf-8"), on_branch)
        if result is None:
            raise GitError(f"the fix of {relpath} conflicts with the fix another xdist worker "
                           "of this run committed to it first")
        merged[relpath] = result
    return merged


def withdraw_shared(repo: GitRepo, branch: str, run_id: str, fix: str, below: str) -> None:
    """Take ``fix`` (and the snapshot commits under it) off the shared branch, back to
    ``below``, the commit it was built on; the branch goes when nothing of the run is
    left on it. Called with the repository lock held.

    :raises GitError: when another worker has committed on top of ``fix`` meanwhile.
    """
    base = repo.first_parent_log(below, limit=1)[0]
    if run_id in base.trailer_values(commits.RUN):
        repo.move_branch(branch, below, fix)
    else:
        repo.delete_branch(branch, fix)
