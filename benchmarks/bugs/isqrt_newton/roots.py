def isqrt(n):
    """The largest integer whose square is at most ``n``, by Newton's method on integers."""
    if n < 0:
        raise ValueError(f"square root of a negative number: {n}")
    if n < 2:
        return n
    x = n
    while True:
        y = (x + n // x) // 2
        if y > x:
            return x
        x = y


def is_square(n):
    """Whether ``n`` is the square of an integer."""
    root = isqrt(n)
    return root * root == n
