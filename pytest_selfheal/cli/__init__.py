"""The ``selfheal`` command line: review, apply or drop the fixes of ``pytest --selfheal``.

Commands: ``list``, ``show BRANCH``, ``apply BRANCH``, ``drop BRANCH``, ``clean``,
``report``, ``prompts``, ``hook`` (the pre-commit hook) and ``demo``. Exit codes: 0
success, 1
operational failure, 2 usage error; expected errors print ``selfheal: error: ...``
without a traceback. Colour only on terminals, never with ``NO_COLOR`` set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_selfheal import __version__
from pytest_selfheal._options import DEFAULT_BRANCH_PREFIX
from pytest_selfheal._settings import branch_prefix_in
from pytest_selfheal._vcs.gitrepo import GitRepo
from pytest_selfheal.cli import _clean as clean
from pytest_selfheal.cli import _demo as demo
from pytest_selfheal.cli import _prompts as prompts
from pytest_selfheal.cli import _review as review
from pytest_selfheal.cli._console import CommandError, Output
from pytest_selfheal.errors import GitError, SettingsError

__all__ = ["CommandError", "build_parser", "main"]

DEFAULT_OLDER_THAN_DAYS = 30.0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``selfheal`` command."""
    parser = argparse.ArgumentParser(
        prog="selfheal", description="Review, apply or drop the fixes that `pytest --selfheal` "
        "committed to selfheal/... branches.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-C", dest="directory", type=Path, default=None, metavar="DIR",
                        help="run as if selfheal was started in DIR")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the output: auto (default) on terminals unless NO_COLOR "
                        "is set")
    parser.add_argument("--prefix", default=None, metavar="PREFIX",
                        help="prefix of the selfheal branches (default: as pytest --selfheal would "
                        "use it here: the selfheal_branch_prefix ini key, else "
                        f"$SELFHEAL_BRANCH_PREFIX, else {DEFAULT_BRANCH_PREFIX})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "list", help="list the selfheal branches: tests healed, status, age",
        description="List the selfheal branches of this repository with the tests each heals, "
        "whether the current branch already has its fixes (pending, applied, partly applied), "
        "and its age.")
    show = commands.add_parser(
        "show", help="show a branch's fixes: messages and coloured diffs",
        description="Show a selfheal branch: its status, each fix commit's message (failing "
        "tests, root cause, engine, fitness) and diff, and the run's HTML report.")
    show.add_argument("branch", metavar="BRANCH", help="the branch (the selfheal/ prefix may "
                      "be left out)")
    apply = commands.add_parser(
        "apply", help="cherry-pick a branch's fixes onto the current branch",
        description="Cherry-pick the fix commits of a selfheal branch onto the current branch "
        "(snapshot commits of your own work are left out). Refuses a working tree with "
        "uncommitted changes, a detached HEAD or a half-done merge or rebase; a conflict "
        "aborts the whole cherry-pick, so nothing of yours is ever lost.")
    apply.add_argument("branch", metavar="BRANCH", help="the branch to apply")
    drop = commands.add_parser(
        "drop", help="delete a selfheal branch",
        description="Delete a selfheal branch; prints the command that restores it.")
    drop.add_argument("branch", metavar="BRANCH", help="the branch to delete")
    clean_parser = commands.add_parser(
        "clean", help="remove old branches and reports, and abandoned scratch directories",
        description="Delete selfheal branches and .selfheal/ reports older than --older-than "
        "days, scratch directories (selfheal-* in the temporary directory) that no live "
        "process owns, and the leftovers of interrupted pre-commit hooks.")
    clean_parser.add_argument("--older-than", type=_days, default=DEFAULT_OLDER_THAN_DAYS,
                              metavar="DAYS", help="age of the branches and reports to remove "
                              f"(default {DEFAULT_OLDER_THAN_DAYS:g})")
    clean_parser.add_argument("--dry-run", action="store_true",
                              help="only print what would be removed")
    commands.add_parser(
        "report", help="print the path of the latest HTML report",
        description="Print the path of the newest HTML report in .selfheal/reports/.")
    commands.add_parser(
        "prompts", help="show the evolving prompt strategies: versions and scores",
        description="Show each system-prompt strategy of the evolve engine with every "
        "version (built in, or rewritten by the model after it lost) and how each version "
        "scored, from .selfheal/selfheal.db.")
    hook = commands.add_parser(
        "hook", help="the pre-commit hook: run the suite on the staged content, heal failures",
        description="Run `pytest --selfheal` on exactly the staged content (a temporary "
        "worktree), heal failures onto a selfheal/... branch, print how to review and take "
        "the fix, and exit non-zero while tests fail. Arguments after `--` go to pytest.")
    hook.add_argument("pytest_args", nargs="*", help=argparse.SUPPRESS)
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
    out = Output(args.color)
    where = (args.directory or Path.cwd()).resolve()
    try:
        if args.command == "demo":
            return demo.demo(args.dir, args.pytest_args)
        if args.command == "report":
            return review.report(where, out)
        if args.command == "prompts":
            return prompts.prompts(where, out)
        if args.command == "hook":
            from pytest_selfheal.cli._hook import run_hook

            return run_hook(where, args.pytest_args, out)
        repo = GitRepo.discover(where)
        prefix = args.prefix or branch_prefix_in(where)
        if args.command == "list":
            return review.list_branches(repo, prefix, out)
        if args.command == "show":
            return review.show(repo, args.branch, prefix, out)
        if args.command == "apply":
            return review.apply(repo, args.branch, prefix, out)
        if args.command == "drop":
            return review.drop(repo, args.branch, prefix, out)
        if args.command == "clean":
            return clean.clean(repo, prefix, out, older_than_days=args.older_than,
                               dry_run=args.dry_run)
    except BrokenPipeError:
        # The reader went away (`selfheal show ... | head`): stop quietly, as git does.
        # stdout now points at nothing, so the interpreter's final flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SettingsError as exc:
        print(f"selfheal: error: {exc}", file=sys.stderr)
        return 2
    except (CommandError, GitError, OSError) as exc:
        print(f"selfheal: error: {exc}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days >= 0:
        raise argparse.ArgumentTypeError(f"must be a number of days, 0 or more, got {text!r}")
    return days
