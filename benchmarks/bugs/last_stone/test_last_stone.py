from stones import last_stone_weight


def test_example():
    assert last_stone_weight([2, 7, 4, 1, 8, 1]) == 1


def test_one_stone():
    assert last_stone_weight([3]) == 3


def test_equal_pair_leaves_nothing():
    assert last_stone_weight([5, 5]) == 0


def test_no_stones():
    assert last_stone_weight([]) == 0
