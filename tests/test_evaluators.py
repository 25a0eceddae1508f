"""The fork path and the subprocess path judge candidates alike; forking is only used
where it is safe; a green suite costs nothing."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import make_git_project

STATS = '''\
def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return low
    return value
'''

TESTS = '''\
from stats.core import clamp, median


def test_clamp_above():
    assert clamp(15, 0, 10) == 10


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_below():
    assert clamp(-5, 0, 10) == 0


def test_median_odd():
    assert median([3, 1, 2]) == 2


def test_median_even():
    assert median([4, 1, 3, 2]) == 2.5
'''

RECORDER = '''\
import json
import os

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_selfheal_candidate_evaluated(verdict):
    with open(os.environ["VERDICTS"], "a") as out:
        out.write(json.dumps([verdict.candidate.description, verdict.passed,
                              verdict.tests_passed]) + "\\n")
'''

PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\n",
    "conftest.py": RECORDER,
    "src/stats/__init__.py": "",
    "src/stats/core.py": STATS,
    "tests/test_core.py": TESTS,
}


def heal(pytester: pytest.Pytester, root: Path, *args: str) -> tuple[dict, list]:
    verdicts = root.parent / f"verdicts-{len(list(root.parent.glob('verdicts-*')))}.jsonl"
    pytester._monkeypatch.setenv("VERDICTS", str(verdicts))
    # Each run starts from what no run has learned: the operator rates the offline
    # engine keeps would otherwise reorder the next run's candidates.
    shutil.rmtree(root / ".selfheal", ignore_errors=True)
    os.chdir(root)
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", "--selfheal-workers",
                          "1", "--selfheal-report", "report.json", *args, timeout=300)
    result.assert_outcomes(failed=1, passed=4)
    report = json.loads((root / "report.json").read_text())
    lines = verdicts.read_text().splitlines() if verdicts.exists() else []
    return report, [json.loads(line) for line in lines]


def test_fork_and_subprocess_paths_give_the_same_verdicts(pytester: pytest.Pytester,
                                                          tmp_path: Path):
    root = make_git_project(tmp_path / "project", PROJECT)
    forked, fork_verdicts = heal(pytester, root, "--selfheal-mode", "suggest")
    fresh, subprocess_verdicts = heal(pytester, root, "--selfheal-mode", "suggest",
                                      "--selfheal-evaluator", "subprocess")
    # Which candidates each path judges, and in what order, need not be the same: the
    # order follows localization, whose time box a fresh process per run can use up on a
    # busy machine where forks do not (the lines then go unmeasured and another line's
    # edits come first), and after the first candidate that passes, the search for other
    # passing ones is bounded in time, so the faster fork path may judge more. What the
    # path must not change is the verdict of a candidate: the same for every one both
    # judged.
    by_fork = {change: rest for change, *rest in fork_verdicts}
    by_subprocess = {change: rest for change, *rest in subprocess_verdicts}
    assert len(by_fork) == len(fork_verdicts)
    both = by_fork.keys() & by_subprocess.keys()
    assert len(both) >= 5
    assert {change: by_fork[change] for change in both} == {
        change: by_subprocess[change] for change in both}
    assert forked["heals"][0]["change"] == fresh["heals"][0]["change"] == (
        "line 13: `low` -> `high`")
    assert "threads are running" not in json.dumps(forked)


def test_threads_in_the_session_switch_to_fresh_processes(pytester: pytest.Pytester,
                                                          tmp_path: Path):
    threaded = PROJECT | {"conftest.py": RECORDER + '''

import threading

_stop = threading.Event()


@pytest.fixture(autouse=True, scope="session")
def background_worker():
    worker = threading.Thread(target=_stop.wait, name="cache-refresher")
    worker.start()
    yield
    _stop.set()
    worker.join()
'''}
    root = make_git_project(tmp_path / "project", threaded)
    report, _ = heal(pytester, root)
    assert report["heals"][0]["status"] == "healed"
    assert report["notes"] == [
        "threads are running in the test session (cache-refresher): forking is unsafe; "
        "candidates run in fresh pytest processes"
    ]


def test_a_green_suite_measures_nothing_and_copies_nothing(pytester: pytest.Pytester,
                                                            tmp_path: Path):
    green = PROJECT | {"src/stats/core.py": STATS.replace("return low\n    return value",
                                                           "return high\n    return value")}
    root = make_git_project(tmp_path / "project", green)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    pytester._monkeypatch.setenv("TMPDIR", str(scratch))
    os.chdir(root)
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", timeout=300)
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*selfheal: *measuring*")
    result.stdout.no_fnmatch_line("*= selfheal =*")
    assert list(scratch.glob("selfheal-*")) == []


def test_after_forking_candidates_the_session_still_starts_processes(
        pytester: pytest.Pytester, tmp_path: Path):
    # Each candidate is forked into a PID namespace of its own; the session must get
    # its own namespace back, or every later subprocess of a test would fail to start.
    spawning = PROJECT | {"tests/test_zz_spawn.py": '''\
import subprocess
import sys


def test_a_later_test_starts_a_process():
    done = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True,
                          text=True, check=True)
    assert done.stdout == "42\\n"
'''}
    root = make_git_project(tmp_path / "project", spawning)
    pytester._monkeypatch.setenv("VERDICTS", str(tmp_path / "verdicts.jsonl"))
    os.chdir(root)
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-mode", "suggest", "--selfheal-report", "report.json",
                          timeout=300)
    result.assert_outcomes(failed=1, passed=5)
    report = json.loads((root / "report.json").read_text())
    assert report["heals"][0]["status"] == "healed"
    assert report["heals"][0]["candidates_evaluated"] >= 2
