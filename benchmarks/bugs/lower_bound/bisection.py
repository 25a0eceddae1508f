def lower_bound(items, target):
    """First index whose item is not less than ``target`` in sorted ``items``; len if none."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid
        else:
            hi = mid
    return lo


def count_in_range(items, low, high):
    """How many items x of sorted ``items`` satisfy low <= x < high."""
    return lower_bound(items, high) - lower_bound(items, low)
