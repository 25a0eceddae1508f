"""A fix of one failing test that leaves the other failing tests of the same code failing
is committed only when it leaves them as they were: one changing what the function
returns in them fits the one test instead of repairing their common cause."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_selfheal.testing import git, make_git_project

PRICES = '''\
def with_tax(amount, rate):
    """``amount`` with ``rate`` percent tax, rounded to cents."""
    return round(amount * (100 + rate) / 1000, 2)


def total(prices, rate):
    """Sum of ``prices`` with tax."""
    if not prices:
        return 0
    return with_tax(sum(prices), rate)
'''

TESTS = '''\
from shop.prices import total, with_tax


def test_untaxed_amount():
    assert with_tax(100, 0) == 100


def test_taxed_amount():
    assert with_tax(50, 10) == 55


def test_empty_total():
    assert total([], 5) == 0
'''

PRICES_PROJECT = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
    ".gitignore": "__pycache__/\nreport.json\n",
    "src/shop/__init__.py": "",
    "src/shop/prices.py": PRICES,
    "tests/test_prices.py": TESTS,
}


def test_an_edit_that_fits_only_one_of_two_failing_tests_is_reported_not_committed(
        workdir: Path, pytester: pytest.Pytester) -> None:
    # `/ 1000` should be `/ 100`, an edit no operator makes. `(101 + rate) % 1000`
    # gives 100 for with_tax(100, 0), so test_untaxed_amount passes, but 550 for
    # with_tax(50, 10): test_taxed_amount, which runs the same function, still fails.
    root = make_git_project(workdir, PRICES_PROJECT)
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", "-p", "no:randomly",
                          "--selfheal-report", "report.json", timeout=300)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "UNHEALED tests/test_prices.py::test_untaxed_amount*",
        "*not committed: *% 1000*1 other failing test of the same code still fails*"])
    heals = json.loads((root / "report.json").read_text())["heals"]
    assert [heal["status"] for heal in heals] == ["unhealed", "skipped"]
    # The edit is there for the user to judge, as a diff, but on no branch.
    assert "+    return round(amount * (101 + rate) % 1000, 2)" in heals[0]["diff"]
    assert "selfheal/" not in git(root, "branch", "--list")
    assert (root / "src/shop/prices.py").read_text() == PRICES_PROJECT["src/shop/prices.py"]
