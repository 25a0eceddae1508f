"""A test that passes or fails depending on which tests ran before it in the same
process must not stop the right fix: candidates run the tests in another order than
the session did."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import git, make_git_project

CART = '''\
ORDERS = []


def total(prices):
    ORDERS.append(list(prices))
    return sum(prices) + 1
'''

TESTS = '''\
import time

from shop.cart import ORDERS, total


def test_totals():
    assert total([1, 2]) == 3
    assert total([4]) == 4
    assert total([]) == 0


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
    root = make_git_project(workdir, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        "src/shop/__init__.py": "",
        "src/shop/cart.py": CART,
        "tests/test_cart.py": TESTS,
    })
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:randomly", "--selfheal",
                          "--selfheal-report", "report.json", timeout=600)
    result.assert_outcomes(failed=1, passed=2)
    (heal,) = json.loads((root / "report.json").read_text())["heals"]
    assert heal["status"] == "healed", heal["reason"]
    # `- 1` -> `- 0`, `+ 1` dropped, `* 1`: any fix that makes totals sums.
    fixed: dict = {}
    exec(git(root, "show", f"{heal['branch']}:src/shop/cart.py"), fixed)
    assert [fixed["total"]([7, 8]), fixed["total"]([])] == [15, 0]
    assert any("not required: tests/test_cart.py::test_no_big_order_yet" in note
               for note in heal["notes"]), heal["notes"]
