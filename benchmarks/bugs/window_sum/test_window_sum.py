from windows import max_window_sum


def test_pairs():
    assert max_window_sum([1, 2, 3, 4], 2) == 7


def test_window_of_one():
    assert max_window_sum([5], 1) == 5


def test_whole_list():
    assert max_window_sum([2, -1, 3], 3) == 4


def test_too_short():
    assert max_window_sum([1, 2], 3) is None
