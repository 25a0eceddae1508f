from finder import positions


def check_empty():
    assert positions([], 0) == []


def check_string():
    assert positions("banana", "n") == [2, 4]


def check_zero_value():
    assert positions([0, 1, 0], 0) == [0, 2]


def check_none():
    assert positions([None, 1, None], None) == [0, 2]


def check_value_equal_to_index():
    assert positions([3, 3, 3, 3], 3) == [0, 1, 2, 3]
