import math


def arrangements(n, k):
    """Ways to line up ``k`` of ``n`` distinct things (nPk); 0 when ``k`` is outside 0..n."""
    if k < 0 or k > n:
        return 0
    return math.prod(range(n - k, n))


def choices(n, k):
    """Ways to pick ``k`` of ``n`` distinct things, order ignored (nCk)."""
    if k < 0 or k > n:
        return 0
    return arrangements(n, k) // math.factorial(k)
