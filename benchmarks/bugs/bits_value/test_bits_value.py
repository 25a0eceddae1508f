from bits import from_bits


def test_five():
    assert from_bits([1, 0, 1]) == 5


def test_empty():
    assert from_bits([]) == 0


def test_one():
    assert from_bits([1]) == 1


def test_fifteen():
    assert from_bits([1, 1, 1, 1]) == 15
