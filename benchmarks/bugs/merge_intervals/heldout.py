from intervals import merge_intervals, total_covered


def check_touching_intervals_merge():
    assert merge_intervals([(1, 2), (2, 3)]) == [(1, 3)]


def check_contained_interval():
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]


def check_reverse_order_input():
    assert merge_intervals([(5, 6), (3, 4), (1, 2)]) == [(1, 2), (3, 4), (5, 6)]


def check_empty():
    assert merge_intervals([]) == []


def check_total_of_unsorted():
    assert total_covered([(10, 12), (0, 5), (4, 6)]) == 8
