def strictly_increasing(values):
    """Whether every value is larger than the one before it."""
    if not values:
        return True
    previous = values[0]
    for value in values:
        if value <= previous:
            return False
        previous = value
    return True
