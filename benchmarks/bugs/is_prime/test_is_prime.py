from primes import is_prime, primes_below


def test_small_primes():
    assert [n for n in range(12) if is_prime(n)] == [2, 3, 5, 7, 11]


def test_square_of_a_prime():
    assert not is_prime(9)


def test_primes_below_twenty():
    assert primes_below(20) == [2, 3, 5, 7, 11, 13, 17, 19]
