from lis import lis_length


def test_empty():
    assert lis_length([]) == 0


def test_increasing():
    assert lis_length([1, 2, 3, 4]) == 4


def test_classic_example():
    assert lis_length([10, 9, 2, 5, 3, 7, 101, 18]) == 4


def test_longer_chain_then_small_item():
    assert lis_length([1, 2, 3, 0, 4]) == 4
