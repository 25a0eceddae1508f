import random

from mergesort import merge, merge_sort


def check_random_lists_match_sorted():
    rng = random.Random(11)
    for size in range(20):
        items = [rng.randint(-50, 50) for _ in range(size)]
        assert merge_sort(items) == sorted(items)


def check_merge_left_exhausted_first():
    assert merge([1], [2, 3, 4]) == [1, 2, 3, 4]


def check_merge_right_exhausted_first():
    assert merge([5, 6, 7], [1]) == [1, 5, 6, 7]


def check_merge_with_empty_right():
    assert merge([1, 2], []) == [1, 2]


def check_stable_on_keys():
    assert merge_sort([2, 1, 2, 1]) == [1, 1, 2, 2]
