def window(items, center, radius):
    """The items at most ``radius`` positions from index ``center``."""
    return items[max(0, center + radius):min(len(items), center - radius + 1)]
