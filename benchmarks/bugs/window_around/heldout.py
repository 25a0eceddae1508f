from windows import window


def check_at_end():
    assert window([0, 1, 2, 3], 3, 1) == [2, 3]


def check_everything():
    assert window([1, 2, 3], 1, 10) == [1, 2, 3]


def check_string():
    assert window("abcdefg", 3, 2) == "bcdef"


def check_single():
    assert window([9], 0, 1) == [9]


def check_wide_middle():
    assert window(list(range(20)), 10, 3) == list(range(7, 14))
