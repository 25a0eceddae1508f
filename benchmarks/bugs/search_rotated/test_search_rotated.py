from rotated import rotation_index, search_rotated


def test_rotation_index():
    assert rotation_index([4, 5, 6, 1, 2, 3]) == 3


def test_target_in_the_right_part():
    assert search_rotated([4, 5, 6, 1, 2, 3], 2) == 4


def test_target_in_the_left_part():
    assert search_rotated([4, 5, 6, 1, 2, 3], 5) == 1


def test_missing_target():
    assert search_rotated([4, 5, 6, 1, 2, 3], 7) == -1


def test_empty_list():
    assert search_rotated([], 1) == -1
