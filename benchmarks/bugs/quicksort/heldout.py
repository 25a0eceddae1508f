import random

from quick import partition, quicksort


def check_random_lists_match_sorted():
    rng = random.Random(3)
    for size in range(25):
        items = [rng.randint(0, 30) for _ in range(size)]
        assert quicksort(list(items)) == sorted(items)


def check_duplicates():
    assert quicksort([3, 1, 3, 1, 2]) == [1, 1, 2, 3, 3]


def check_partition_puts_pivot_in_place():
    items = [9, 1, 8, 2, 5]
    p = partition(items, 0, 4)
    assert items[p] == 5
    assert all(x < 5 for x in items[:p]) and all(x >= 5 for x in items[p + 1:])


def check_reversed():
    assert quicksort([6, 5, 4, 3, 2, 1]) == [1, 2, 3, 4, 5, 6]


def check_sub_range_only():
    items = [9, 3, 2, 1, 0]
    quicksort(items, 1, 3)
    assert items == [9, 1, 2, 3, 0]
