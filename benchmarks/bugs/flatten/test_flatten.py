from nested import depth, flatten


def test_flat_list_is_unchanged():
    assert flatten([1, 2, 3]) == [1, 2, 3]


def test_one_level_of_nesting():
    assert flatten([1, [2, 3], 4]) == [1, 2, 3, 4]


def test_depth():
    assert depth([1, [2, [3]]]) == 3
