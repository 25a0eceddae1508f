import pytest

from bisection import count_in_range, lower_bound

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_between_two_items():
    assert lower_bound([1, 3, 5], 4) == 2


def test_before_every_item():
    assert lower_bound([1, 3, 5], 0) == 0


def test_empty():
    assert lower_bound([], 7) == 0


def test_count_in_range():
    assert count_in_range([1, 2, 2, 3, 8], 2, 4) == 3
