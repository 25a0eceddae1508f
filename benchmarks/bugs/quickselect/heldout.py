import random

from order_stat import kth_smallest, median_low


def check_random_with_duplicates():
    rng = random.Random(17)
    for size in range(1, 25):
        nums = [rng.randint(0, 5) for _ in range(size)]
        for k in range(size):
            assert kth_smallest(nums, k) == sorted(nums)[k]


def check_duplicates_of_the_pivot():
    assert kth_smallest([1, 2, 2, 2, 5], 4) == 5


def check_largest_after_repeats():
    assert kth_smallest([3, 3, 3, 1, 2, 9], 5) == 9


def check_median_with_ties():
    assert median_low([4, 4, 1, 4, 7, 8, 8]) == 4


def check_all_equal():
    assert kth_smallest([6, 6, 6], 2) == 6
