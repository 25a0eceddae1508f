def positions(text):
    """Every character of ``text`` mapped to the indexes where it occurs, in order."""
    return {ch: [i for i, c in enumerate(text) if c == c] for ch in set(text)}
