"""Healing a project whose state outlives a test.

A memoized function keeps what the buggy code computed, and a test can pass or fail
depending on which tests ran before it in the same process: neither may stop the right
fix, nor make healing judge a fix against the bug's leftovers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_selfheal.testing import git, make_git_project


def first_heal(pytester: pytest.Pytester, root: Path, files: dict[str, str],
               **outcomes: int) -> dict[str, Any]:
    """``pytest --selfheal`` on a new repository of ``files`` (sources under ``src``),
    whose tests must end as ``outcomes`` say, the first heal a success: that heal."""
    make_git_project(root, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n', **files})
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-report", "report.json", timeout=600)
    result.assert_outcomes(**outcomes)
    healed: dict[str, Any] = json.loads((root / "report.json").read_text())["heals"][0]
    assert healed["status"] == "healed", healed["reason"]
    return healed


LINES = '''\
from functools import lru_cache


@lru_cache(maxsize=None)
def line_number(text, offset):
    """The line, counted from 1, that ``offset`` is on in ``text``."""
    return text.count("\\n", 0, offset) - 1
'''

LINES_TESTS = '''\
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
    # The second test runs on the reloaded fix.
    healed = first_heal(pytester, workdir, {
        "src/text/__init__.py": "", "src/text/lines.py": LINES,
        "tests/test_lines.py": LINES_TESTS}, failed=1, passed=1)
    assert healed["change"] == ("line 7: `text.count('\\n', 0, offset) - 1` -> "
                                "`text.count('\\n', 0, offset) + 1`")
    assert healed["rerun_outcome"] == "passed"


CART = '''\
ORDERS = []


def total(prices):
    ORDERS.append(list(prices))
    return sum(prices) + 1
'''

# The failing test of both shop projects: only a fix that makes totals sums passes it.
TOTALS = """\
def test_totals():
    assert total([1, 2]) == 3
    assert total([4]) == 4
    assert total([]) == 0
    assert total([1]) == 1
    assert total([2, 3, 5]) == 10
    assert total([-1, 8]) == 7
"""

CART_TESTS = f'''\
import time

from shop.cart import ORDERS, total


{TOTALS}


def test_no_big_order_yet():
    # The slowest of these tests, so a candidate's child runs it after the next one,
    # which leaves a big order behind: then it fails whatever the code.
    time.sleep(0.3)
    assert total([0]) >= 0
    assert [100] not in ORDERS


def test_a_big_order_is_recorded():
    total([100])
    assert ORDERS[-1] == [100]
'''


def test_a_test_that_fails_in_the_candidates_order_on_the_unchanged_code_is_not_required(
        workdir: Path, pytester: pytest.Pytester) -> None:
    healed = first_heal(pytester, workdir, {
        "src/shop/__init__.py": "", "src/shop/cart.py": CART,
        "tests/test_cart.py": CART_TESTS}, failed=1, passed=2)
    # `+ 1` -> `+ 0`, `+ 1` dropped, `* 1`: any fix that makes totals sums.
    fixed: dict[str, Any] = {}
    exec(git(workdir, "show", f"{healed['branch']}:src/shop/cart.py"), fixed)
    assert [fixed["total"]([7, 8]), fixed["total"]([])] == [15, 0]
    assert any("not required: tests/test_cart.py::test_no_big_order_yet" in note
               for note in healed["notes"]), healed["notes"]


SEEN_TESTS = f'''\
import time

from shop.cart import ORDERS, total


def test_an_order_is_recorded():
    time.sleep(0.3)  # the slowest: a fresh process in the fix's order runs it last
    total([9])
    assert [9] in ORDERS


{TOTALS}


def test_the_first_order_is_still_recorded():
    total([])
    assert [9] in ORDERS
'''


def test_a_test_the_unchanged_code_fails_too_in_a_fresh_process_does_not_refuse_the_fix(
        workdir: Path, pytester: pytest.Pytester) -> None:
    # Forks of the session start with the order the session recorded before the
    # failure; the fresh process that verifies the fix runs the last test before the
    # one that records it, which fails whatever the code.
    healed = first_heal(pytester, workdir, {
        "src/shop/__init__.py": "", "src/shop/cart.py": CART,
        "tests/test_cart.py": SEEN_TESTS}, failed=1, passed=2)
    assert any("not required: tests/test_cart.py::test_the_first_order_is_still_recorded "
               "failed on the unchanged code too when run in a fresh process" in note
               for note in healed["notes"]), healed["notes"]
