def moving_average(values, k):
    """Average of every window of ``k`` consecutive values, in order.

    Keeps a running window sum instead of adding up each window again.
    """
    if k <= 0:
        raise ValueError(f"window size must be positive, got {k}")
    if len(values) < k:
        return []
    window = sum(values[:k])
    averages = [window / k]
    for i, x in enumerate(values, k):
        window += x - values[i - k]
        averages.append(window / k)
    return averages
