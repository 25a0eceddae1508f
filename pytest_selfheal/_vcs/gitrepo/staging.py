"""The staged content as a commit, checked out in a temporary linked worktree.

What the pre-commit hook needs: the tree the user is about to commit, and a work tree
holding exactly that tree in which ``pytest --selfheal`` can run and write its branches
to the user's repository. The user's index is only ever read (from a copy), and the
linked worktree has its own HEAD and index.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pytest_selfheal._vcs.gitrepo.plumbing import Plumbing
from pytest_selfheal.errors import GitError


class Staging(Plumbing):
    """Snapshots of the index and temporary worktrees."""

    def index_path(self) -> Path:
        """This work tree's own index file."""
        return self.git_dir / "index"

    def staged_tree(self, index: Path) -> str:
        """The tree of the index file ``index``, written from a copy of it.

        ``git write-tree`` refreshes the cache-tree extension of the index it reads and
        may write that index back; working on a copy leaves the user's bytes alone.
        """
        with tempfile.TemporaryDirectory(prefix="selfheal-index-") as scratch:
            copy = Path(scratch) / "index"
            try:
                if index.exists():
                    shutil.copyfile(index, copy)
            except OSError as exc:
                raise GitError(f"cannot read the index {index}: {exc}") from exc
            # No index file at all (nothing ever staged): the empty tree.
            return self._text("write-tree", env={"GIT_INDEX_FILE": os.fspath(copy)})

    def add_worktree(self, path: Path, commit: str) -> None:
        """Register ``path`` as a linked worktree detached at ``commit``, files not written.

        ``--no-checkout``: a checkout here would run the user's ``post-checkout`` hook
        and, inside a hook, could follow an inherited ``GIT_INDEX_FILE``; the new work
        tree is filled by :meth:`fill_work_tree` from inside it instead.
        """
        self._run("worktree", "add", "--quiet", "--detach", "--no-checkout", os.fspath(path),
                  self._verify_commit(commit))

    def fill_work_tree(self) -> None:
        """Write HEAD's tree into this (new, empty) work tree and its own index."""
        self._run("read-tree", "-u", "--reset", "HEAD")

    def remove_worktree(self, path: Path) -> None:
        """Delete the linked worktree at ``path`` and its entry in the git directory."""
        status, _, _ = self._execute(["worktree", "remove", "--force", "--force",
                                        os.fspath(path)])
        if status != 0:
            shutil.rmtree(path, ignore_errors=True)
            self.prune_worktrees(lambda work_tree: work_tree == path)

    def prune_worktrees(self, is_ours: Callable[[Path], bool]) -> list[Path]:
        """Forget linked worktrees whose directory is gone and that ``is_ours`` accepts.

        Unlike ``git worktree prune``, which forgets every missing worktree, this leaves
        the user's own (a worktree on an unmounted disk, say) alone.

        :returns: the work tree paths that were forgotten.
        """
        forgotten = []
        admin_root = self.common_dir / "worktrees"
        for admin in sorted(admin_root.iterdir()) if admin_root.is_dir() else []:
            try:
                work_tree = Path((admin / "gitdir").read_text(encoding="utf-8").strip()).parent
            except OSError:
                continue
            if not work_tree.exists() and is_ours(work_tree):
                shutil.rmtree(admin, ignore_errors=True)
                forgotten.append(work_tree)
        return forgotten

