import pytest

from topk import kth_largest


def test_second_largest():
    assert kth_largest([3, 1, 2], 2) == 2


def test_largest():
    assert kth_largest([4, 9, 1, 7], 1) == 9


def test_single_value():
    assert kth_largest([5], 1) == 5


def test_k_too_large():
    with pytest.raises(ValueError):
        kth_largest([1, 2], 3)
