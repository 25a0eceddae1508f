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
from ages_project import FIXED_RULES, PROJECT

from pytest_selfheal.testing import OpenAIServer, Reply, Request, fenced, git, make_git_project

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


def second_test_fails_too(project: dict[str, str]) -> dict[str, str]:
    """The project with a second, unrelated failing test after the first."""
    return {**project, "tests/test_zoo.py": (
        "from ages.rules import category\n\n\ndef test_teen_at_16():\n"
        "    assert category(16) == 'adult'\n")}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("wrong-key", "*refused the API key (HTTP 401): check OPENAI_API_KEY*"),
        ("unknown-model", "*does not serve the model 'fake-model'*"),
        ("unreachable", "*cannot reach the LLM endpoint at http://127.0.0.1:*"),
    ],
)
def test_an_endpoint_that_cannot_serve_stops_healing_with_one_clear_line(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
    setup: str, message: str,
) -> None:
    with OpenAIServer(api_key="sk-the-right-key-000000000000", respond=lambda r: RIGHT,
                      models=["other-model"] if setup == "unknown-model" else ["fake-model"],
                      ) as server:
        url = server.url
        if setup != "wrong-key":
            monkeypatch.setenv("OPENAI_API_KEY", "sk-the-right-key-000000000000")
        if setup == "unreachable":
            server.stop()  # nothing listens on its port any more
        else:
            monkeypatch.setenv("OPENAI_API_KEY", SECRET if setup == "wrong-key"
                               else "sk-the-right-key-000000000000")
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        root = make_git_project(workdir, second_test_fails_too(PROJECT))

        result = run_selfheal(pytester, "--selfheal-report", "report.json")

        requests = len(server.chat_requests)
    # The tests' results are what they were (the last test of test_rules.py fails too,
    # as nothing was healed before it), and the exit code is the tests'.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=3, passed=4)
    result.stdout.fnmatch_lines(["ERROR    tests/test_rules.py::test_adult_at_18 (*",
                                 f"  why: {message}"])
    result.stdout.fnmatch_lines(["SKIPPED  tests/test_zoo.py::test_teen_at_16 (*",
                                 "  why: healing stopped: *"])
    assert requests <= 1  # the second failure did not ask again
    report = json.loads((root / "report.json").read_text())
    assert [heal["status"] for heal in report["heals"]] == ["error", "skipped", "skipped"]
    assert not git(root, "branch", "--list", "selfheal/*")
    assert SECRET not in everything_written(root, result)


