def find_all(text, pattern):
    """Start index of every occurrence of ``pattern`` in ``text``, overlapping ones included."""
    if not pattern:
        raise ValueError("empty pattern")
    found = []
    start = text.find(pattern)
    while start != -1:
        found.append(start)
        start = text.find(pattern, start)
    return found
