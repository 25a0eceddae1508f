import random

from topk import kth_largest


def check_random_against_sorting():
    rng = random.Random(8)
    for size in range(1, 25):
        nums = [rng.randint(0, 40) for _ in range(size)]
        for k in range(1, size + 1):
            assert kth_largest(nums, k) == sorted(nums, reverse=True)[k - 1]


def check_smallest_is_the_last_rank():
    assert kth_largest([8, 3, 6, 1, 9], 5) == 1


def check_duplicates_count_separately():
    assert kth_largest([5, 5, 4], 2) == 5


def check_negative_numbers():
    assert kth_largest([-1, -7, -3], 2) == -3


def check_input_is_not_changed():
    nums = [2, 9, 4]
    kth_largest(nums, 2)
    assert nums == [2, 9, 4]
