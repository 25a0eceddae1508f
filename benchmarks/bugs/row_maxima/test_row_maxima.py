from grid_stats import row_maxima


def test_two_rows():
    assert row_maxima([[1, 5], [7, 2]]) == [5, 7]


def test_no_rows():
    assert row_maxima([]) == []


def test_one_row():
    assert row_maxima([[3]]) == [3]
