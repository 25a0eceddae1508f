import pytest

from spread import mean, stdev, variance


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_variance_of_constant_data_is_zero():
    assert variance([5, 5, 5]) == 0


def test_variance():
    assert variance([1, 2, 3, 4]) == pytest.approx(1.25)


def test_stdev():
    assert stdev([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(2.0)
