def largest_gap(values):
    """The largest difference between neighbours once ``values`` are sorted; 0 for fewer than two."""
    ordered = sorted(values)
    return max((b - a for a, b in zip(ordered, ordered)), default=0)
