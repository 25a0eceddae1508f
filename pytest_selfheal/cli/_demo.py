"""``selfheal demo``: heal a copy of the bundled example project in a new repository."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pytest_selfheal._vcs.gitrepo import init_repository
from pytest_selfheal.cli._console import CommandError

EXAMPLE_MARKER = "src/shopkit/__init__.py"


def example_project() -> Path:
    """The example project: beside the package in a source checkout, else bundled with it."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "example_project", package / "_example_project"):
        if (candidate / EXAMPLE_MARKER).is_file():
            return candidate
    raise CommandError("the example project is missing from this installation; reinstall "
                       "pytest-selfheal")


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    return {name for name in names
            if name in {"__pycache__", ".pytest_cache", ".selfheal"} or name.endswith(".pyc")}


def demo(directory: Path | None, extra: Sequence[str]) -> int:
    """Heal a copy of the example project and show the branch the fixes went to."""
    source = example_project()
    base = Path(tempfile.mkdtemp(prefix="selfheal-demo-")) if directory is None else directory
    if base.exists() and any(base.iterdir()):
        raise CommandError(f"{base} is not empty; give --dir a new or empty directory")
    project = base / "shopkit"
    shutil.copytree(source, project, ignore=_copy_ignore)
    repo = init_repository(project, "Import shopkit, with its bugs")
    head = repo.head_commit()
    report_path = base / "selfheal-report.json"
    print(f"selfheal demo: a copy of the example project is in {project} (a new git "
          "repository)\nrunning `pytest --selfheal` there with the offline engine, no API key "
          "needed...\n", flush=True)
    command = [sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report",
               str(report_path), *extra]
    completed = subprocess.run(command, cwd=project, check=False)
    if not report_path.exists():
        raise CommandError(f"pytest exited with code {completed.returncode} and wrote no "
                           "report; see its output above")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    heals = report["heals"]
    healed = [heal for heal in heals if heal["status"] == "healed"]
    print(f"\nselfheal demo: {len(healed)} of {len(heals)} failures healed in "
          f"{report['elapsed_s']:.1f}s; pytest exited with {completed.returncode} because the "
          "original test outcomes stand")
    branches = sorted({heal["branch"] for heal in healed if heal["branch"]})
    assert head is not None
    for branch in branches:
        print(f"\nbranch {branch}:")
        for subject in repo.log_subjects(head, branch):
            print(f"  {subject}")
        print()
        print(repo.diff(head, branch))
    status = repo.status()
    print(f"your checkout: {status or 'untouched (git status is clean)'}")
    if branches:
        print(f"\nTry it:\n  cd {project}\n  selfheal list\n  selfheal show {branches[0]}\n"
              f"  git checkout {branches[0]} && python -m pytest -q   # the healed suite")
    print(f"Remove the demo with: rm -rf {base}")
    return 0 if healed else 1
