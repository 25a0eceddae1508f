from kmerge import merge_k


def test_three_lists():
    assert merge_k([[1, 4], [2, 5], [3]]) == [1, 2, 3, 4, 5]


def test_no_lists():
    assert merge_k([]) == []


def test_empty_lists():
    assert merge_k([[], [1]]) == [1]
