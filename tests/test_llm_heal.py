"""End to end: `pytest --selfheal` healing with a model, through the real `openai`
client and a real HTTP server on loopback (pytest_selfheal.testing.OpenAIServer).

Every healing run is a subprocess, as in test_heal_e2e.py: healing hot-reloads the
project's modules, which must not leak into this test session.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import OpenAIServer, Reply, Request, fenced, git, make_git_project

RULES = '''\
def is_adult(age):
    """Whether someone of this age is an adult: 18 or older."""
    return age > 18


def category(age):
    if age < 13:
        return "child"
    if is_adult(age):
        return "adult"
    return "teen"
'''

TESTS = '''\
from ages.rules import category, is_adult


def test_adult_at_18():
    assert is_adult(18)


def test_adult_at_40():
    assert is_adult(40)


def test_not_adult_at_17():
    assert not is_adult(17)


def test_child():
    assert category(5) == "child"


def test_teen():
    assert category(15) == "teen"


def test_category_at_18_runs_after_the_heal():
    assert category(18) == "adult"
'''

PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/ages/__init__.py": "",
    "src/ages/rules.py": RULES,
    "tests/test_rules.py": TESTS,
}

FIXED_RULES = RULES.replace("return age > 18", "return age >= 18")
SECRET = "sk-selfheal-test-0123456789abcdef"

#: A first answer that is wrong in a way only running it shows: a TypeError.
WRONG = fenced('''
    def is_adult(age):
        """Whether someone of this age is an adult: 18 or older."""
        return age >= "18"
''')
RIGHT = fenced('''
    def is_adult(age):
        """Whether someone of this age is an adult: 18 or older."""
        return age >= 18
''', prose="Comparing an int with a str fails; compare with the number 18.")
WRONG_FAILURE = "'>=' not supported between instances of 'int' and 'str'"


def learns_from_failure(request: Request) -> str:
    """Answers wrong until the request shows the wrong answer's failure."""
    return RIGHT if WRONG_FAILURE in request.text else WRONG


@pytest.fixture
def workdir(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's directory (not pytester.path, where pytester.run writes its logs)."""
    root = pytester.path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """A model endpoint that checks the key, configured as a user would: env vars."""
    with OpenAIServer(api_key=SECRET) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        yield running


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", *args, timeout=300)


def everything_written(root: Path, result: pytest.RunResult) -> str:
    """All a user or a reviewer could ever see of the run: output, files, store, git."""
    texts = [result.stdout.str(), result.stderr.str(),
             git(root, "log", "--all", "-p", "--format=%H%n%B")]
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_wrong_first_answer_is_fed_back_and_the_second_heals_the_bug(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = learns_from_failure
    root = make_git_project(workdir, PROJECT)

    result = run_selfheal(pytester, "--selfheal-report", "report.json")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1, passed=5)
    result.stdout.fnmatch_lines([
        "*selfheal: provider openai (OPENAI_BASE_URL and OPENAI_API_KEY set), model "
        "fake-model at http://127.0.0.1:*",
        "HEALED   tests/test_rules.py::test_adult_at_18 (*",
        "  reloaded into this session: yes; re-run: passed",
    ])
    first, second = server.chat_requests
    assert "return age > 18" in first.text
    assert "def test_adult_at_18" in first.text  # the test's source is shown
    # The second request carries the first answer and the failure it caused.
    assert 'return age >= "18"' in second.text
    assert WRONG_FAILURE in second.text
    (branch,) = git(root, "branch", "--list", "selfheal/*",
                    "--format=%(refname:short)").split()
    assert git(root, "show", f"{branch}:src/ages/rules.py") == FIXED_RULES
    body = git(root, "log", "-1", "--format=%B", branch)
    assert "Selfheal-Engine: refine" in body
    assert "Selfheal-Model: fake-model" in body
    report = json.loads((root / "report.json").read_text())
    assert report["model"] == "fake-model"
    assert report["budget"]["calls"] == {"used": 2, "allowed": 40}
    (heal,) = report["heals"]
    assert (heal["status"], heal["engine"], heal["llm_calls"]) == ("healed", "refine", 2)
    assert SECRET not in everything_written(root, result)
    assert git(root, "status", "--porcelain").splitlines() == ["?? report.json"]
