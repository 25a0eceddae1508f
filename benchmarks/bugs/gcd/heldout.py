import math

from divisors import gcd, lcm


def check_against_math_gcd():
    for a in range(-20, 21):
        for b in range(0, 21):
            assert gcd(a, b) == math.gcd(a, b)


def check_coprime():
    assert gcd(17, 31) == 1


def check_lcm_against_math():
    for a in range(1, 15):
        for b in range(1, 15):
            assert lcm(a, b) == math.lcm(a, b)


def check_zero_zero():
    assert gcd(0, 0) == 0


def check_negative_lcm():
    assert lcm(-4, 6) == 12
