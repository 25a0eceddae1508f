import pytest

from kadane import max_subarray


def test_classic_example():
    assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6


def test_all_positive():
    assert max_subarray([1, 2, 3]) == 6


def test_all_negative():
    assert max_subarray([-3, -1, -2]) == -1


def test_empty_is_an_error():
    with pytest.raises(ValueError):
        max_subarray([])
