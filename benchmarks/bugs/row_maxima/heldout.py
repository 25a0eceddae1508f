from grid_stats import row_maxima


def check_negative():
    assert row_maxima([[-1, -5], [-7, -2]]) == [-1, -2]


def check_three_rows():
    assert row_maxima([[1, 2, 3], [3, 2, 1], [2, 3, 1]]) == [3, 3, 3]


def check_tuples():
    assert row_maxima([(4, 1), (0, 9)]) == [4, 9]


def check_floats():
    assert row_maxima([[0.5, 0.25]]) == [0.5]


def check_strings():
    assert row_maxima(["abc", "zy"]) == ["c", "z"]
