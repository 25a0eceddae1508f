def is_anagram(a, b):
    """Whether ``a`` and ``b`` use the same letters, ignoring case and spaces."""
    counts = {}
    for ch in a.lower():
        if ch != " ":
            counts[ch] = counts.get(ch, 0) + 1
    for ch in b.lower():
        if ch != " ":
            counts[ch] = counts.get(ch, 0) + 1
    return all(count == 0 for count in counts.values())
