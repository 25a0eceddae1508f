"""Landing a verified fix: one commit on the run's review branch, or the working tree.

The only place the healer writes anything of the user's: a commit built with git
plumbing on a ``selfheal/...`` branch (never HEAD, the index or the working tree), and,
in ``apply`` mode only, the fixed file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_selfheal import commits
from pytest_selfheal.engine import Engine
from pytest_selfheal.errors import GitError
from pytest_selfheal.models import Assurance, Candidate, Failure, Fitness, HealOutcome
from pytest_selfheal.patches import diff_size, unified_diff

if TYPE_CHECKING:
    from pytest_selfheal.gitrepo import GitRepo


@dataclass
class RunState:
    """What one pytest run has done so far: accepted fixes and the review branch."""

    started: datetime = field(default_factory=datetime.now)
    sources: dict[str, str] = field(default_factory=dict)
    branch: str | None = None
    branch_tip: str | None = None
    notes: list[str] = field(default_factory=list)
    attempted: dict[str, HealOutcome] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.started.strftime("%Y%m%d-%H%M%S")

    def note(self, text: str) -> None:
        """Say something about the whole run, once."""
        if text not in self.notes:
            self.notes.append(text)


def commit_fix(
    repo: GitRepo | None,
    no_repository_reason: str,
    state: RunState,
    root: Path,
    branch_prefix: str,
    engine: Engine,
    failure: Failure,
    candidate: Candidate,
    old_source: str,
    fitness: Fitness,
    evaluated: int,
    notes: list[str],
    goal: str = "repair",
    assurance: Assurance | None = None,
) -> tuple[str | None, str | None]:
    """Commit the fix on the run's branch (made on the first fix); its name and commit,
    or ``(None, None)`` with the reason in ``notes`` or the run's notes."""
    if repo is None:
        state.note(f"no branch was written: {no_repository_reason}; the diff is in this report")
        return None, None
    path = candidate.function.path
    run_id = state.run_id
    try:
        relpath = repo.relative(root / path)
        # One writer at a time per repository: choosing a free branch name and
        # moving the branch must not interleave with another run's.
        with repo.lock():
            parent = state.branch_tip or repo.head_commit()
            if parent is None:
                # A root commit of the healed file alone would be a branch that
                # holds nothing else of the project: refuse, and say how to get one.
                state.note("the repository has no commits yet: no branch was written; commit "
                           "your work once and selfheal will put its fixes on a branch (the "
                           "diff is in this report)")
                return None, None
            branch = state.branch or repo.unique_branch_name(
                f"{branch_prefix}{run_id}-{_slug(failure.nodeid)}")
            if repo.file_at(parent, relpath) != old_source.encode("utf-8"):
                # The fix was made on the user's uncommitted version of the file;
                # commit that version first so the fix commit shows only the fix.
                parent = repo.commit_files(
                    branch, {relpath: old_source.encode("utf-8")},
                    commits.snapshot_message(f"uncommitted changes to {relpath}", run_id),
                    parent=parent,
                )
                state.branch, state.branch_tip = branch, parent
                notes.append(f"{relpath} had uncommitted changes: they are in a separate "
                             "snapshot commit under the fix")
            diff = unified_diff(old_source, candidate.source, relpath)
            message = commits.fix_message(
                [failure], candidate, relpath, fitness=fitness, candidates_evaluated=evaluated,
                lines_changed=diff_size(diff), run_id=run_id, engine=engine.name,
                # LLM engines name their model; the offline engine has none.
                model=getattr(engine, "model", None), goal=goal, assurance=assurance,
            )
            commit = repo.commit_files(branch, {relpath: candidate.source.encode("utf-8")},
                                       message, parent=parent)
    except GitError as exc:
        notes.append(f"no branch written: {exc}")
        return None, None
    state.branch, state.branch_tip = branch, commit
    return branch, commit


def apply_fix(root: Path, path: str, old_source: str, new_source: str,
              notes: list[str]) -> None:
    """Write the fix into the user's file (``apply`` mode), unless it changed meanwhile."""
    target = root / path
    try:
        if target.read_bytes().decode("utf-8") != old_source:
            notes.append(f"{path} changed on disk during the run: the fix was not applied")
            return
        target.write_bytes(new_source.encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        notes.append(f"could not write the fix into {path}: {exc}")


def _slug(nodeid: str, limit: int = 40) -> str:
    name = nodeid.rsplit("::", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:limit].rstrip("-") or "test"
