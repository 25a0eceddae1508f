from coins import min_coins


def test_zero_amount():
    assert min_coins([1, 2, 5], 0) == 0


def test_one_coin_is_enough():
    assert min_coins([1, 2, 5], 5) == 1


def test_several_coins():
    assert min_coins([1, 2, 5], 11) == 3


def test_impossible():
    assert min_coins([2], 3) == -1
