"""Landing a verified fix: one commit on the run's review branch, or the working tree.

The only place the healer writes anything of the user's: a commit built with git
plumbing on a ``selfheal/...`` branch (never HEAD, the index or the working tree), and,
in ``apply`` mode only, the fixed file itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_selfheal._source.module_changes import describe_changes
from pytest_selfheal._source.patches import diff_size, unified_diff
from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal._vcs.shared_branch import (
    merged_with_siblings,
    shared_parent,
    withdraw_shared,
)
from pytest_selfheal.errors import GitError
from pytest_selfheal.models import Assurance, Candidate, Failure, Fitness, HealOutcome

if TYPE_CHECKING:
    from pytest_selfheal._vcs.gitrepo import GitRepo


@dataclass
class RunState:
    """What one pytest run has done so far: accepted fixes and the review branch.

    :param shared_branch: under pytest-xdist, the branch every worker of the run commits
        onto, named by the controller; ``None`` in a run of one process.
    :param built_on: the commit the last fix (or its snapshot) was built on.
    """

    started: datetime = field(default_factory=datetime.now)
    sources: dict[str, str] = field(default_factory=dict)
    branch: str | None = None
    branch_tip: str | None = None
    notes: list[str] = field(default_factory=list)
    attempted: dict[str, HealOutcome] = field(default_factory=dict)
    shared_branch: str | None = None
    built_on: str | None = None

    @property
    def run_id(self) -> str:
        return self.started.strftime("%Y%m%d-%H%M%S")

    def note(self, text: str) -> None:
        """Say something about the whole run, once."""
        if text not in self.notes:
            self.notes.append(text)


@dataclass(frozen=True)
class Destination:
    """Where a run's fixes land.

    :param repo: the project's repository, ``None`` outside of one.
    :param no_repository_reason: why ``repo`` is ``None``, as the run's note says it.
    :param root: the project's rootdir, which fixes' paths are relative to.
    :param branch_prefix: the review branches' names start with it.
    """

    repo: GitRepo | None
    no_repository_reason: str
    root: Path
    branch_prefix: str


@dataclass(frozen=True)
class Fix:
    """A verified fix, with what its commit message says about it.

    :param old_sources: project-relative path to the text each changed file had before.
    :param evaluated: candidates evaluated to find it.
    :param model: the model that wrote it; ``None`` for engines without one.
    :param assurance: the fix's label and what it rests on, said in its commit message.
    """

    failure: Failure
    candidate: Candidate
    old_sources: Mapping[str, str]
    fitness: Fitness
    evaluated: int
    engine: str
    model: str | None
    goal: str = "repair"
    assurance: Assurance | None = None


def commit_fix(destination: Destination, state: RunState, fix: Fix,
               notes: list[str]) -> tuple[str | None, str | None]:
    """Commit the fix (every file it changes, in one commit) on the run's branch (made on
    the first fix); its name and commit, or ``(None, None)`` with the reason in ``notes``
    or the run's notes."""
    repo, root, failure = destination.repo, destination.root, fix.failure
    candidate, old_sources = fix.candidate, fix.old_sources
    if repo is None:
        state.note(f"no branch was written: {destination.no_repository_reason}; the diff is "
                   "in this report")
        return None, None
    run_id = state.run_id
    try:
        relpaths = {path: repo.relative(root / path) for path in candidate.files}
        relpath = relpaths[candidate.function.path]
        # One writer at a time per repository: choosing a free branch name and
        # moving the branch must not interleave with another run's.
        with repo.lock():
            if state.shared_branch is None:
                parent = state.branch_tip or repo.head_commit()
            else:
                parent = shared_parent(repo, state.shared_branch)
            if parent is None:
                # A root commit of the healed file alone would be a branch that
                # holds nothing else of the project: refuse, and say how to get one.
                state.note("the repository has no commits yet: no branch was written; commit "
                           "your work once and selfheal will put its fixes on a branch (the "
                           "diff is in this report)")
                return None, None
            branch = state.shared_branch or state.branch or repo.unique_branch_name(
                f"{destination.branch_prefix}{run_id}-{_slug(failure.nodeid)}")
            state.built_on = parent
            files = {relpaths[path]: text.encode("utf-8")
                     for path, text in candidate.files.items()}
            merged = {} if state.shared_branch is None else merged_with_siblings(
                repo, parent, {rel: (old_sources[path], candidate.files[path])
                               for path, rel in relpaths.items()})
            files.update(merged)
            for path, rel in relpaths.items():
                old_source = old_sources[path]
                at_parent = repo.file_at(parent, rel)
                if rel in merged or at_parent == old_source.encode("utf-8") or (
                        at_parent is None and not old_source):
                    continue
                # The fix was made on the user's uncommitted version of the file;
                # commit that version first so the fix commit shows only the fix.
                parent = repo.commit_files(
                    branch, {rel: old_source.encode("utf-8")},
                    commits.snapshot_message(f"uncommitted changes to {rel}", run_id),
                    parent=parent,
                )
                state.branch, state.branch_tip = branch, parent
                notes.append(f"{rel} had uncommitted changes: they are in a separate "
                             "snapshot commit under the fix")
            diffs = {path: unified_diff(old_sources[path], text, relpaths[path])
                     for path, text in candidate.files.items()}
            message = commits.fix_message([failure], commits.FixFacts(
                candidate, relpath, fix.fitness, fix.evaluated,
                sum(diff_size(diff) for diff in diffs.values()), run_id, fix.engine, fix.model,
                fix.goal, also=also_changed(candidate, old_sources, relpaths),
                assurance=fix.assurance))
            commit = repo.commit_files(branch, files, message, parent=parent)
    except GitError as exc:
        notes.append(f"no branch written: {exc}")
        return None, None
    state.branch, state.branch_tip = branch, commit
    return branch, commit


