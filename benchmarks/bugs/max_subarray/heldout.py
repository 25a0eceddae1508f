from kadane import max_subarray


def check_single_negative():
    assert max_subarray([-7]) == -7


def check_all_negative_other_values():
    assert max_subarray([-5, -4, -9]) == -4


def check_single_positive():
    assert max_subarray([3]) == 3


def check_zeros():
    assert max_subarray([0, -1, 0]) == 0


def check_brute_force():
    nums = [3, -4, 5, -1, 2, -8, 6]
    best = max(sum(nums[i:j]) for i in range(len(nums)) for j in range(i + 1, len(nums) + 1))
    assert max_subarray(nums) == best
