def trimmed_mean(values):
    """The mean without the smallest and the largest value (of at least three values)."""
    ordered = sorted(values)
    kept = ordered[1:]
    return sum(kept) / len(kept)
