from intervals import merge_intervals, total_covered


def test_overlapping_pair():
    assert merge_intervals([(1, 3), (2, 6)]) == [(1, 6)]


def test_disjoint_intervals_stay_apart():
    assert merge_intervals([(1, 2), (4, 5)]) == [(1, 2), (4, 5)]


def test_unsorted_input():
    assert merge_intervals([(8, 10), (1, 3), (2, 4)]) == [(1, 4), (8, 10)]


def test_total_covered():
    assert total_covered([(1, 3), (2, 4)]) == 3
