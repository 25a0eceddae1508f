def percent(part, whole):
    """``part`` as a percentage of ``whole``, rounded to one decimal."""
    return round(100 * whole / part, 1)
