import itertools

from lis import lis_length


def brute_force(nums):
    best = 0
    for r in range(len(nums) + 1):
        for combo in itertools.combinations(nums, r):
            if all(a < b for a, b in zip(combo, combo[1:])):
                best = max(best, r)
    return best


def check_matches_brute_force():
    for nums in ([3, 1, 2], [5, 1, 6, 2, 7, 3], [2, 2, 2], [0, 8, 4, 12, 2, 10, 6, 14]):
        assert lis_length(nums) == brute_force(nums)


def check_decreasing():
    assert lis_length([5, 4, 3]) == 1


def check_single():
    assert lis_length([42]) == 1


def check_duplicates_do_not_count():
    assert lis_length([1, 1, 2, 2]) == 2


def check_late_small_item():
    assert lis_length([4, 5, 6, 1, 7]) == 4
