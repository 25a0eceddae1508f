from rising import strictly_increasing


def test_rising():
    assert strictly_increasing([1, 2, 3]) is True


def test_empty():
    assert strictly_increasing([]) is True


def test_falling():
    assert strictly_increasing([3, 2]) is False


def test_flat():
    assert strictly_increasing([1, 1]) is False
