"""The ``selfheal`` command line.

``selfheal demo`` heals a copy of the bundled example project in a new git repository
and shows the branch it wrote. Exit codes: 0 success, 1 operational failure, 2 usage
error; expected errors print ``selfheal: error: ...`` without a traceback.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pytest_selfheal import __version__
from pytest_selfheal.errors import GitError
from pytest_selfheal.gitrepo import init_repository

EXAMPLE_MARKER = "src/shopkit/__init__.py"


class CommandError(Exception):
    """An expected failure of a command: printed as one line, exit code 1."""


def example_project() -> Path:
    """The example project: beside the package in a source checkout, else bundled with it."""
    package = Path(__file__).resolve().parent
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
        print(f"\nTry it:\n  cd {project}\n  git log --stat main..{branches[0]}\n"
              f"  git checkout {branches[0]} && python -m pytest -q   # the healed suite")
    print(f"Remove the demo with: rm -rf {base}")
    return 0 if healed else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``selfheal`` command."""
    parser = argparse.ArgumentParser(
        prog="selfheal", description="Review and try the fixes that `pytest --selfheal` makes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo_parser = commands.add_parser(
        "demo", help="heal a copy of the bundled example project and show the fix branch",
        description="Copy the bundled example project into a new git repository, run "
        "`pytest --selfheal` there with the offline engine, and show the branch it wrote. "
        "Arguments after `--` go to pytest.")
    demo_parser.add_argument("--dir", type=Path, default=None,
                             help="where to put the copy (default: a new temporary directory)")
    demo_parser.add_argument("pytest_args", nargs="*", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``selfheal`` command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo(args.dir, args.pytest_args)
    except (CommandError, GitError, OSError) as exc:
        print(f"selfheal: error: {exc}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
