def count_divisors(n):
    """How many positive integers divide ``n`` (n >= 1), trying divisors up to its root."""
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    count = 0
    d = 2
    while d * d <= n:
        if n % d == 0:
            count += 1 if d * d == n else 2
        d += 1
    return count


def is_prime(n):
    """Whether ``n`` has exactly two divisors."""
    return count_divisors(n) == 2
