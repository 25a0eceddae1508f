from sums import pair_sums


def test_two_by_three():
    assert pair_sums([0, 10], [1, 2, 3]) == [[1, 2, 3], [11, 12, 13]]


def test_empty_b():
    assert pair_sums([1], []) == [[]]


def test_one_by_one():
    assert pair_sums([1], [2]) == [[3]]
