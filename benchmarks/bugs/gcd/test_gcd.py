from divisors import gcd, lcm


def test_gcd_of_multiples():
    assert gcd(12, 18) == 6


def test_gcd_with_zero():
    assert gcd(7, 0) == 7


def test_lcm():
    assert lcm(4, 6) == 12


def test_lcm_with_zero():
    assert lcm(0, 5) == 0
