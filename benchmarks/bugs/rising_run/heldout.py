from rising import strictly_increasing


def check_single():
    assert strictly_increasing([5]) is True


def check_long_rise():
    assert strictly_increasing([1, 3, 7, 20]) is True


def check_flat_at_end():
    assert strictly_increasing([1, 2, 2]) is False


def check_range():
    assert strictly_increasing(list(range(10))) is True


def check_negative():
    assert strictly_increasing([-3, -2, -1]) is True


def check_dip_in_middle():
    assert strictly_increasing([1, 5, 4, 6]) is False
