"""Git access of pytest-selfheal: review branches written beside the user's work.

The one home of GitPython is :mod:`pytest_selfheal._vcs.gitrepo.commands`; the modules of this
package add to its command runner, and :class:`GitRepo` puts them together:

- :mod:`~pytest_selfheal._vcs.gitrepo.plumbing`: reading commits and writing review
  branches with object plumbing only (HEAD, index, work tree, stash never touched);
- :mod:`~pytest_selfheal._vcs.gitrepo.review`: listing, applying and dropping review
  branches, and the per-repository lock;
- :mod:`~pytest_selfheal._vcs.gitrepo.staging`: the staged tree and temporary worktrees
  for the pre-commit hook.

Every failure surfaces as :class:`~pytest_selfheal.errors.GitError`.
"""

from __future__ import annotations

import os

from pytest_selfheal._vcs.gitrepo.commands import discover_paths, init_work_tree
from pytest_selfheal._vcs.gitrepo.plumbing import TreeEntry
from pytest_selfheal._vcs.gitrepo.review import BranchTip, CommitRecord, Review
from pytest_selfheal._vcs.gitrepo.staging import Staging

__all__ = ["BranchTip", "CommitRecord", "GitRepo", "TreeEntry", "init_repository"]


class GitRepo(Review, Staging):
    """A git work tree, driven through the ``git`` command line by GitPython."""

    @classmethod
    def discover(cls, path: str | os.PathLike[str]) -> GitRepo:
        """The work tree containing ``path`` (the linked worktree's own root, if any).

        :raises NotARepositoryError: when no repository contains ``path``, or it is bare.
        """
        return cls(*discover_paths(path))


def init_repository(path: str | os.PathLike[str], message: str) -> GitRepo:
    """Make ``path`` a new repository on branch ``main`` holding all its files in one commit.

    For fresh scratch projects (the demo), never for a user's existing work tree.
    """
    init_work_tree(path)
    repo = GitRepo.discover(path)
    repo._run("add", "-A")
    repo._run("commit", "-q", "--no-gpg-sign", "-m", message, env=repo._identity())
    return repo