def also_changed(candidate: Candidate, old_sources: Mapping[str, str],
                 relpaths: Mapping[str, str]) -> list[str]:
    """What the fix does besides rewriting its function, one line each, for the commit."""
    lines = []
    for path, text in candidate.files.items():
        described = describe_changes(old_sources[path], text, candidate.function.qualname
                                     if path == candidate.function.path else "")
        where = "" if path == candidate.function.path else f" in {relpaths[path]}"
        lines += [f"{line}{where}" for line in described]
    return lines


@dataclass(frozen=True)
class Landing:
    """Where an accepted fix went, so that it can be taken back.

    :param changes: (project-relative path, old text, new text) of every file the fix
        changed, the healed function's file first.
    :param branch_before: the run's branch before the fix was committed (``None``: the
        fix created it); ``tip_before`` its commit then.
    """

    changes: tuple[tuple[str, str, str], ...]
    branch_before: str | None
    tip_before: str | None
    applied: bool

    @property
    def old_source(self) -> str:
        """The healed function's file before the fix."""
        return self.changes[0][1]


def withdraw_fix(repo: GitRepo | None, state: RunState, landing: Landing, root: Path,
                 notes: list[str]) -> None:
    """Take a fix back: its commit leaves the run's branch (a branch it created is
    deleted), the working tree gets the old text back (``apply`` mode), and later heals
    start from the old code again."""
    for path, old, new in landing.changes:
        state.sources.pop(path, None)
        if landing.applied:
            apply_fix(root, path, new, old, notes)
    tip, branch = state.branch_tip, state.branch
    if repo is None or tip is None or branch is None or tip == landing.tip_before:
        return
    try:
        with repo.lock():
            if state.shared_branch is not None and state.built_on is not None:
                withdraw_shared(repo, branch, state.run_id, tip, state.built_on)
            elif landing.branch_before is None:
                repo.delete_branch(branch, tip)
            else:
                repo.move_branch(branch, landing.tip_before or tip, tip)
    except GitError as exc:
        notes.append(f"the commit of the withdrawn fix is still on {branch}: {exc}")
        return
    state.branch, state.branch_tip = landing.branch_before, landing.tip_before


def apply_fix(root: Path, path: str, old_source: str, new_source: str,
              notes: list[str]) -> None:
    """Write the fix into the user's file (``apply`` mode), unless it changed meanwhile."""
    target = root / path
    try:
        if not old_source and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)  # a module the test needs
        elif target.read_bytes().decode("utf-8") != old_source:
            notes.append(f"{path} changed on disk during the run: the fix was not applied")
            return
        target.write_bytes(new_source.encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        notes.append(f"could not write the fix into {path}: {exc}")


def _slug(nodeid: str, limit: int = 40) -> str:
    name = nodeid.rsplit("::", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:limit].rstrip("-") or "test"
