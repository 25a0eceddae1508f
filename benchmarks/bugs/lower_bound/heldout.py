import bisect
import random

import pytest

from bisection import count_in_range, lower_bound

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def check_random_against_bisect():
    rng = random.Random(15)
    for size in range(20):
        items = sorted(rng.randint(0, 15) for _ in range(size))
        for target in range(-1, 17):
            assert lower_bound(items, target) == bisect.bisect_left(items, target)


def check_after_every_item():
    assert lower_bound([1, 3, 5], 9) == 3


def check_first_of_duplicates():
    assert lower_bound([2, 4, 4, 4, 6], 4) == 1


def check_range_of_everything():
    assert count_in_range(list(range(10)), -5, 50) == 10


def check_empty_range():
    assert count_in_range([1, 5, 9], 6, 9) == 0
