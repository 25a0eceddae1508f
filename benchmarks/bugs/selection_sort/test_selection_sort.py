from selection import selection_sort


def test_two_items():
    assert selection_sort([2, 1]) == [1, 2]


def test_three_items():
    assert selection_sort([3, 1, 2]) == [1, 2, 3]


def test_already_sorted():
    assert selection_sort([1, 2, 3, 4]) == [1, 2, 3, 4]


def test_empty():
    assert selection_sort([]) == []
