from __future__ import annotations

import os

import pytest

pytest_plugins = ["pytester", "pytest_selfheal.testing"]


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's LLM endpoint, selfheal settings or git identity."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "SELFHEAL_", "GIT_", "PYTEST_ADDOPTS")):
            monkeypatch.delenv(name)
