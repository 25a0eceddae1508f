def majority(items):
    """The value that fills more than half of ``items``, or None (divide and conquer)."""
    if len(items) == 0:
        return items[0] if items else None
    mid = len(items) // 2
    left, right = majority(items[:mid]), majority(items[mid:])
    if left == right:
        return left
    for candidate in (left, right):
        if candidate is not None and items.count(candidate) > len(items) // 2:
            return candidate
    return None
