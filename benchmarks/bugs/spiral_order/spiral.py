def spiral(matrix):
    """Items of a rectangular matrix in clockwise spiral order from the top left corner."""
    if not matrix:
        return []
    rows, cols = len(matrix), len(matrix[0])
    top, left = 0, 0
    bottom = rows - 1
    right = cols
    out = []
    while top <= bottom and left <= right:
        for c in range(left, right + 1):
            out.append(matrix[top][c])
        for r in range(top + 1, bottom + 1):
            out.append(matrix[r][right])
        if top < bottom and left < right:
            for c in range(right - 1, left - 1, -1):
                out.append(matrix[bottom][c])
            for r in range(bottom - 1, top, -1):
                out.append(matrix[r][left])
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    return out
