def halvings(n):
    """How many times ``n`` (a non-negative integer) can be halved before it is at most 1."""
    if n == 0:
        return 0
    return 1 + halvings(n // 2)
