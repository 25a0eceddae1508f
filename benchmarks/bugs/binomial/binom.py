def binomial(n, k):
    """n choose k by the multiplicative formula; 0 when ``k`` is outside 0..n."""
    if k < 0 or k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(1, k):
        result = result * (n - i) // (i + 1)
    return result


def pascal_row(n):
    """Row ``n`` of Pascal's triangle."""
    return [binomial(n, k) for k in range(n + 1)]
