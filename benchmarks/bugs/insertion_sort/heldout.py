import random

from insertion import insertion_sort


def check_random_lists_match_sorted():
    rng = random.Random(4)
    for size in range(12):
        items = [rng.randint(-20, 20) for _ in range(size)]
        assert insertion_sort(items) == sorted(items)


def check_duplicates():
    assert insertion_sort([2, 1, 2, 1]) == [1, 1, 2, 2]


def check_smallest_last():
    assert insertion_sort([5, 6, 7, 0]) == [0, 5, 6, 7]


def check_strings():
    assert insertion_sort(["pear", "apple", "fig"]) == ["apple", "fig", "pear"]


def check_single():
    assert insertion_sort([9]) == [9]
