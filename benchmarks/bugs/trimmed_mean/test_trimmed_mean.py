from trimmed import trimmed_mean


def test_three():
    assert trimmed_mean([1, 2, 3]) == 2


def test_all_equal():
    assert trimmed_mean([5, 5, 5, 5]) == 5


def test_four():
    assert trimmed_mean([10, 0, 4, 6]) == 5
