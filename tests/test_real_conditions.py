"""Healing under real conditions: a slow machine, and a bug that makes a test hang.

A time limit tuned on a fast machine refuses every fix on a slow one; a test that hangs
costs its whole timeout each time it is run again. Every run is a subprocess
(pytester.run): healing hot-reloads the project's modules.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_selfheal._heal.alternatives import MOST_PASSING
from pytest_selfheal.cli._demo import example_project
from pytest_selfheal.testing import git, make_git_project

SEARCH = '''\
def index_of(items, target):
    """Where ``target`` is in the sorted ``items``, or -1."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid + 1
    return -1
'''

SEARCH_TESTS = '''\
from finder.search import index_of


def test_finds_the_last_item():
    assert index_of([1, 3, 5], 5) == 2


def test_finds_the_first_item_and_not_one_below():
    assert index_of([1, 3, 5], 1) == 0
    assert index_of([1, 3, 5], 0) == -1


def test_empty_list():
    assert index_of([], 4) == -1


def test_missing_item_above():
    assert index_of([1, 3, 5], 9) == -1
'''


def heal(pytester: pytest.Pytester, root: Path, *args: str) -> tuple[pytest.RunResult, dict]:
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-report", "report.json", *args, timeout=600)
    return result, json.loads((root / "report.json").read_text())


def search_project(root: Path, tests: str, timeout_s: int) -> Path:
    """The buggy search and ``tests`` in a new repository, with pytest-timeout (signal
    method) stopping a test after ``timeout_s``."""
    return make_git_project(root, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
                          f'timeout = {timeout_s}\ntimeout_method = "signal"\n',
        "src/finder/__init__.py": "",
        "src/finder/search.py": SEARCH,
        "tests/test_search.py": tests,
    })


def test_a_bug_that_makes_a_test_hang_is_healed_with_pytest_timeout(
        workdir: Path, pytester: pytest.Pytester):
    # `hi = mid + 1` never moves `hi` down: looking for the first item loops forever,
    # until pytest-timeout (signal method) fails the test from inside the loop.
    root = search_project(workdir, SEARCH_TESTS, timeout_s=5)
    result, report = heal(pytester, root)
    result.assert_outcomes(failed=1, passed=3)
    result.stdout.fnmatch_lines([
        "*not re-running tests/test_search.py::test_finds_the_first_item_and_not_one_below to*",
        "*Timeout (>5.0s) from pytest-timeout*",
    ])
    (heal_,) = report["heals"]
    assert heal_["status"] == "healed", heal_["reason"]
    assert heal_["change"] == "line 11: `mid + 1` -> `mid - 1`"
    assert heal_["rerun_outcome"] == "passed"
    # Candidates that still loop are cut off at a few times the finishing tests' time,
    # not at pytest-timeout's five seconds.
    loops = [entry for entry in heal_["leaderboard"] if "timed out" in entry["reason"]]
    assert loops
    assert all(float(entry["reason"].rsplit(" ", 1)[1].rstrip("s")) < 5 for entry in loops)


SLOW_SEARCH_TESTS = SEARCH_TESTS.replace('''\
def test_finds_the_first_item_and_not_one_below():
    assert index_of([1, 3, 5], 1) == 0
    assert index_of([1, 3, 5], 0) == -1
''', '''\
def test_finds_every_item_of_a_long_list_many_times():
    # A fifth of a second or more of searching once fixed: far longer than the other
    # tests, whose time is all a candidate's limits can be measured from, as this one
    # hangs.
    items = list(range(0, 4000, 2))
    for _ in range(100):
        for position in range(len(items)):
            assert index_of(items, items[position]) == position
''')


def test_a_hanging_test_whose_fix_is_slower_than_the_other_tests_is_healed(
        workdir: Path, pytester: pytest.Pytester):
    # The failing tests hang on the unchanged code, so nothing says how long they take
    # once fixed; the fix needs many times the limits learned from the tests that finish.
    root = search_project(workdir, SLOW_SEARCH_TESTS, timeout_s=10)
    # Most mutants of the loop loop too, each at a few growing limits: room for them.
    result, report = heal(pytester, root, "-x", "--selfheal-timeout", "300")
    result.assert_outcomes(failed=1, passed=1)
    (heal_,) = report["heals"]
    # `hi = mid` passes these tests as well as `hi = mid - 1`, but still loops when the
    # target falls between two items (index_of([1, 3, 6], 5)): it dodges the hang, and is
    # refused; the search goes on, and the heal is reported unhealed for it only when the
    # search's time ends before the fix is found.
    if heal_["status"] != "healed":
        assert "still does not return: the loop the failing test hung in is dodged" in \
            heal_["reason"], heal_["reason"]
        assert git(root, "branch", "--list", "selfheal/*") == ""
        return
    assert heal_["change"].startswith("line 11: ")
    assert heal_["rerun_outcome"] == "passed"
    fixed = git(root, "show", f"{heal_['branch']}:src/finder/search.py")
    absent = subprocess.run([sys.executable, "-c", fixed + "\nprint(index_of([1, 3, 6], 5))"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert absent.stdout.strip() == "-1", fixed


# The failing test hangs on `hi = mid + 1`. `hi = mid` makes it pass and passes the
# others, but still never returns when the target is below every item (index_of([3, 5],
# 1), one step from the failing test's call); `hi = mid - 1` is the fix.
DODGING_TESTS = SEARCH_TESTS.replace("    assert index_of([1, 3, 5], 0) == -1\n", "")

# An engine that, as a model might, proposes edits that dodge the hang before the fix:
# ROUNDS is its rounds, each a list of (edit, description).
DODGE_FIRST_ENGINE = '''\
import pytest

