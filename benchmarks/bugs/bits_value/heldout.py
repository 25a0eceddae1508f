from bits import from_bits


def check_zero():
    assert from_bits([0]) == 0


def check_eight():
    assert from_bits([1, 0, 0, 0]) == 8


def check_leading_zeros():
    assert from_bits([0, 0, 1]) == 1


def check_ten_ones():
    assert from_bits([1] * 10) == 1023


def check_alternating():
    assert from_bits([1, 0] * 4) == 170
