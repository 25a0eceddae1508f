def pair_sums(a, b):
    """Every sum of one item of ``a`` and one of ``b``: one row per item of ``a``."""
    return [[x + y for y in a] for x in a]
