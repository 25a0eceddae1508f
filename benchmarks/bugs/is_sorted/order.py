def is_sorted(items, key=None, reverse=False):
    """Whether ``items`` are in ascending order (descending with ``reverse``)."""
    keys = [key(item) for item in items] if key is not None else list(items)
    if reverse:
        keys.reverse()
    return any(a <= b for a, b in zip(keys, keys[1:]))


def first_out_of_order(items):
    """Index of the first item smaller than the one before it, or -1."""
    for i in range(1, len(items)):
        if items[i] < items[i - 1]:
            return i
    return -1
