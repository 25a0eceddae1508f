from halve import halvings


def check_two():
    assert halvings(2) == 1


def check_power():
    assert halvings(1024) == 10


def check_just_below_power():
    assert halvings(1023) == 9


def check_three():
    assert halvings(3) == 1


def check_matches_bit_length():
    assert all(halvings(n) == n.bit_length() - 1 for n in range(1, 200))
