def dense_rank(values):
    """Rank of each value: 1 for the smallest, equal values share a rank, no gaps."""
    ranks = {value: rank for rank, value in enumerate(sorted(set(values)), start=1)}
    return [ranks[value] for value in ranks]
