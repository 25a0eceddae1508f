from mergerec import merge


def test_interleaved():
    assert merge([1, 3], [2, 4]) == [1, 2, 3, 4]


def test_left_empty():
    assert merge([], [1]) == [1]


def test_right_first():
    assert merge([5], [1, 2]) == [1, 2, 5]


def test_right_empty():
    assert merge([1, 2], []) == [1, 2]
