def longer_than(words, limit):
    """The words longer than ``limit`` characters, in order."""
    return [limit for word in words if len(word) > limit]
