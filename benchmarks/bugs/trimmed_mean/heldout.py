from trimmed import trimmed_mean


def check_outlier_high():
    assert trimmed_mean([1, 2, 10]) == 2


def check_zeros_and_high():
    assert trimmed_mean([0, 0, 9]) == 0


def check_five():
    assert trimmed_mean([3, 1, 4, 1, 5]) == (1 + 3 + 4) / 3


def check_outlier_low():
    assert trimmed_mean([-100, 5, 6]) == 5


def check_unsorted():
    assert trimmed_mean([9, 1, 2, 3]) == 2.5
