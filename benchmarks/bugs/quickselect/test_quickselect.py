import pytest

from order_stat import kth_smallest, median_low


def test_smallest():
    assert kth_smallest([7, 2, 9, 4], 0) == 2


def test_third_smallest():
    assert kth_smallest([7, 2, 9, 4], 2) == 7


def test_largest():
    assert kth_smallest([7, 2, 9, 4], 3) == 9


def test_median():
    assert median_low([5, 1, 3, 8, 6]) == 5


def test_out_of_range():
    with pytest.raises(IndexError):
        kth_smallest([1, 2], 2)
