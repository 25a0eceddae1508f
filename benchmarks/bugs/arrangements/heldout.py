import math

from counting import arrangements, choices


def check_against_math_perm():
    for n in range(12):
        for k in range(n + 1):
            assert arrangements(n, k) == math.perm(n, k)


def check_against_math_comb():
    for n in range(12):
        for k in range(n + 1):
            assert choices(n, k) == math.comb(n, k)


def check_none_chosen():
    assert arrangements(6, 0) == 1


def check_one_chosen():
    assert arrangements(9, 1) == 9


def check_negative_k():
    assert arrangements(4, -1) == 0
