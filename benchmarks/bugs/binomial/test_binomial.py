from binom import binomial


def test_two_of_five():
    assert binomial(5, 2) == 10


def test_three_of_ten():
    assert binomial(10, 3) == 120


def test_half():
    assert binomial(6, 3) == 20


def test_one_of_four():
    assert binomial(4, 1) == 4


def test_more_than_there_are():
    assert binomial(3, 5) == 0
