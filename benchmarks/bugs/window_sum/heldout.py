import random

from windows import max_window_sum


def check_random_against_slices():
    rng = random.Random(5)
    for size in range(1, 25):
        nums = [rng.randint(-20, 20) for _ in range(size)]
        for k in range(1, size + 1):
            assert max_window_sum(nums, k) == max(sum(nums[i:i + k])
                                                  for i in range(size - k + 1))


def check_best_window_first():
    assert max_window_sum([9, 9, 1, 1, 1], 2) == 18


def check_all_negative():
    assert max_window_sum([-5, -2, -8], 1) == -2


def check_window_of_three_in_the_middle():
    assert max_window_sum([0, 5, 5, 5, 0, 1], 3) == 15


def check_empty():
    assert max_window_sum([], 1) is None
