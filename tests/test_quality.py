"""The project's own checks, run by the test suite so CI cannot skip them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed: install the test extra, pip install -e '.[test]'")
    return path


def test_imports_follow_the_layers_and_each_library_has_one_home():
    completed = run(tool("lint-imports"))
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ruff_finds_nothing():
    paths = [name for name in ("pytest_selfheal", "tests", "benchmarks") if (ROOT / name).exists()]
    completed = run(tool("ruff"), "check", *paths)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_mypy_strict_finds_nothing():
    completed = run(sys.executable, "-m", "mypy")
    assert completed.returncode == 0, completed.stdout + completed.stderr
