from prefix import sum_first


def check_fewer():
    assert sum_first([1, 2, 3], 1) == 1


def check_two_of_four():
    assert sum_first([4, 4, 4, 4], 2) == 8


def check_exact():
    assert sum_first([1, 2, 3], 3) == 6


def check_zero():
    assert sum_first([9, 9], 0) == 0


def check_many_more():
    assert sum_first([2], 10) == 2
