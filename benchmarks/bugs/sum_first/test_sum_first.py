from prefix import sum_first


def test_more_than_there_are():
    assert sum_first([1, 2, 3], 4) == 6


def test_one_more():
    assert sum_first([5, 5], 3) == 10


def test_empty():
    assert sum_first([], 1) == 0
