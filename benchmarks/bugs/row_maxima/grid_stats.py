def row_maxima(grid):
    """The largest value of each row."""
    return [max(grid) for row in grid]
