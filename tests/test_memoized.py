"""A memoized function keeps what the buggy code computed: healing must not judge, nor
re-run, a fix against those cached results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import make_git_project

LINES = '''\
from functools import lru_cache


@lru_cache(maxsize=None)
def line_number(text, offset):
    """The line, counted from 1, that ``offset`` is on in ``text``."""
    return text.count("\\n", 0, offset) - 1
'''

TESTS = '''\
from text.lines import line_number


def test_first_line():
    assert line_number("a\\nb\\nc", 0) == 1


def test_third_line():
    assert line_number("a\\nb\\nc", 4) == 3
'''


def test_a_memoized_function_is_healed_although_its_cache_holds_the_bug_s_results(
        workdir: Path, pytester: pytest.Pytester) -> None:
    # The session ran the failing test, so the cache answers its call with the wrong
    # line: forked candidates and the session's re-run would see that answer, not
    # the fixed code's.
    root = make_git_project(workdir, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        "src/text/__init__.py": "",
        "src/text/lines.py": LINES,
        "tests/test_lines.py": TESTS,
    })
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-report", "report.json", timeout=600)
    # The second test runs on the reloaded fix.
    result.assert_outcomes(failed=1, passed=1)
    heals = json.loads((root / "report.json").read_text())["heals"]
    first = heals[0]
    assert first["status"] == "healed", first["reason"]
    assert first["change"] == "line 7: `text.count('\\n', 0, offset) - 1` -> " \
                              "`text.count('\\n', 0, offset) + 1`"
    assert first["rerun_outcome"] == "passed"
