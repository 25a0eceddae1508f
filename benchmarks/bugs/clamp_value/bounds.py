def clamp(value, low, high):
    """``value`` limited to the range ``[low, high]``."""
    return min(low, max(value, high))
