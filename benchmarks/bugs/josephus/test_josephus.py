import pytest

from circle import survivor


def test_seven_people_every_third():
    assert survivor(range(1, 8), 3) == 4


def test_alone():
    assert survivor(["ada"], 5) == "ada"


def test_every_first_leaves_the_last():
    assert survivor([1, 2, 3], 1) == 3


def test_empty_circle():
    with pytest.raises(ValueError):
        survivor([], 2)
