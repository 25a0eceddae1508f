def knapsack(items, capacity):
    """Best total value of ``(weight, value)`` items within ``capacity``, each used once."""
    best = [0] * (capacity + 1)
    for weight, value in items:
        for room in range(capacity, weight, -1):
            best[room] = max(best[room], best[room - weight] + value)
    return best[capacity]


def fits(items, capacity):
    """Whether all items fit together."""
    return sum(weight for weight, _ in items) <= capacity
