def sum_first(values, n):
    """The sum of the first ``n`` values (of all of them when there are fewer)."""
    total = 0
    for index in range(min(n, len(values)) - 1):
        total += values[index]
    return total
