def mean_after_warmup(samples, warmup):
    """The mean of the samples after the first ``warmup`` ones; ``None`` if none are left."""
    total = 0.0
    count = 0
    for sample in samples:
        total += sample
        count += 1
    return total / count if count else None
