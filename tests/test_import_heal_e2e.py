"""End to end: a test module that cannot be collected because the code it imports does
not exist yet gets that code written, verified by collecting and running the module in
a fresh process, and committed; the original run's outcome stands.

Subprocess runs with the real `openai` client and the loopback server, as in
test_llm_heal.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project

TESTS = '''\
from shop.stats import median


def test_median_of_odd_count():
    assert median([3, 1, 2]) == 2


def test_median_of_even_count():
    assert median([4, 1, 3, 2]) == 2.5
'''
MEDIAN = fenced('''
    import statistics


    def median(values):
        return statistics.median(values)
''')
WRONG = fenced('''
    def median(values):
        return sorted(values)[len(values) // 2]
''')


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    with OpenAIServer() as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        yield running


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", "-p", "no:cacheprovider", "--selfheal-report",
                        "report.json", *args, timeout=300)


def branch_of(root: Path) -> str:
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    return branch


def learns(request: Request) -> str:
    """Wrong until the request shows the even-count failure of the wrong answer."""
    return MEDIAN if "test_median_of_even_count" in request.text.split("must be written")[-1] \
        else WRONG


@pytest.mark.parametrize("module_exists", [True, False], ids=["missing-name", "missing-module"])
def test_a_test_module_failing_collection_on_a_missing_import_gets_the_code_written(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer, module_exists: bool,
) -> None:
    server.respond = learns
    files = {"pyproject.toml": "", "shop/__init__.py": "", "tests/test_stats.py": TESTS}
    if module_exists:
        files["shop/stats.py"] = "def mean(values):\n    return sum(values) / len(values)\n"
    root = make_git_project(workdir, files)

    result = run_selfheal(pytester)

    # The run's outcome is the collection error's: nothing was re-run in this session.
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_stats.py (*",
        "*note: tests/test_stats.py could not be imported in this session: it can only be "
        "re-run in a new one",
    ])
    # The wrong first answer was run in a fresh process and its failure fed back.
    first, second = server.chat_requests
    assert "shop/stats.py" in first.text
    assert "`median` must be written: a module-level function" in first.text
    assert "test_median_of_even_count" in second.text.split("must be written")[-1]
    healed = git(root, "show", f"{branch_of(root)}:shop/stats.py")
    assert healed.startswith("import statistics\n")
    if module_exists:
        assert "def mean(values)" in healed
    heal = json.loads((root / "report.json").read_text())["heals"][0]
    assert (heal["status"], heal["files"]) == ("healed", ["shop/stats.py"])
    assert heal["winner"]["tests_passed"] == heal["winner"]["tests_total"] == 2
    # Nothing of the user's changed, and a new session runs the tests on the branch.
    assert git(root, "status", "--porcelain").splitlines() == ["?? report.json"]
    git(root, "checkout", "-q", branch_of(root))
    rerun = pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", timeout=120)
    rerun.assert_outcomes(passed=2)


def test_the_evolve_engine_writes_missing_code_too(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: (
        "You are careful." if "improve system prompts" in request.text else MEDIAN)
    root = make_git_project(workdir, {"pyproject.toml": "", "shop/__init__.py": "",
                                      "tests/test_stats.py": TESTS})

    result = run_selfheal(pytester, "--selfheal-engine", "evolve",
                          "--selfheal-population", "2")

    result.stdout.fnmatch_lines(["HEALED   tests/test_stats.py (*"])
    heal = json.loads((root / "report.json").read_text())["heals"][0]
    assert heal["engine"] == "evolve"
    assert "statistics.median" in git(root, "show", f"{branch_of(root)}:shop/stats.py")


def test_every_name_a_test_module_imports_from_a_new_module_is_written(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = lambda request: fenced('''
        def mode(values):
            return max(sorted(set(values)), key=values.count)


        def median(values):
            ordered = sorted(values)
            middle = len(ordered) // 2
            if len(ordered) % 2:
                return ordered[middle]
            return (ordered[middle - 1] + ordered[middle]) / 2
    ''')
    tests = TESTS.replace("import median", "import median, mode") + (
        "\n\ndef test_mode():\n    assert mode([1, 2, 2]) == 2\n")
    root = make_git_project(workdir, {"pyproject.toml": "", "shop/__init__.py": "",
                                      "tests/test_stats.py": tests})

    result = run_selfheal(pytester)

    result.stdout.fnmatch_lines(["HEALED   tests/test_stats.py (*"])
    (request,) = server.chat_requests
    assert "`median` must be written (and `mode`, which the test also imports" in request.text
    healed = git(root, "show", f"{branch_of(root)}:shop/stats.py")
    assert healed.index("def mode") < healed.index("def median")
