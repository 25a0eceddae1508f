"""What a user owns in a checkout, to compare before and after a healing run."""

from __future__ import annotations

from pathlib import Path

from pytest_selfheal.testing import git


def user_state(root: Path) -> dict[str, object]:
    """What the user would notice if it changed: HEAD, index, status, stash, branches."""
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "symbolic": git(root, "symbolic-ref", "-q", "HEAD"),
        "index": (root / ".git/index").read_bytes(),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "stash": git(root, "stash", "list"),
        "branches": [b for b in git(root, "branch", "--format=%(refname:short)").split()
                     if not b.startswith("selfheal/")],
        "files": {path.relative_to(root).as_posix(): path.read_bytes()
                  for path in root.rglob("*")
                  if path.is_file() and not {".git", "__pycache__", ".pytest_cache",
                                             ".selfheal"} & set(path.parts)},
    }


def selfheal_branches(root: Path) -> list[str]:
    return git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
