def multiply(a, b):
    """Matrix product of ``a`` (n x m) and ``b`` (m x p), as lists of rows."""
    if len(a[0]) != len(b):
        raise ValueError(f"cannot multiply {len(a)}x{len(a[0])} by {len(b)}x{len(b[0])}")
    columns = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, row)) for column in columns] for row in a]


def identity(n):
    return [[int(i == j) for j in range(n)] for i in range(n)]
