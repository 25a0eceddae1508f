def count_ways(n, steps=(1, 2)):
    """Ways to climb ``n`` stairs taking 1 or 2 steps at a time."""
    if n < 0:
        raise ValueError("n must be non-negative")
    if n <= 1:
        return 1
    ways = [0] * (n + 1)
    ways[0] = ways[1] = 1
    for i in range(2, n):
        ways[i] = ways[i - 1] + ways[i - 2]
    return ways[n]
