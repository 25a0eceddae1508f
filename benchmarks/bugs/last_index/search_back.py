def last_index(items, target):
    """Index of the last occurrence of ``target`` in ``items``, or -1."""
    for index in range(len(items), 0, -1):
        if items[index] == target:
            return index
    return -1
