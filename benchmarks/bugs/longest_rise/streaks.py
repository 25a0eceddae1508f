def longest_rise(values):
    """Length of the longest run of strictly increasing consecutive values."""
    if not values:
        return 0
    best = run = 1
    for prev, cur in zip(values, values[1:]):
        if cur > prev:
            run += 1
        else:
            best = max(best, run)
            run = 0
    return max(best, run)
