"""The pre-commit hook: the suite on exactly the staged content, failures healed onto a branch.

How it runs (``selfheal hook``, hook id ``selfheal`` in ``.pre-commit-hooks.yaml``):

1. The staged tree is read from a copy of the index git is committing
   (``GIT_INDEX_FILE`` inside ``git commit``), never from the working tree, so unstaged
   edits and untracked files do not make a broken commit pass.
2. It becomes a snapshot commit (parent: HEAD) checked out in a temporary linked
   worktree with its own HEAD and index: the user's HEAD, index, working tree and
   stash are not touched, and ``pytest --selfheal`` running there writes its fix
   branch into the user's repository, on top of that snapshot, so the branch holds
   exactly what was staged plus the fix.
3. The hook prints how to review and take the fix, copies the HTML report into the
   repository's ``.selfheal/reports/``, removes the worktree, and exits 1 while tests
   fail (0 when they pass or there are none). It never commits on the user's branch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from pytest_selfheal._statedir import LATEST, REPORTS, STATE_DIR, write_html_report
from pytest_selfheal._vcs import commit_messages as commits
from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.cli._console import Output
from pytest_selfheal.errors import GitError

HOOK_PREFIX: Final = "selfheal-hook-"
OWNER_FILE: Final = "owner.pid"
#: Variables with which git points a hook at the repository and index being committed;
#: the temporary worktree is another work tree with another index, so they must go.
GIT_CONTEXT: Final = frozenset({
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_REFLOG_ACTION",
})
#: pytest exit codes: tests passed, usage error, no tests collected.
PYTEST_OK, PYTEST_USAGE, PYTEST_NO_TESTS = 0, 4, 5


def run_hook(start: Path, pytest_args: Sequence[str], out: Output) -> int:
    """Run the hook for the repository at ``start``; return its exit code."""
    repo = GitRepo.discover(start)
    index = _index_being_committed(repo)
    head = repo.head_commit()
    run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
    snapshot = repo.commit_tree(repo.staged_tree(index), [head] if head else [],
                                commits.snapshot_message("the staged changes", run_id))
    base = Path(tempfile.mkdtemp(prefix=HOOK_PREFIX))
    try:
        # Lets `selfheal clean` tell an abandoned directory from one in use.
        (base / OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")
        work_tree = base / repo.root.name
        repo.add_worktree(work_tree, snapshot)
        try:
            GitRepo.discover(work_tree).fill_work_tree()
            out.line(f"selfheal: running the tests on the staged content ({snapshot[:10]})")
            report_path = base / "report.json"
            command = [sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report",
                       str(report_path), "-p", "no:cacheprovider", *pytest_args]
            completed = subprocess.run(command, cwd=work_tree, env=_environment(work_tree),
                                       stdin=subprocess.DEVNULL, check=False)
            kept = _keep_html_reports(work_tree, repo.root)
            report = _read_report(report_path)
        finally:
            repo.remove_worktree(work_tree)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return _verdict(completed.returncode, report, snapshot, out, kept)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``selfheal hook`` command run as a module (``python -m pytest_selfheal.cli hook``
    is the public spelling)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return run_hook(Path.cwd(), arguments, Output())
    except (GitError, OSError) as exc:
        print(f"selfheal: error: {exc}", file=sys.stderr)
        return 1


def _index_being_committed(repo: GitRepo) -> Path:
    # Inside `git commit` the hook's GIT_INDEX_FILE names the index about to be
    # committed (for `git commit -a` or `git commit PATHS` a temporary one), relative
    # to the hook's working directory; outside a commit it is the repository's index.
    named = os.environ.get("GIT_INDEX_FILE")
    return Path(os.path.abspath(named)) if named else repo.index_path()


def _environment(work_tree: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in GIT_CONTEXT}
    # An editable install of the project would import the user's working tree instead
    # of the staged copy: put the copy (flat or src layout) first on the path.
    roots = [str(work_tree)] + ([str(work_tree / "src")] if (work_tree / "src").is_dir() else [])
    if environment.get("PYTHONPATH"):
        roots.append(environment["PYTHONPATH"])
    environment["PYTHONPATH"] = os.pathsep.join(roots)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _keep_html_reports(work_tree: Path, root: Path) -> list[Path]:
    """Copy the run's HTML reports out of the doomed worktree; return where they went."""
    reports = work_tree / STATE_DIR / REPORTS
    return [write_html_report(root, path.stem, path.read_text(encoding="utf-8"))
            for path in (sorted(reports.glob("*.html")) if reports.is_dir() else [])
            if path.name != LATEST]


def _read_report(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _verdict(returncode: int, report: Mapping[str, Any], snapshot: str, out: Output,
             html_reports: Sequence[Path]) -> int:
    if returncode == PYTEST_OK:
        out.line("selfheal: the tests pass on the staged content")
        return 0
    if returncode == PYTEST_NO_TESTS:
        out.line("selfheal: no tests were collected; nothing to check")
        return 0
    if returncode == PYTEST_USAGE:
        out.line("selfheal: pytest refused its arguments (see above); fix the hook's `args:`")
        return 2
    heals = list(report.get("heals", []))
    out.line()
    out.line(out.paint("selfheal: the tests fail on the staged content, so this commit is "
                       "blocked.", "bold"))
    for heal in heals:
        if heal.get("status") != "healed":
            out.line(f"  not healed: {heal['tests'][0]}: {heal.get('reason')}")
    branches = sorted({heal["branch"] for heal in heals
                       if heal.get("status") == "healed" and heal.get("branch")})
    for branch in branches:
        healed = [heal["tests"][0] for heal in heals if heal.get("branch") == branch]
        out.line(f"  healed {', '.join(healed)} on branch {out.paint(branch, 'green')}, on top of "
                 "a snapshot of your staged changes:")
        out.line(f"    review it:  selfheal show {branch}")
        out.line(f"    take it:    git cherry-pick --no-commit {snapshot[:12]}..{branch}")
        out.line("                (adds the fix to your staged changes; then commit again)")
        out.line(f"    drop it:    selfheal drop {branch}")
    if not heals:
        out.line("  no failure could be handed to selfheal; see pytest's output above")
    # pytest named the report inside the temporary worktree, which is gone by now.
    for path in html_reports:
        out.line(f"  HTML report: {path}")
    return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
