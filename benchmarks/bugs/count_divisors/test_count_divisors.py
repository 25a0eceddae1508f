from divisor_count import count_divisors, is_prime


def test_twelve():
    assert count_divisors(12) == 6


def test_prime():
    assert count_divisors(7) == 2


def test_square():
    assert count_divisors(16) == 5


def test_is_prime():
    assert is_prime(13)
    assert not is_prime(15)
