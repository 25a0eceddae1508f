"""Helpers for testing with pytest-selfheal, shipped with the package.

:func:`make_git_project` builds a throwaway project in its own real git repository;
the ``git_project`` fixture wraps it for tests. Use them to check a heal end to end
without touching any real repository.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

#: Identity of the commits made by these helpers, set per repository, never globally.
IDENTITY = {"user.name": "Selfheal Tests", "user.email": "tests@selfheal.invalid"}


def git(root: Path, *args: str) -> str:
    """Run ``git`` in ``root`` and return its standard output; raise when it fails."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    completed = subprocess.run(
        ["git", *args], cwd=root, env=environment, check=True, capture_output=True, text=True
    )
    return completed.stdout


def make_git_project(
    root: Path, files: Mapping[str, str], *, commit: bool = True, branch: str = "main"
) -> Path:
    """Write ``files`` (relative path to text) under ``root`` and commit them.

    :param commit: when false, the repository is initialised but nothing is committed.
    :returns: ``root``.
    """
    root.mkdir(parents=True, exist_ok=True)
    for relpath, text in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", branch)
    for key, value in IDENTITY.items():
        git(root, "config", key, value)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Initial commit")
    return root


@pytest.fixture
def git_project(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``git_project(files, commit=True)`` returns the root of a new repository."""

    def factory(files: Mapping[str, str], *, commit: bool = True, name: str = "project") -> Path:
        return make_git_project(tmp_path / name, files, commit=commit)

    return factory
