"""``selfheal list``, ``show``, ``apply``, ``drop`` and ``report``."""

from __future__ import annotations

import time
from pathlib import Path

from pytest_selfheal._statedir import LATEST, find_reports
from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.cli._branches import (
    FixBranch,
    find_branch,
    fix_branches,
    pending_fixes,
    status,
)
from pytest_selfheal.cli._console import CommandError, Output, age, ago

#: ``-`` (no label recorded) stays plain; every kind of plausible is yellow.
LABEL_STYLE: dict[str, tuple[str, ...]] = {"verified": ("green",), "-": ()}
STATUS_STYLE = {"pending": ("yellow",), "applied": ("green",), "partly applied": ("yellow",)}


def list_branches(repo: GitRepo, prefix: str, out: Output) -> int:
    """Print one line per selfheal branch: name, tests healed, status, age."""
    branches = fix_branches(repo, prefix)
    if not branches:
        out.line(f"no selfheal branches in {repo.root}")
        return 0
    now = time.time()
    rows = [(branch.name, ", ".join(branch.tests) or "-", status(repo, branch),
             branch.assurance, age(now - branch.committed)) for branch in branches]
    heading = ("BRANCH", "TESTS HEALED", "STATUS", "FIX", "")
    widths = [max(len(row[column]) for row in [heading, *rows]) for column in range(4)]
    out.line(out.paint(f"{'BRANCH':<{widths[0]}}  {'TESTS HEALED':<{widths[1]}}  "
                       f"{'STATUS':<{widths[2]}}  {'FIX':<{widths[3]}}  AGE", "bold"))
    for name, tests, state, label, how_old in rows:
        out.line(f"{name:<{widths[0]}}  {tests:<{widths[1]}}  "
                 f"{out.paint(f'{state:<{widths[2]}}', *STATUS_STYLE.get(state, ()))}  "
                 f"{out.paint(f'{label:<{widths[3]}}', *LABEL_STYLE.get(label, ('yellow',)))}"
                 f"  {how_old}")
    return 0


def show(repo: GitRepo, name: str, prefix: str, out: Output) -> int:
    """Print a branch's state, each fix commit's message and its coloured diff."""
    branch = find_branch(repo, name, prefix)
    head = repo.head_branch() or "HEAD"
    out.line(out.paint(f"branch {branch.name}", "bold") + f": {status(repo, branch)} on "
             f"{head}, made {ago(time.time() - branch.committed)}, run {branch.run_id}")
    reports = find_reports(repo.root)
    if reports is not None:
        for report in sorted(reports.glob(f"{branch.run_id}*.html")):
            out.line(f"HTML report: {report}")
    for commit in branch.selfheal_commits:
        parent = commit.parents[0] if commit.parents else None
        out.line()
        if commit in branch.snapshots:
            out.line(out.paint(f"snapshot {commit.sha[:10]}", "yellow") + f" {commit.subject}")
            out.line("  your own work that the fix was made on, not part of the fix; "
                     f"`git show {commit.sha[:10]}` shows it")
            continue
        out.line(out.paint(f"commit {commit.sha}", "yellow"))
        for text in commit.message.rstrip("\n").splitlines():
            out.line(f"    {text}" if text else "")
        out.line()
        if parent is None:
            out.line("(a root commit: no diff)")
        else:
            out.diff(repo.diff(parent, commit.sha))
    return 0


def apply(repo: GitRepo, name: str, prefix: str, out: Output) -> int:
    """Cherry-pick a branch's pending fix commits onto the current branch.

    Refuses, changing nothing, when HEAD is detached or unborn, an operation is half
    done, or tracked files have uncommitted changes: a fix is never mixed into unsaved
    work, and a conflict aborts the whole cherry-pick.
    """
    branch = find_branch(repo, name, prefix)
    current = repo.head_branch()
    if repo.head_commit() is None:
        raise CommandError(f"the current branch {current or ''} has no commits yet; commit your "
                           "work first, then apply the fix onto it")
    if current is None:
        raise CommandError("HEAD is detached; check out the branch the fix should go to "
                           "(`git switch BRANCH`), then run selfheal apply again")
    if current == branch.name:
        raise CommandError(f"{branch.name} is the checked-out branch; check out the branch the "
                           "fix should go to first")
    operation = repo.operation_in_progress()
    if operation is not None:
        raise CommandError(f"{operation} is in progress in {repo.root}; finish or abort it "
                           "first")
    changes = repo.local_changes()
    if changes:
        shown = ", ".join(change.strip() for change in changes[:5])
        more = f" and {len(changes) - 5} more" if len(changes) > 5 else ""
        raise CommandError(f"your working tree has uncommitted changes ({shown}{more}); commit "
                           "or stash them first: selfheal apply never mixes a fix into "
                           "unsaved work")
    with repo.lock():
        pending = pending_fixes(repo, branch)
        if not pending:
            out.line(f"{current} already has every fix of {branch.name}; nothing to apply")
            return 0
        skipped = len(branch.snapshots)
        out.line(f"applying {len(pending)} fix commit{'s' if len(pending) != 1 else ''} of "
                 f"{branch.name} onto {current}...")
        new = repo.cherry_pick([fix.sha for fix in pending])
    for sha, fix in zip(new, pending, strict=False):
        out.line(f"  {out.paint(sha[:10], 'yellow')} {fix.subject}")
    if skipped:
        out.line(f"left out {skipped} snapshot commit{'s' if skipped != 1 else ''} of your "
                 "own uncommitted work (it was never part of the fix)")
    out.line(f"the branch is kept: drop it with `selfheal drop {branch.name}`")
    return 0


def drop(repo: GitRepo, name: str, prefix: str, out: Output) -> int:
    """Delete a selfheal branch, printing how to get it back."""
    branch = find_branch(repo, name, prefix)
    with repo.lock():
        state = status(repo, branch)
        repo.delete_branch(branch.name, branch.tip)
    out.line(f"dropped {branch.name} ({state}; was {branch.tip[:10]})")
    out.line(f"to restore it: git branch {branch.name} {branch.tip}")
    return 0


def report(start: Path, out: Output) -> int:
    """Print the path of the newest HTML report."""
    reports = find_reports(start)
    latest = None if reports is None else reports / LATEST
    if latest is None or not latest.is_file():
        raise CommandError(f"no HTML report at or above {start}: `pytest --selfheal` writes "
                           ".selfheal/reports/latest.html when a run had failures to heal")
    out.line(str(latest))
    return 0


def describe(branch: FixBranch) -> str:
    """One line naming a branch and the tests it heals."""
    return f"{branch.name} ({', '.join(branch.tests) or 'no fixes'})"
