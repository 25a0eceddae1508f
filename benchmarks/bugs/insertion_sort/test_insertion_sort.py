from insertion import insertion_sort


def test_sorted_input_stays_sorted():
    assert insertion_sort([1, 2, 3]) == [1, 2, 3]


def test_reversed_input():
    assert insertion_sort([3, 2, 1]) == [1, 2, 3]


def test_input_is_not_modified():
    items = [2, 1]
    insertion_sort(items)
    assert items == [2, 1]


def test_empty():
    assert insertion_sort([]) == []
