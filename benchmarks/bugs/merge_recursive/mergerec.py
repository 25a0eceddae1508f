def merge(a, b):
    """Merge two sorted lists into one sorted list, recursively."""
    if not a:
        return list(b)
    if not b:
        return list(a)
    if a[0] <= b[0]:
        return [a[0]] + merge(a[1:], b)
    return [b[0]] + merge(a, b)
