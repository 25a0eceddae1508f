"""Review branches as the ``selfheal`` command sees them: read back from their commits.

A branch is a selfheal branch when its name starts with the branch prefix
(``selfheal/``, or what ``--selfheal-branch-prefix`` set) and its tip commit carries a
``Selfheal-Run`` trailer: a branch of the user's that received a fix (cherry-picked or
fast-forwarded) carries the trailer too, and is never listed, applied or dropped. Its
selfheal commits are the run of such commits from the tip down the first parents; below
them is the commit the run started from. Everything shown (tests healed, run, status)
comes from those commits, so it is true in any clone, without the run's ``.selfheal/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal._vcs.gitrepo import CommitRecord, GitRepo
from pytest_selfheal.cli._console import CommandError

#: How far down a branch to look for the commit its run started from.
MAX_COMMITS = 200


@dataclass(frozen=True)
class FixBranch:
    """A review branch written by ``pytest --selfheal`` (or its pre-commit hook).

    :param selfheal_commits: its selfheal commits, oldest first (snapshots and fixes).
    :param base: the commit the run started from, ``None`` when the first selfheal
        commit is a root commit.
    """

    name: str
    tip: str
    committed: int
    selfheal_commits: tuple[CommitRecord, ...]
    base: str | None

    @property
    def fixes(self) -> list[CommitRecord]:
        """The fix commits, oldest first: what ``apply`` takes."""
        return [c for c in self.selfheal_commits if not c.trailer_values(commits.SNAPSHOT)]

    @property
    def snapshots(self) -> list[CommitRecord]:
        """Snapshot commits of the user's work that the fixes were made on."""
        return [c for c in self.selfheal_commits if c.trailer_values(commits.SNAPSHOT)]

    @property
    def tests(self) -> list[str]:
        """The failing tests its fixes heal, in the order they were healed."""
        healed: list[str] = []
        for fix in self.fixes:
            for nodeid in fix.trailer_values(commits.TEST) or [fix.subject.rsplit(" ", 1)[-1]]:
                if nodeid not in healed:
                    healed.append(nodeid)
        return healed

    @property
    def assurance(self) -> str:
        """``verified`` when every fix is, ``plausible`` when one is (with how many of
        the fixes), ``-`` for fixes written before labels were recorded."""
        labels = [(fix.trailer_values(commits.ASSURANCE) or ["-"])[0] for fix in self.fixes]
        plausible = labels.count("plausible")
        if plausible:
            return "plausible" if plausible == len(labels) else \
                f"plausible ({plausible} of {len(labels)})"
        return "verified" if labels and all(label == "verified" for label in labels) else "-"

    @property
    def run_id(self) -> str:
        runs = self.selfheal_commits[-1].trailer_values(commits.RUN)
        return runs[0] if runs else "?"


def read_branch(repo: GitRepo, name: str, tip: str, committed: int) -> FixBranch | None:
    """The branch ``name`` at ``tip`` as a :class:`FixBranch`, ``None`` if not selfheal's."""
    chain: list[CommitRecord] = []
    for record in repo.first_parent_log(tip, MAX_COMMITS):
        if not record.trailer_values(commits.RUN):
            break
        chain.append(record)
    if not chain:
        return None
    oldest = chain[-1]
    return FixBranch(name, tip, committed, tuple(reversed(chain)),
                     oldest.parents[0] if oldest.parents else None)


def fix_branches(repo: GitRepo, prefix: str) -> list[FixBranch]:
    """Every selfheal branch of the repository, newest first."""
    found = [branch for tip in repo.branches() if tip.name.startswith(prefix)
             and (branch := read_branch(repo, tip.name, tip.sha, tip.committed)) is not None]
    return sorted(found, key=lambda branch: (-branch.committed, branch.name))


def find_branch(repo: GitRepo, name: str, prefix: str) -> FixBranch:
    """The selfheal branch ``name`` (``prefix`` may be left out).

    :raises CommandError: when there is no such branch, or it is not selfheal's.
    """
    for candidate in (name, prefix + name):
        tip = repo.branch_head(candidate)
        if tip is None:
            continue
        if not candidate.startswith(prefix):
            raise CommandError(f"{candidate} is not a selfheal branch (its name does not start "
                               f"with {prefix!r}); selfheal only handles its own branches")
        tips = {branch.name: branch for branch in repo.branches()}
        branch = read_branch(repo, candidate, tip, tips[candidate].committed)
        if branch is None:
            raise CommandError(f"{candidate} is not a selfheal branch (its tip has no "
                               f"{commits.RUN} trailer); selfheal only handles its own branches")
        return branch
    raise CommandError(f"there is no branch {name!r} in {repo.root}; `selfheal list` shows "
                       "the selfheal branches")


def status(repo: GitRepo, branch: FixBranch) -> str:
    """``pending``, ``applied`` or ``partly applied``: its fixes compared with HEAD."""
    if repo.head_commit() is None or not branch.fixes:
        return "pending"
    applied = repo.applied("HEAD", branch.tip, branch.base)
    done = [applied.get(fix.sha, False) for fix in branch.fixes]
    if all(done):
        return "applied"
    return "partly applied" if any(done) else "pending"


def pending_fixes(repo: GitRepo, branch: FixBranch) -> list[CommitRecord]:
    """The fix commits that HEAD does not have yet (same change counts), oldest first."""
    if repo.head_commit() is None:
        return branch.fixes
    applied = repo.applied("HEAD", branch.tip, branch.base)
    return [fix for fix in branch.fixes if not applied.get(fix.sha, False)]
