from pairs import two_sum


def check_input_list_is_untouched():
    nums = [5, 1, 4]
    two_sum(nums, 5)
    assert nums == [5, 1, 4]


def check_duplicate_values():
    assert two_sum([3, 3], 6) == (0, 1)


def check_negative_numbers():
    assert two_sum([-3, 10, 8, -2], 6) == (2, 3)


def check_pair_at_the_end():
    assert two_sum([9, 8, 1, 2], 3) == (2, 3)


def check_empty():
    assert two_sum([], 0) is None
