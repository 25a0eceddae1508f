"""Reading review branches back, applying them and dropping them, under a lock.

These are the only operations of selfheal that touch the user's branch (``apply``, on
request) or delete a ref (``drop``, ``clean``); each checks first and says why it refuses.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from pytest_selfheal._vcs.gitrepo.plumbing import Plumbing
from pytest_selfheal.errors import GitError

#: Files in the git directory that mean an operation is half done, and its name.
OPERATIONS_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or `git am`"),
    ("sequencer", "a cherry-pick or revert sequence"),
    ("BISECT_LOG", "a bisect"),
)
#: Separates the fields of one ``git log`` record; records end with NUL (``-z``).
FIELD = "\x1e"
LOCK_NAME = "selfheal.lock"


class BranchTip(NamedTuple):
    """A local branch: its short name, tip commit and the tip's commit time."""

    name: str
    sha: str
    committed: int


class CommitRecord(NamedTuple):
    """One commit as the review commands need it.

    :param trailers: ``(key, value)`` pairs of the message's trailer block, in order.
    """

    sha: str
    parents: tuple[str, ...]
    committed: int
    message: str
    trailers: tuple[tuple[str, str], ...]

    @property
    def subject(self) -> str:
        return (self.message.splitlines() or [""])[0]

    def trailer_values(self, key: str) -> list[str]:
        """The values of every ``key:`` trailer (keys compare case-insensitively)."""
        return [value for name, value in self.trailers if name.lower() == key.lower()]


class Review(Plumbing):
    """Listing, applying and deleting review branches."""

    def branches(self) -> list[BranchTip]:
        """Every local branch, by name."""
        out = self._text("for-each-ref", "--format=%(refname)%00%(objectname)%00"
                         "%(committerdate:unix)", "refs/heads/")
        tips = []
        for line in out.splitlines():
            ref, sha, committed = line.split("\0")
            tips.append(BranchTip(ref.removeprefix("refs/heads/"), sha, int(committed or 0)))
        return tips

    def first_parent_log(self, tip: str, limit: int = 100) -> list[CommitRecord]:
        """Up to ``limit`` commits from ``tip`` down its first parents, newest first."""
        sha = self._verify_commit(tip)
        fields = FIELD.join(("%H", "%P", "%ct", "%B", "%(trailers:only,unfold)"))
        out = os.fsdecode(self._run("log", "-z", "--first-parent", f"--max-count={limit}",
                                    f"--format={fields}", sha, "--")[1])
        records = []
        for raw in out.split("\0"):
            if not raw:
                continue
            commit, parents, committed, message, trailers = raw.split(FIELD)
            pairs = tuple((key.strip(), value.strip()) for key, _, value in
                          (line.partition(":") for line in trailers.splitlines()) if value)
            records.append(CommitRecord(commit, tuple(parents.split()), int(committed),
                                        message, pairs))
        return records

    def applied(self, upstream: str, tip: str, base: str | None) -> dict[str, bool]:
        """For each commit of ``base..tip``: whether ``upstream`` has it or the same change.

        A commit is applied when it is reachable from ``upstream`` (merged) or ``git
        cherry`` finds a commit with the same patch there (cherry-picked, rebased).
        ``base`` ``None`` means every commit down to the root.
        """
        upstream_sha, tip_sha = self._verify_commit(upstream), self._verify_commit(tip)
        limit = [] if base is None else [self._verify_commit(base)]
        marks = {line[2:]: line[0] == "-"
                 for line in self._text("cherry", upstream_sha, tip_sha, *limit).splitlines()}
        commits = self._text("rev-list", tip_sha, *(f"^{sha}" for sha in limit)).split()
        return {commit: marks.get(commit, True) for commit in commits}

    def delete_branch(self, name: str, expected: str) -> None:
        """Delete ``refs/heads/<name>`` if it still points at ``expected``.

        :raises GitError: when the branch moved, is checked out, or git refuses.
        """
        ref = f"refs/heads/{name}"
        if self._is_checked_out(ref):
            raise GitError(f"branch {name} is checked out; switch to another branch first")
        self._run("update-ref", "-m", "branch: deleted by selfheal", "-d", ref, expected)

    def move_branch(self, name: str, to: str, expected: str) -> None:
        """Point ``refs/heads/<name>`` at ``to`` if it still points at ``expected``.

        :raises GitError: when the branch moved, or git refuses.
        """
        self._run("update-ref", "-m", "branch: fix withdrawn by selfheal",
                  f"refs/heads/{name}", self._verify_commit(to), expected)

    def local_changes(self) -> list[str]:
        """Tracked files with staged or unstaged changes, as ``git status --short`` lines."""
        out = self._run("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")[1]
        return [line for line in os.fsdecode(out).splitlines() if line.strip()]

    def operation_in_progress(self) -> str | None:
        """The half-done operation (merge, rebase...) in this work tree, if any."""
        for name, operation in OPERATIONS_IN_PROGRESS:
            if (self.git_dir / name).exists():
                return operation
        return None

    def cherry_pick(self, commits: Sequence[str]) -> list[str]:
        """Cherry-pick ``commits`` (oldest first) onto HEAD, all of them or none.

        Each new commit records where it came from (``-x``). On a conflict, or anything
        else that stops git, the whole sequence is aborted and HEAD, the index and the
        work tree are as they were.

        :returns: the new commits, oldest first.
        :raises GitError: naming what stopped the cherry-pick; nothing was changed.
        """
        before = self._verify_commit("HEAD")
        status, out, err = self._execute(["cherry-pick", "-x", *commits], env=self._identity())
        if status == 0:
            return self._text("rev-list", "--reverse", f"{before}..HEAD").split()
        detail = (os.fsdecode(err) + os.fsdecode(out)).strip()
        if self.operation_in_progress() is not None:
            self._run("cherry-pick", "--abort")
        if self._verify_commit("HEAD") != before:  # pragma: no cover - git's abort guarantees it
            raise GitError(f"the cherry-pick stopped half way and could not be undone: {detail}")
        conflicts = [line.rsplit(" in ", 1)[-1] for line in detail.splitlines()
                     if line.startswith("CONFLICT")]
        why = f"conflict in {', '.join(conflicts)}" if conflicts else (
            detail.splitlines() or ["git gave no reason"])[-1]
        raise GitError(f"the fix does not apply cleanly onto HEAD ({why}); nothing was changed")

    @contextlib.contextmanager
    def lock(self, timeout_s: float = 30.0) -> Iterator[None]:
        """Hold the repository's selfheal lock while branches are written or deleted.

        The lock is an ``flock`` on ``selfheal.lock`` in the common git directory, so
        it is one lock per repository, shared by its linked worktrees, and the kernel
        releases it when its holder dies: a crashed run never leaves a stale lock.
        Waits up to ``timeout_s`` for another holder.

        :raises GitError: when another process still holds it after ``timeout_s``.
        """
        path = self.common_dir / LOCK_NAME
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise GitError(f"cannot open the lock file {path}: {exc}") from exc
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(descriptor, 64, 0).decode(errors="replace").strip()
                        raise GitError(
                            f"another selfheal process (pid {holder or 'unknown'}) is writing "
                            f"branches in {self.root} and still holds {path} after "
                            f"{timeout_s:g}s; try again when it has finished") from None
                    # Holders keep the lock for a few git commands: poll briefly.
                    time.sleep(0.05)
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(descriptor)  # closing the last descriptor releases the flock
