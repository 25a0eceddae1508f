import random

import pytest

from smoothing import moving_average


def naive(values, k):
    return [sum(values[i:i + k]) / k for i in range(len(values) - k + 1)]


def check_random_lists_match_the_naive_sums():
    rng = random.Random(11)
    for size in range(1, 20):
        values = [rng.randint(-50, 50) for _ in range(size)]
        for k in range(1, size + 1):
            assert moving_average(values, k) == pytest.approx(naive(values, k))


def check_window_of_one_keeps_the_values():
    assert moving_average([3, 1, 4, 1, 5], 1) == [3.0, 1.0, 4.0, 1.0, 5.0]


def check_length():
    assert len(moving_average(list(range(10)), 4)) == 7


def check_floats():
    assert moving_average([0.5, 1.5, 2.5, 3.5], 2) == pytest.approx([1.0, 2.0, 3.0])


def check_constant_series_stays_constant():
    assert moving_average([7] * 6, 3) == [7.0] * 4
