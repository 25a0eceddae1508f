from nested import flatten


def check_deep_nesting():
    assert flatten([[[[1]]], 2]) == [1, 2]


def check_tuples():
    assert flatten([(1, 2), [3, (4,)]]) == [1, 2, 3, 4]


def check_empty_lists_vanish():
    assert flatten([[], [[]], 5]) == [5]


def check_strings_are_atoms():
    assert flatten(["ab", ["cd"]]) == ["ab", "cd"]


def check_order_is_depth_first():
    assert flatten([1, [2, [3, 4], 5], 6]) == [1, 2, 3, 4, 5, 6]