from pytest_selfheal.engines.base import Engine
from pytest_selfheal.models import Candidate

ROUNDS = {rounds!r}


class DodgeFirst(Engine):
    name = "dodge-first"

    def propose(self, task, feedback):
        self.given = self.given if feedback else 0
        if self.given == len(ROUNDS):
            return []
        self.given += 1
        function = task.suspects[0].function
        source = task.sources[function.path]
        return [Candidate(function, source.replace("hi = mid + 1", edit), "edit", description,
                          function.lineno + 10)
                for edit, description in ROUNDS[self.given - 1]]


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_make_engine(config, settings):
    return DodgeFirst()
'''

FIX = ("hi = mid - 1", "end the loop")
# `hi = mid` written as many ways as passing fixes are compared at most: they fill the
# comparison, and the fix after them in the same round is judged only if the search goes
# on past them.
SAME_ROUND = [[*((f"hi = mid - {k} + {k}", f"dodge the loop {k}")
                 for k in range(MOST_PASSING)), FIX]]
NEXT_ROUND = [[("hi = mid", "dodge the loop 0")], [FIX]]


@pytest.mark.parametrize("rounds", [NEXT_ROUND, SAME_ROUND], ids=["next-round", "same-round"])
def test_a_fix_that_only_dodges_the_hang_is_refused_and_the_search_goes_on_to_the_fix(
        workdir: Path, pytester: pytest.Pytester, rounds: list[list[tuple[str, str]]]):
    root = search_project(workdir, DODGING_TESTS, timeout_s=5)
    (root / "conftest.py").write_text(DODGE_FIRST_ENGINE.format(rounds=rounds))
    git(root, "add", "conftest.py")
    git(root, "commit", "-q", "-m", "engine")
    result, report = heal(pytester, root)
    result.assert_outcomes(failed=1, passed=3)
    (heal_,) = report["heals"]
    assert heal_["status"] == "healed", heal_["reason"]
    assert heal_["change"] == "end the loop"
    assert heal_["rerun_outcome"] == "passed"
    fixed = git(root, "show", f"{heal_['branch']}:src/finder/search.py")
    assert "hi = mid - 1\n" in fixed
    # Each candidate judged once, the refused ones included.
    assert heal_["candidates_evaluated"] == sum(map(len, rounds))
    # The first refused candidate is named, with the call that still hangs, in the notes
    # and among the candidates tried.
    (refusal,) = [note for note in heal_["notes"] if "dodge the loop 0 " in note]
    assert re.search(r"index_of\(\[[\d, ]*\], -?\d+\) still does not return", refusal), \
        refusal
    assert "the loop the failing test hung in is dodged, not ended" in refusal
    (dodge,) = [entry for entry in heal_["leaderboard"]
                if entry["change"] == "dodge the loop 0"]
    assert not dodge["passed"]
    assert dodge["reason"].startswith("refused: passes every test, but index_of("), dodge
    result.stdout.fnmatch_lines(["*note: refused: dodge the loop 0 (in "
                                 "src/finder/search.py::index_of) passes every test, but *"])


SLOW_START = "import time\ntime.sleep(1.5)\n"


def example_copy(root: Path) -> Path:
    """A copy of the bundled example project (seven planted bugs) in a new repository."""
    shutil.copytree(example_project(), root,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".selfheal"))
    return make_git_project(root, {})


def test_a_slow_machine_heals_exactly_what_a_fast_one_heals(
        workdir: Path, pytester: pytest.Pytester, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch):
    # Every Python process started here sleeps 1.5 s first, as on a slow machine or a
    # container without bytecode caching: the fresh processes that verify each fix take
    # that much longer, and their time limits must come from measuring them.
    fast_root = example_copy(workdir / "fast")
    monkeypatch.chdir(fast_root)
    _, fast = heal(pytester, fast_root)

    slow_root = example_copy(workdir / "slow")
    slowdown = tmp_path / "slowdown"
    slowdown.mkdir()
    (slowdown / "sitecustomize.py").write_text(SLOW_START)
    monkeypatch.setenv("PYTHONPATH", str(slowdown))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.chdir(slow_root)
    _, slow = heal(pytester, slow_root)

    def healed(report: dict) -> dict[str, str]:
        return {h["function"]: h["change"] for h in report["heals"] if h["status"] == "healed"}

    assert len(healed(fast)) == 6
    assert healed(slow) == healed(fast)
