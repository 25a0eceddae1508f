"""End to end: `pytest -n 2 --selfheal` with real pytest-xdist workers.

``--dist loadfile`` gives each worker one test module as its first unit of work, so the
two failing tests below start on different workers at once and both heal while the
other does: their commits meet on the run's one branch under the repository lock.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from checkouts import selfheal_branches, user_state

from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project

ADD = "def add(a, b):\n    return a - b\n"
MUL = "def mul(a, b):\n    return a + b\n"
# More passing tests than failing ones, so that a fix that passes them is one.
ADD_TESTS = """\
from calc.add import add


def test_add_two_and_three():
    assert add(2, 3) == 5


def test_add_zero():
    assert add(4, 0) == 4
"""
MUL_TESTS = """\
from calc.mul import mul


def test_mul_three_and_four():
    assert mul(3, 4) == 12


def test_mul_by_one():
    assert mul(7, 1) == 7
"""
BASE = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/calc/__init__.py": "",
    "tests/test_add.py": ADD_TESTS,
    "tests/test_mul.py": MUL_TESTS,
}


SECRET = "sk-selfheal-xdist-0123456789abcdef"


def run_xdist(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
                        "--dist", "loadfile", "--selfheal", *args, timeout=600)


def test_two_workers_heal_at_once_onto_one_branch_and_one_report(
    workdir: Path, pytester: pytest.Pytester,
):
    root = make_git_project(workdir, {**BASE, "src/calc/add.py": ADD, "src/calc/mul.py": MUL})
    before = user_state(root)

    result = run_xdist(pytester, "--selfheal-report", "report.json")

    # The original outcomes stand: two tests failed, so pytest fails.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=2, passed=2)
    (branch,) = selfheal_branches(root)
    result.stdout.fnmatch_lines_random([
        "HEALED   tests/test_add.py::test_add_two_and_three (worker gw*, *",
        "HEALED   tests/test_mul.py::test_mul_three_and_four (worker gw*, *",
        "  reloaded into worker gw0's session: yes; re-run: passed",
        "  reloaded into worker gw1's session: yes; re-run: passed",
        "2 healed; the test outcomes above are those of the original code",
    ])
    assert result.stdout.str().count("= selfheal =") == 1
    # Both commits are on the one branch, one after the other.
    assert sorted(git(root, "log", "--format=%s", f"main..{branch}").splitlines()) == [
        "fix(calc.add): heal test_add_two_and_three",
        "fix(calc.mul): heal test_mul_three_and_four",
    ]
    assert git(root, "show", f"{branch}:src/calc/add.py") == ADD.replace("a - b", "a + b")
    assert git(root, "show", f"{branch}:src/calc/mul.py") == MUL.replace("a + b", "a * b")

    report = json.loads((root / "report.json").read_text())
    heals = {heal["tests"][0]: heal for heal in report["heals"]}
    assert set(heals) == {"tests/test_add.py::test_add_two_and_three",
                          "tests/test_mul.py::test_mul_three_and_four"}
    # Each module went to its own worker, which healed it and reloaded the fix there.
    assert {heal["worker"] for heal in heals.values()} == {"gw0", "gw1"}
    assert all(heal["branch"] == branch and heal["reloaded"] for heal in heals.values())
    assert {heal["commit"] for heal in heals.values()} == set(
        git(root, "rev-list", f"main..{branch}").split())
    # One run: one id in the report and in every commit, one HTML report.
    run_id = report["run_id"]
    assert branch.startswith(f"selfheal/{run_id}-")
    trailers = git(root, "log", "--format=%(trailers:key=Selfheal-Run,valueonly)",
                   f"main..{branch}").split()
    assert trailers == [run_id, run_id]
    assert sorted(path.name for path in (root / ".selfheal/reports").iterdir()) == [
        f"{run_id}.html", "latest.html"]
    page = (root / ".selfheal/reports" / f"{run_id}.html").read_text()
    assert "<th>xdist worker</th><td>gw0</td>" in page
    assert "<th>xdist worker</th><td>gw1</td>" in page

    # What both workers learned for the next run is kept: one win each.
    rates = json.loads((root / ".selfheal/operators.json").read_text())["operators"]
    assert sum(counts["won"] for counts in rates.values()) == 2

    (root / "report.json").unlink()  # the one file the user asked for
    assert user_state(root) == before


def test_fixes_of_one_file_by_two_workers_are_both_on_the_branch(
    workdir: Path, pytester: pytest.Pytester,
):
    # Both buggy functions live in one module: the second worker to commit builds on the
    # first one's fix of that file instead of writing over it.
    module = ADD + "\n\n" + MUL
    root = make_git_project(workdir, {
        **BASE, "src/calc/add.py": "from calc.ops import add\n",
        "src/calc/mul.py": "from calc.ops import mul\n", "src/calc/ops.py": module})

    result = run_xdist(pytester)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines_random(["2 healed; the test outcomes above are those of the "
                                        "original code"])
    (branch,) = selfheal_branches(root)
    assert len(git(root, "rev-list", f"main..{branch}").split()) == 2
    fixed = ADD.replace("a - b", "a + b") + "\n\n" + MUL.replace("a + b", "a * b")
    assert git(root, "show", f"{branch}:src/calc/ops.py") == fixed


def test_without_xdist_workers_nothing_changes(workdir: Path, pytester: pytest.Pytester):
    """``-n 0`` runs in one process: the usual branch name, no worker in the summary."""
    root = make_git_project(workdir, {**BASE, "src/calc/add.py": ADD,
                                      "src/calc/mul.py": MUL.replace("a + b", "a * b")})

    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0",
                          "--selfheal", timeout=600)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_add.py::test_add_two_and_three (*s, * candidates)*",
        "  reloaded into this session: yes; re-run: passed",
    ])
    (branch,) = selfheal_branches(root)
    assert branch.endswith("-test-add-two-and-three")
    assert "(worker gw" not in result.stdout.str()


def fixed_function(request: Request) -> str:
    """The model's answer: the fixed function the request asks about."""
    if "def add" in request.text:
        return fenced("def add(a, b):\n    return a + b\n")
    return fenced("def mul(a, b):\n    return a * b\n")


