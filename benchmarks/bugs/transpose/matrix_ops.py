def transpose(matrix):
    """Rows become columns: a rows x cols matrix becomes cols x rows."""
    if not matrix:
        return []
    rows, cols = len(matrix), len(matrix[0])
    return [[matrix[r][c] for r in range(rows)] for c in range(rows)]
