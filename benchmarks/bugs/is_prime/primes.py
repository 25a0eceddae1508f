def is_prime(n):
    """Whether ``n`` is a prime number."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for d in range(3, int(n ** 0.5), 2):
        if n % d == 0:
            return False
    return True


def primes_below(limit):
    """The primes smaller than ``limit``, in order."""
    return [n for n in range(limit) if is_prime(n)]
