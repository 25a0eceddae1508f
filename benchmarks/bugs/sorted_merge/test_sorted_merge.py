from merging import merge_sorted


def test_interleaved():
    assert merge_sorted([1, 4, 6], [2, 3, 7]) == [1, 2, 3, 4, 6, 7]


def test_one_side_empty():
    assert merge_sorted([], [1, 2]) == [1, 2]


def test_both_empty():
    assert merge_sorted([], []) == []


def test_strings():
    assert merge_sorted("ace", "bd") == ["a", "b", "c", "d", "e"]
