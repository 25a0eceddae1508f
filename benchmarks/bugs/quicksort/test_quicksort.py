from quick import quicksort


def test_two_items():
    assert quicksort([2, 1]) == [1, 2]


def test_three_items():
    assert quicksort([1, 3, 2]) == [1, 2, 3]


def test_sorts_in_place():
    items = [4, 2, 3, 1]
    quicksort(items)
    assert items == [1, 2, 3, 4]


def test_empty():
    assert quicksort([]) == []