def test_scripted_faults_are_survived_and_the_bug_still_healed(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.add(Reply.rate_limited(0), Reply.malformed(), Reply.truncated(),
               Reply.server_error(502), RIGHT)
    root = make_git_project(workdir, PROJECT)

    result = run_selfheal(pytester, "--selfheal-report", "report.json")

    result.assert_outcomes(failed=1, passed=5)
    result.stdout.fnmatch_lines(["HEALED   tests/test_rules.py::test_adult_at_18 (*"])
    assert len(server.chat_requests) == 5
    report = json.loads((root / "report.json").read_text())
    assert report["budget"]["calls"]["used"] == 5  # failed calls count


def test_the_call_budget_is_never_exceeded_in_a_run(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = learns_from_failure
    root = make_git_project(workdir, second_test_fails_too(PROJECT))

    result = run_selfheal(pytester, "--selfheal-max-llm-calls", "1",
                          "--selfheal-report", "report.json")

    result.assert_outcomes(failed=3, passed=4)
    assert len(server.chat_requests) == 1
    result.stdout.fnmatch_lines([
        "UNHEALED tests/test_rules.py::test_adult_at_18 (*",
        "  why: *the budget of 1 LLM calls is spent (raise --selfheal-max-llm-calls)*",
    ])
    report = json.loads((root / "report.json").read_text())
    assert report["budget"]["calls"] == {"used": 1, "allowed": 1}
    assert not git(root, "branch", "--list", "selfheal/*")


def test_a_recorded_run_is_replayed_with_no_network(
    workdir: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_git_project(workdir, PROJECT)
    with OpenAIServer(respond=learns_from_failure) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        recorded = run_selfheal(pytester, "--selfheal-report", "recorded.json")
    recorded.stdout.fnmatch_lines(["HEALED   tests/test_rules.py::test_adult_at_18 (*"])
    monkeypatch.delenv("OPENAI_BASE_URL")  # the server is gone, and nothing points at it

    replayed = run_selfheal(pytester, "--selfheal-provider", "replay",
                            "--selfheal-report", "replayed.json")

    replayed.assert_outcomes(failed=1, passed=5)
    replayed.stdout.fnmatch_lines(["*selfheal: provider replay (chosen with "
                                   "--selfheal-provider)*recorded run*",
                                   "HEALED   tests/test_rules.py::test_adult_at_18 (*"])
    first = json.loads((root / "recorded.json").read_text())["heals"][0]
    second = json.loads((root / "replayed.json").read_text())["heals"][0]
    assert (second["diff"], second["llm_calls"]) == (first["diff"], first["llm_calls"]) == (
        second["diff"], 2)
    assert len(git(root, "branch", "--list", "selfheal/*").split()) == 2


def test_replay_without_a_recording_says_so_and_changes_no_outcome(
    workdir: Path, pytester: pytest.Pytester,
) -> None:
    make_git_project(workdir, PROJECT)
    result = run_selfheal(pytester, "--selfheal-provider", "replay")
    result.assert_outcomes(failed=2, passed=4)
    result.stdout.fnmatch_lines(["  why: nothing to replay: .selfheal/selfheal.db has no "
                                 "recorded LLM run*"])


STATS = '''\
def mean(values):
    return sum(values) / len(values)


def mode(values):
    raise NotImplementedError
'''

STATS_TESTS = '''\
import stats


def test_mean():
    assert stats.mean([1, 2, 3]) == 2


def test_median_of_odd_count():
    assert stats.median([3, 1, 2]) == 2


def test_mode():
    assert stats.mode([1, 2, 2, 3]) == 2


def test_median_of_even_count_runs_after_the_heal():
    assert stats.median([4, 1, 3, 2]) == 2.5
'''

MEDIAN = fenced('''
    def median(values):
        ordered = sorted(values)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2
''')
MODE = fenced('''
    def mode(values):
        return max(sorted(set(values)), key=values.count)
''')


def writes_what_is_asked(request: Request) -> str:
    return MEDIAN if "`median` must be written" in request.text else MODE


def test_missing_functions_are_written_from_their_tests_loaded_and_committed(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.respond = writes_what_is_asked
    root = make_git_project(workdir, {"pyproject.toml": "", "stats.py": STATS,
                                      "test_stats.py": STATS_TESTS})

    result = run_selfheal(pytester)

    # Both failures stand in the report; both are healed, and the last test (median of
    # an even count) passes on the median written for the first one, loaded in-session.
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines([
        "HEALED   test_stats.py::test_median_of_odd_count (*",
        "  fix: fake-model implement of median (round 1) (in stats.py::median)",
        "*",
        "  reloaded into this session: yes; re-run: passed",
    ])
    result.stdout.fnmatch_lines([
        "HEALED   test_stats.py::test_mode (*",
        "  reloaded into this session: yes; re-run: passed",
    ])
    assert len(server.chat_requests) == 2  # right at once: one call per heal
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    healed = git(root, "show", f"{branch}:stats.py")
    namespace: dict[str, object] = {}
    exec(healed, namespace)
    assert namespace["median"]([5, 1, 4, 2]) == 3  # type: ignore[operator]
    assert namespace["mode"]([7, 7, 1]) == 7  # type: ignore[operator]
    assert git(root, "log", "--format=%s", f"main..{branch}").splitlines() == [
        "fix(stats): heal test_mode", "fix(stats): heal test_median_of_odd_count"]
