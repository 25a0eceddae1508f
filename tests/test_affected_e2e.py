"""End to end: a candidate runs only the tests that enter the function it edits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from checkouts import selfheal_branches
from shop_prices import PRICES

from pytest_selfheal.testing import git, make_git_project

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="candidates run in forks of the session on Linux")

TESTS = '''\
import dis
from pathlib import Path

from shop import prices
from shop.prices import discounted, total


def comparisons_and_numbers(code):
    return ([op.argrepr for op in dis.get_instructions(code) if op.opname == "COMPARE_OP"],
            [value for value in code.co_consts if isinstance(value, int | float)])


def test_total():
    assert total([1, 2]) == 3
    # Stands for anything in a test that never calls discounted: it sees discounted as
    # it was, whatever a candidate swapped into this process does. Here, the code of
    # the file on disk, which a fork of the session keeps as it was.
    source = Path(prices.__file__).read_text()
    (on_disk,) = [code for code in compile(source, prices.__file__, "exec").co_consts
                  if getattr(code, "co_name", "") == "discounted"]
    assert (comparisons_and_numbers(prices.discounted.__code__)
            == comparisons_and_numbers(on_disk))


def test_discount_from_100():
    assert discounted(total([60, 40])) == 90.0


def test_no_discount_under_100():
    assert discounted(50) == 50
'''


def test_a_candidate_is_not_judged_on_tests_that_never_enter_its_function(
        workdir: Path, pytester: pytest.Pytester) -> None:
    # Each candidate of discounted is swapped into a fork of the session: test_total
    # would fail there had it run, and every fix with it. It ran before the failing test
    # in the session, and it runs the fixed file in the fresh process that verifies.
    root = make_git_project(workdir, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        ".gitignore": "__pycache__/\n",
        "src/shop/__init__.py": "",
        "src/shop/prices.py": PRICES,
        "tests/test_shop.py": TESTS,
    })
    result = pytester.run(sys.executable, "-m", "pytest", "--selfheal", timeout=300)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_shop.py::test_discount_from_100 (*",
        "  fix: line 6: `price > 100` -> `price >= 100`*",
    ])
    # It was still verified on every test in a fresh process, test_total among them.
    (branch,) = selfheal_branches(root)
    assert "price >= 100" in git(root, "show", f"{branch}:src/shop/prices.py")
