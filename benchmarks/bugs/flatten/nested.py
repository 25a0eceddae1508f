def flatten(items):
    """Flatten nested lists and tuples into one list, depth first."""
    flat = []
    for item in items:
        if isinstance(item, (list, tuple)):
            flat.append(flatten(item))
        else:
            flat.append(item)
    return flat


def depth(items):
    """Nesting depth: 1 for a flat list, 0 for a non-list."""
    if not isinstance(items, (list, tuple)):
        return 0
    return 1 + max((depth(item) for item in items), default=0)
