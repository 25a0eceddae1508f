def unique(items, key=None):
    """Items without repeats, in the order each was first seen."""
    seen = set()
    out = []
    for item in items:
        marker = item if key is None else key(item)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return sorted(out)
