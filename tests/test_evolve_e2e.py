"""End to end: `pytest --selfheal --selfheal-engine evolve` and `--selfheal-optimize`,
through the real `openai` client and a real HTTP server on loopback.

Every run is a subprocess (as in test_llm_heal.py): healing hot-reloads the project's
modules, which must not leak into this test session. Speed decides some of these
outcomes, so the workloads differ by orders of magnitude (a quadratic scan of 6000
items against a dict), never by a few percent, and nothing asserts an absolute time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal._store import Store
from pytest_selfheal.cli import main
from pytest_selfheal.testing import OpenAIServer, Request, fenced, git, make_git_project

#: The correct-but-quadratic original, with a bug on the empty list.
BUGGY = '''\
def unique(items):
    """The items without repeats, in the order they first appear."""
    if not items:
        return None
    kept = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept
'''
TESTS = '''\
from uniq.core import unique


def test_empty():
    assert unique([]) == []


def test_order():
    assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_many():
    items = list(range(3000)) * 2
    assert unique(items) == list(range(3000))
'''
PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "src/uniq/__init__.py": "",
    "src/uniq/core.py": BUGGY,
    "tests/test_unique.py": TESTS,
}

WRONG = fenced('''
    def unique(items):
        """The items without repeats, in the order they first appear."""
        return sorted(set(items))
''')
SLOW = fenced('''
    def unique(items):
        """The items without repeats, in the order they first appear."""
        kept = []
        for item in items:
            if item not in kept:
                kept.append(item)
        return kept
''')
FAST = fenced('''
    def unique(items):
        """The items without repeats, in the order they first appear."""
        return list(dict.fromkeys(items))
''')
FAST_BUT_LONGER = fenced('''
    def unique(items):
        """The items without repeats, in the order they first appear."""
        if not items:
            return []
        first_seen = dict.fromkeys(items)
        ordered = list(first_seen)
        result = ordered
        return result
''')
SLOW_VARIANT = fenced('''
    def unique(items):
        """The items without repeats, in the order they first appear."""
        kept = []
        for item in items:
            if item not in kept:
                kept += [item]
        return kept
''')
FAST_CODE = "    return list(dict.fromkeys(items))\n"
REWRITTEN = "You are a pragmatic engineer: pick the fastest correct algorithm."


def answers_rewrites(request: Request) -> str:
    """After the scripted answers: prompt rewrites get a new prompt, the rest a correct
    but slow variant (new the first time, a repeat after that)."""
    if "improve system prompts" in request.text:
        return f"{REWRITTEN} (rewrite {len(request.text) % 1000})"
    return SLOW_VARIANT


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    with OpenAIServer(respond=answers_rewrites) as running:
        monkeypatch.setenv("OPENAI_BASE_URL", running.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-evolve-test-0123456789")
        yield running


def run_evolve(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-model",
                        "fake-model", "--selfheal-engine", "evolve", "--selfheal-report",
                        "report.json", *args, timeout=600)


def branch_file(root: Path, path: str) -> str:
    (branch,) = git(root, "branch", "--list", "selfheal/*", "--format=%(refname:short)").split()
    return git(root, "show", f"{branch}:{path}")


def test_the_fast_correct_implementation_wins_over_the_slow_one_and_the_wrong_one(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.add(WRONG, SLOW, FAST)
    root = make_git_project(workdir, PROJECT)

    result = run_evolve(pytester, "--selfheal-population", "3")

    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_unique.py::test_empty (*",
        "  speed: *x the original (min of * runs; medians *x; spread *",
        "  fitness per generation: * *",
        "  leaderboard:",
    ])
    assert FAST_CODE in branch_file(root, "src/uniq/core.py")
    heal = json.loads((root / "report.json").read_text())["heals"][0]
    assert heal["engine"] == "evolve"
    # The slow candidate is correct too, and its whole lineage was judged, so the fast
    # one won on speed: measured against the original in the same run.
    board = {entry["change"]: entry for entry in heal["leaderboard"]}
    assert sum(entry["passed"] for entry in board.values()) >= 2
    assert heal["winner"]["speedup"] > 1.05
    assert heal["winner"]["timing_runs"] >= 3
    # Generation 1 bred a correct but slow variant: no new leader, so the search stopped.
    assert len(heal["fitness_per_generation"]) == heal["generations"] == 2
    assert any("generation 1" in change for change in board)
    assert "Speedup:" in git(root, "log", "-1", "--format=%B", heal["branch"])
    # The lineage of every individual is kept in the store.
    store = Store.for_project(root)
    lineage = {row.number: row for row in store.individuals()}
    store.close()
    assert [lineage[n].operator for n in (1, 2, 3)] == ["seed", "seed", "seed"]
    bred = [row for row in lineage.values() if row.generation == 1]
    assert bred
    assert all(row.parents for row in bred)
    assert {row.operator for row in bred} & {"mutation", "crossover"}
    (page,) = (root / ".selfheal" / "reports").glob("2*.html")
    html = page.read_text()
    assert "<h3>Fitness per generation</h3><svg" in html
    assert f"{heal['winner']['speedup']:.2f}x" in html


def test_of_two_equally_fast_correct_implementations_the_smaller_diff_wins(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
) -> None:
    server.add(FAST_BUT_LONGER, FAST)
    root = make_git_project(workdir, PROJECT)

    # "Equally fast" is what the noise floor says: a wide one makes these two
    # implementations (the same dict-based algorithm) tie on any machine.
    result = run_evolve(pytester, "--selfheal-population", "2", "--selfheal-noise-floor",
                        "0.5", "--selfheal-seed", "7")

    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(["*evolve: population 2, generations 3, seed 7*"])
    fixed = branch_file(root, "src/uniq/core.py")
    assert FAST_CODE in fixed
    assert "first_seen" not in fixed
    report = json.loads((root / "report.json").read_text())
    assert report["seed"] == 7
    assert [entry["passed"] for entry in report["heals"][0]["leaderboard"][:2]] == [True, True]


OPTIMIZE_PROJECT = {
    **PROJECT,
    "src/uniq/core.py": BUGGY.replace("        return None\n", "        return []\n"),
    # The tests check less than the function computes: the length, not the order.
    "tests/test_unique.py": '''\
from uniq.core import unique


def test_small():
    assert unique([1, 1, 2]) == [1, 2]


def test_many_keeps_one_of_each():
    items = list(range(3000))[::-1] * 2
    assert len(unique(items)) == 3000
''',
}


MARKED_TESTS = OPTIMIZE_PROJECT["tests/test_unique.py"].replace(
    "def test_many_keeps_one_of_each", "@pytest.mark.selfheal_optimize('uniq.core:unique')\n"
    "def test_many_keeps_one_of_each").replace("from uniq", "import pytest\n\nfrom uniq")


@pytest.mark.parametrize("asked_by", ["flag", "marker"])
def test_optimize_commits_a_faster_implementation_that_returns_what_the_original_did(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer, asked_by: str,
) -> None:
    # Sorting passes both tests but changes the order the original returns: refused.
    server.add(WRONG, FAST)
    files = dict(OPTIMIZE_PROJECT)
    extra: tuple[str, ...] = ("--selfheal-optimize", "uniq.core:unique")
    if asked_by == "marker":
        files["tests/test_unique.py"] = MARKED_TESTS
        extra = ()
    root = make_git_project(workdir, files)

    # The refine engine heals failures; optimization always evolves.
    result = run_evolve(pytester, "--selfheal-engine", "refine", "--selfheal-population", "2",
                        *extra)

    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "FASTER   uniq.core:unique (*",
        "  speed: *x the original *",
        "*FAIL 2/2 * (the candidate returned [[]0, 1, 2, * where the original unique "
        "returned [[]2999, 2998, *",
    ])
    assert FAST_CODE in branch_file(root, "src/uniq/core.py")
    heal = json.loads((root / "report.json").read_text())["heals"][0]
    assert heal["goal"] == "optimize"
    assert heal["winner"]["speedup"] > 1.05
    sorted_one = next(e for e in heal["leaderboard"] if "generation 0" in e["change"]
                      and not e["passed"])
    assert "where the original" in sorted_one["reason"]
    subject = git(root, "log", "-1", "--format=%s", heal["branch"])
    assert subject.startswith("perf(uniq.core): faster unique (")


def test_the_losing_prompt_strategy_is_rewritten_and_the_history_grows_across_runs(
    workdir: Path, pytester: pytest.Pytester, server: OpenAIServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_git_project(workdir, PROJECT)
    server.add(WRONG, FAST)
    run_evolve(pytester, "--selfheal-population", "2").assert_outcomes(failed=1, passed=2)
    assert main(["-C", str(root), "prompts"]) == 0
    first = capsys.readouterr().out

    server.add(WRONG, FAST)
    run_evolve(pytester, "--selfheal-population", "2").assert_outcomes(failed=1, passed=2)
    assert main(["-C", str(root), "prompts"]) == 0
    second = capsys.readouterr().out

    # minimal-patch wrote the wrong answer both times and lost: its prompt was rewritten,
    # tried in the second evolution (where it did as well as v1) and kept; the second
    # rewrite waits for its own trial.
    assert "strategy minimal-patch (2 versions)" in first
    assert "  v1 (current)" in first
    assert "  v2 (probation: waiting for a trial against v1)" in first
    assert "strategy minimal-patch (3 versions)" in second
    assert "  v2 (current)" in second
    assert "  v3 (probation: waiting for a trial against v2)" in second
    assert "built-in; won 0 of 1 evolutions" in second
    assert REWRITTEN in second
    assert "strategy rewrite-for-robustness (1 version)" in second
    assert "won 2 of 2 evolutions" in second
