def subsets(items):
    """Every subset of ``items`` as a list; the subsets without the first item come first."""
    if not items:
        return [[]]
    rest = subsets(items)
    return rest + [[items[0]] + subset for subset in rest]


def subsets_of_size(items, size):
    """The subsets of ``items`` with exactly ``size`` elements."""
    return [subset for subset in subsets(items) if len(subset) == size]
