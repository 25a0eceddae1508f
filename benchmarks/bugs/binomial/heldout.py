import math

from binom import binomial, pascal_row


def check_none_chosen():
    assert binomial(5, 0) == 1


def check_all_chosen():
    assert binomial(5, 5) == 1


def check_pascal_row():
    assert pascal_row(4) == [1, 4, 6, 4, 1]


def check_against_math_comb():
    for n in range(25):
        for k in range(n + 1):
            assert binomial(n, k) == math.comb(n, k)


def check_row_sums():
    assert [sum(pascal_row(n)) for n in range(6)] == [1, 2, 4, 8, 16, 32]