def test_workers_heal_with_the_model_and_the_key_of_the_controllers_environment(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
):
    # The user's tests run in the workers, which take the key out before any test runs.
    hidden = "import os\n\n\ndef test_no_key():\n    assert 'OPENAI_API_KEY' not in os.environ\n"
    root = make_git_project(workdir, {**BASE, "src/calc/add.py": ADD, "src/calc/mul.py": MUL,
                                      "tests/test_secrets.py": hidden})
    with OpenAIServer(api_key=SECRET) as server:
        server.respond = fixed_function
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)

        result = run_xdist(pytester, "--selfheal-model", "fake-model",
                           "--selfheal-report", "report.json")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=2, passed=3)
    report = json.loads((root / "report.json").read_text())
    assert sorted((heal["worker"], heal["status"]) for heal in report["heals"]) == [
        ("gw0", "healed"), ("gw1", "healed")]
    # Each worker asked the model with the key; the requests of both add up in the report.
    assert len(server.chat_requests) >= 2
    assert report["budget"]["calls"]["used"] == len(server.chat_requests)
    assert SECRET not in result.stdout.str() + (root / "report.json").read_text()


MEDIAN_TESTS = """\
from calc.stats import median


def test_median_of_odd_count():
    assert median([3, 1, 2]) == 2
"""


def test_a_module_that_fails_to_import_is_healed_once_by_the_first_worker(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
):
    # Every worker collects every module and sees the same import error.
    root = make_git_project(workdir, {**BASE, "src/calc/add.py": ADD.replace("-", "+"),
                                      "src/calc/mul.py": MUL.replace("+", "*"),
                                      "tests/test_stats.py": MEDIAN_TESTS})
    with OpenAIServer() as server:
        server.respond = lambda request: fenced(
            "def median(values):\n    return sorted(values)[len(values) // 2]\n")
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)

        result = run_xdist(pytester, "--selfheal-model", "fake-model")

    # xdist's own outcome of a collection error stands: the error, and the other tests run.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines_random(["HEALED   tests/test_stats.py (worker gw0, *"])
    assert result.stdout.str().count("HEALED ") == 1
    assert len(server.chat_requests) == 1
    (branch,) = selfheal_branches(root)
    assert "def median(values):" in git(root, "show", f"{branch}:src/calc/stats.py")
