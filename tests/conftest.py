from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester", "pytest_selfheal.testing"]


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's LLM endpoint, selfheal settings or git identity."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "SELFHEAL_", "GIT_", "PYTEST_ADDOPTS")):
            monkeypatch.delenv(name)


@pytest.fixture
def workdir(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory to hold a project, made the current directory.

    Not pytester.path itself: pytester.run writes its stdout and stderr files there,
    which would show up in the project's `git status`.
    """
    root = pytester.path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root
