"""``selfheal clean``: old branches, reports and store entries, abandoned scratch directories.

Scratch directories (``selfheal-*`` in the temporary directory) are left behind when a
run is killed before it can delete them. One is removed only when no live process owns
it: its ``owner.pid`` (written by the pre-commit hook) names a dead process, or, without
one, no process has its working directory, an open file or its ``SELFHEAL_PROBE``
inside it and it has not changed for :data:`SCRATCH_GRACE_S`. Demo directories
(``selfheal-demo-*``) hold a repository the user may still be exploring: never removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Final

from pytest_selfheal._statedir import STATE_DIR, find_reports
from pytest_selfheal._store import DATABASE, Store
from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.cli._branches import fix_branches
from pytest_selfheal.cli._console import Output, age
from pytest_selfheal.cli._hook import HOOK_PREFIX, OWNER_FILE
from pytest_selfheal.cli._review import describe

#: A scratch directory without an owner file is spared while it changed this recently:
#: a run may be between two candidate evaluations.
SCRATCH_GRACE_S: Final = 3600.0
SCRATCH_PREFIX: Final = "selfheal-"
KEPT_PREFIXES: Final = ("selfheal-demo-",)


def clean(repo: GitRepo, prefix: str, out: Output, *, older_than_days: float, dry_run: bool,
          scratch_root: Path | None = None) -> int:
    """Remove selfheal branches and reports older than ``older_than_days``, and
    abandoned scratch directories; with ``dry_run`` only say what would go."""
    now = time.time()
    limit = older_than_days * 86400
    verb = "would remove" if dry_run else "removed"
    old = [b for b in fix_branches(repo, prefix) if now - b.committed > limit]
    with repo.lock():
        for branch in out.progress(old, len(old), "dropping old branches"):
            if not dry_run:
                repo.delete_branch(branch.name, branch.tip)
            out.line(f"{verb} branch {describe(branch)}, {age(now - branch.committed)} old; "
                     f"restore: git branch {branch.name} {branch.tip}")
    reports = find_reports(repo.root)
    stale_reports = [] if reports is None else [
        path for path in sorted(reports.iterdir())
        if path.is_file() and now - path.stat().st_mtime > limit]
    for path in stale_reports:
        if not dry_run:
            path.unlink(missing_ok=True)
        out.line(f"{verb} report {path}")
    forgotten_runs = _forget_old_runs(repo.root, now - limit, dry_run)
    for run_id in forgotten_runs:
        out.line(f"{verb} the model exchanges and lineage of run {run_id} from the store")
    scratch = abandoned_scratch(scratch_root or Path(tempfile.gettempdir()), now)
    for path in out.progress(scratch, len(scratch), "removing scratch directories"):
        if not dry_run:
            shutil.rmtree(path, ignore_errors=True)
        out.line(f"{verb} scratch directory {path}")
    forgotten = [] if dry_run else repo.prune_worktrees(
        lambda work_tree: work_tree.parent.name.startswith(HOOK_PREFIX))
    for work_tree in forgotten:
        out.line(f"forgot the removed hook worktree {work_tree}")
    total = (len(old) + len(stale_reports) + len(forgotten_runs) + len(scratch)
             + len(forgotten))
    out.line(f"nothing older than {older_than_days:g} days to clean" if total == 0 else
             f"{'would clean' if dry_run else 'cleaned'} {total} item{'s' if total != 1 else ''}")
    return 0


def _forget_old_runs(root: Path, before: float, dry_run: bool) -> list[str]:
    database = root / STATE_DIR / DATABASE
    if not database.exists():
        return []  # nothing recorded: do not create a store just to find it empty
    store = Store(database)
    try:
        # The store writes run start times in local time, without a zone.
        return store.forget_runs_started_before(
            time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(before)), dry_run=dry_run)
    finally:
        store.close()


def abandoned_scratch(root: Path, now: float) -> list[Path]:
    """The ``selfheal-*`` directories under ``root`` that no live process owns."""
    try:
        candidates = sorted(path for path in root.iterdir() if path.name.startswith(
            SCRATCH_PREFIX) and not path.name.startswith(KEPT_PREFIXES) and path.is_dir()
            and not path.is_symlink())
    except OSError:
        return []
    if not candidates:
        return []
    in_use = _paths_in_use()
    abandoned = []
    for path in candidates:
        owner = _owner(path)
        if owner is not None:
            if not _is_alive(owner):
                abandoned.append(path)
            continue
        try:
            changed = path.stat().st_mtime
        except OSError:
            continue
        prefix = str(path) + os.sep
        busy = any(used == str(path) or used.startswith(prefix) for used in in_use)
        if not busy and now - changed > SCRATCH_GRACE_S:
            abandoned.append(path)
    return abandoned


def _owner(path: Path) -> int | None:
    try:
        return int((path / OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, and someone else's
    return True


def _paths_in_use() -> set[str]:
    """Working directories, open files and ``SELFHEAL_PROBE`` of every visible process.

    Linux ``/proc`` only; elsewhere the set is empty and the grace period decides.
    """
    used: set[str] = set()
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        return used
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            used.add(os.readlink(entry / "cwd"))
            for descriptor in (entry / "fd").iterdir():
                used.add(os.readlink(descriptor))
            for variable in (entry / "environ").read_bytes().split(b"\0"):
                if variable.startswith(b"SELFHEAL_PROBE="):
                    used.add(os.fsdecode(variable.partition(b"=")[2]))
        except OSError:
            continue  # gone, or not ours to read
    return used
