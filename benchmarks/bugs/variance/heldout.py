import statistics

import pytest

from spread import stdev, variance


def check_against_statistics_module():
    data = [3.5, 1.25, 9.0, 4.75, 2.0]
    assert variance(data) == pytest.approx(statistics.pvariance(data))


def check_two_values():
    assert variance([0, 10]) == pytest.approx(25)


def check_negative_values():
    assert variance([-1, 1]) == pytest.approx(1)


def check_stdev_against_statistics():
    data = [1, 7, 3, 9, 12]
    assert stdev(data) == pytest.approx(statistics.pstdev(data))


def check_single_value():
    assert variance([4]) == 0
