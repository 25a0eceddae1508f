"""End to end: fixes that only the search's order ranks are told apart by tests that
never ran on them.

When the failing test hangs, the tests that call the function on other inputs most
often hang on the unchanged code too: localization cannot measure them, so the fixes
are judged without them, and two that pass every other test can give different
results with nothing to rank one first. Those tests run on each such fix; one that
fails a test another passes is refused. Every run is a subprocess (pytester.run):
healing hot-reloads the project's modules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import git, make_git_project

# `i += 0` never moves on: any list of two values or more hangs.
GAPS = '''\
def largest_gap(values):
    """The largest difference between neighbours once values are sorted; 0 for fewer than two."""
    ordered = sorted(values)
    gap, i = 0, 1
    while i < len(ordered):
        gap = max(gap, ordered[i] - ordered[i - 1])
        i += 0
    return gap
'''
GAPS_TESTS = '''\
from gaps import largest_gap


def test_gaps():
    assert largest_gap([10, 1, 12]) == 9


def test_single_value():
    assert largest_gap([3]) == 0
'''
# Another module's test: it hangs on the unchanged code as the failing test does, so it
# is never measured; of the two fixes, only the right one passes it.
SCALE_TESTS = '''\
from gaps import largest_gap


def test_the_widest_step_of_a_scale():
    assert largest_gap([1, 2, 10]) == 8
'''

# An engine that proposes, as a model might, an edit that looks at the first pair only
# (it passes test_gaps, whose widest gap is the first) before the fix.
TWO_FIXES_ENGINE = '''\
import pytest

from pytest_selfheal.engines.base import Engine
from pytest_selfheal.models import Candidate

EDITS = [("i += len(ordered)", "look at the first pair only"), ("i += 1", "step on")]


class TwoFixes(Engine):
    name = "two-fixes"

    def propose(self, task, feedback):
        if feedback:
            return []
        function = task.suspects[0].function
        source = task.sources[function.path]
        return [Candidate(function, source.replace("i += 0", edit), "edit", description,
                          function.lineno + 5)
                for edit, description in EDITS]


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_make_engine(config, settings):
    return TwoFixes()
'''


def test_fixes_only_the_order_ranks_are_told_apart_by_a_test_that_hung_before(
        workdir: Path, pytester: pytest.Pytester) -> None:
    root = make_git_project(workdir, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
                          'timeout = 3\ntimeout_method = "signal"\n',
        ".gitignore": "__pycache__/\n*.json\n*.html\n",
        "conftest.py": TWO_FIXES_ENGINE,
        "src/gaps.py": GAPS,
        "tests/test_gaps.py": GAPS_TESTS,
        "tests/test_scale.py": SCALE_TESTS,
    })
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-timeout", "60", "--selfheal-report", "r.json",
                          timeout=600)
    heals = json.loads((root / "r.json").read_text())["heals"]
    healed = heals[0]

    # Both fixes pass every test measured, and give different results on lists the
    # tests never used; the scale test, run on each, refuses the first pair's.
    result.stdout.fnmatch_lines([
        "selfheal:   2 fixes of src/gaps.py::largest_gap only the search's order ranks: "
        "running the 1 tests that use its module and that localization and the search never "
        "ran, on 2 of them (up to 10.0s)",
        "selfheal:   refused: look at the first pair only (in src/gaps.py::largest_gap) does "
        "not pass tests/test_scale.py::test_the_widest_step_of_a_scale, a test the search "
        "never ran, which step on passes",
    ])
    assert (healed["status"], healed["change"]) == ("healed", "step on"), healed
    assert any("refused: look at the first pair only" in note for note in healed["notes"])
    (wrong,) = [entry for entry in healed["leaderboard"]
                if entry["change"] == "look at the first pair only"]
    assert not wrong["passed"]
    fixed = git(root, "show", f"{healed['branch']}:src/gaps.py")
    assert "i += 1\n" in fixed
    # The failing test's outcome stands; the scale test ran after the fix was reloaded.
    result.assert_outcomes(failed=1, passed=2)
