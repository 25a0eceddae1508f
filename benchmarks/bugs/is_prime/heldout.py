from primes import is_prime


def naive(n):
    return n > 1 and all(n % d for d in range(2, n))


def check_matches_naive_up_to_500():
    for n in range(500):
        assert is_prime(n) == naive(n), n


def check_squares_of_primes():
    for p in (3, 5, 7, 11, 13):
        assert not is_prime(p * p)


def check_negative():
    assert not is_prime(-7)


def check_large_prime():
    assert is_prime(7919)


def check_large_square():
    assert not is_prime(7919 * 7919)
