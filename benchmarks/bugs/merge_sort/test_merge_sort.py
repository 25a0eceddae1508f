from mergesort import merge, merge_sort


def test_merge_interleaved():
    assert merge([1, 4], [2, 3]) == [1, 2, 3, 4]


def test_merge_with_empty_left():
    assert merge([], [1, 2]) == [1, 2]


def test_sort_small_list():
    assert merge_sort([3, 1, 2]) == [1, 2, 3]


def test_sort_single():
    assert merge_sort([5]) == [5]
