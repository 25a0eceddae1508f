def digit_sum(n):
    """Sum of the decimal digits of ``n``."""
    return sum(int(d) for d in str(abs(n)))


def digital_root(n):
    """The digit left when the digits of a non-negative ``n`` are summed over and over."""
    while n > 0:
        n = digit_sum(n)
    return n
