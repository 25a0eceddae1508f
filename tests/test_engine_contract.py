"""An engine written against the public contract alone heals a project end to end.

The engine below subclasses :class:`pytest_selfheal.engines.base.Engine` and defines
nothing but ``name`` and ``propose``: everything else the healer and the session use
comes from the contract's defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import make_git_project

CONFTEST = '''\
import pytest

from pytest_selfheal.engines.base import Engine
from pytest_selfheal.models import Candidate


class OneFix(Engine):
    name = "one-fix"

    def propose(self, task, feedback):
        if feedback:
            return []
        function = task.suspects[0].function
        source = task.sources[function.path]
        return [Candidate(function, source.replace("a - b", "a + b"), "swap", "add instead",
                          function.lineno + 1)]


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_make_engine(config, settings):
    return {engine}
'''

FILES = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def run_pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "--selfheal", "--selfheal-report",
                           "report.json", "-p", "no:randomly", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300, check=False)


def test_an_engine_that_implements_only_the_contract_heals_and_is_named_in_the_commit(
    workdir: Path,
):
    make_git_project(workdir, {**FILES, "conftest.py": CONFTEST.format(engine="OneFix()")})

    completed = run_pytest(workdir)

    # Healing never changes the outcome: the test failed, so the run fails.
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (heal,) = json.loads((workdir / "report.json").read_text())["heals"]
    assert heal["status"] == "healed", heal["reason"]
    assert heal["engine"] == "one-fix"
    message = subprocess.run(["git", "log", "-1", "--format=%B", heal["branch"]], cwd=workdir,
                             capture_output=True, text=True, check=True).stdout
    assert "Selfheal-Engine: one-fix" in message
    fixed = subprocess.run(["git", "show", f"{heal['branch']}:src/calc.py"], cwd=workdir,
                           capture_output=True, text=True, check=True).stdout
    assert "return a + b" in fixed
    # The user's file is left as it was: the fix waits on its review branch.
    assert (workdir / "src/calc.py").read_text() == FILES["src/calc.py"]


def test_an_engine_that_does_not_subclass_the_contract_is_a_clear_error(workdir: Path):
    make_git_project(workdir, {**FILES, "conftest.py": CONFTEST.format(engine="object()")})

    completed = run_pytest(workdir)

    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert "pytest_selfheal_make_engine returned <object object" in completed.stderr + \
        completed.stdout
    assert "subclass pytest_selfheal.engines.base.Engine" in completed.stderr + completed.stdout
