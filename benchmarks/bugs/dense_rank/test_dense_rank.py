from ranks import dense_rank


def test_ties_share_a_rank():
    assert dense_rank([10, 20, 10]) == [1, 2, 1]


def test_unsorted():
    assert dense_rank([3, 1, 2]) == [3, 1, 2]


def test_all_equal():
    assert dense_rank([5, 5]) == [1, 1]


def test_empty():
    assert dense_rank([]) == []
