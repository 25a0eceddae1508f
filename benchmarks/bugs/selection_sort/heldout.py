import random

from selection import selection_sort


def check_random_lists_match_sorted():
    rng = random.Random(7)
    for size in range(15):
        items = [rng.randint(0, 9) for _ in range(size)]
        assert selection_sort(items) == sorted(items)


def check_reversed():
    assert selection_sort([5, 4, 3, 2, 1]) == [1, 2, 3, 4, 5]


def check_negative_and_positive():
    assert selection_sort([0, -3, 8, -1]) == [-3, -1, 0, 8]


def check_input_untouched():
    items = [3, 1, 2]
    selection_sort(items)
    assert items == [3, 1, 2]


def check_words():
    assert selection_sort(["b", "c", "a"]) == ["a", "b", "c"]
