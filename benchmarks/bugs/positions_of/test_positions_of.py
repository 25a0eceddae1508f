from finder import positions


def test_letters():
    assert positions(["a", "b", "a"], "a") == [0, 2]


def test_missing():
    assert positions([1, 2], 3) == []


def test_numbers():
    assert positions([5, 1, 5, 5], 5) == [0, 2, 3]
