import pytest

from stairs import count_ways


def test_zero_and_one_stair():
    assert count_ways(0) == 1
    assert count_ways(1) == 1


def test_two_stairs():
    assert count_ways(2) == 2


def test_five_stairs():
    assert count_ways(5) == 8


def test_negative_is_an_error():
    with pytest.raises(ValueError):
        count_ways(-1)
