from rotated import search_rotated


def check_not_rotated():
    assert search_rotated([1, 2, 3, 4], 3) == 2


def check_every_rotation_and_target():
    base = [2, 5, 8, 11, 14, 17]
    for shift in range(len(base)):
        nums = base[shift:] + base[:shift]
        for value in base:
            assert nums[search_rotated(nums, value)] == value


def check_single_item():
    assert search_rotated([5], 5) == 0
    assert search_rotated([5], 4) == -1


def check_empty_list_any_target():
    assert search_rotated([], -3) == -1


def check_missing_between_items():
    assert search_rotated([6, 8, 1, 3], 2) == -1
