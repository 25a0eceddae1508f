from spiral import spiral


def peel(matrix):
    out = []
    matrix = [list(row) for row in matrix]
    while matrix:
        out += matrix.pop(0)
        matrix = [list(row) for row in zip(*matrix)][::-1]
    return out


def check_wide():
    assert spiral([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]) == [
        1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7]


def check_tall():
    assert spiral([[1, 2], [3, 4], [5, 6]]) == [1, 2, 4, 6, 5, 3]


def check_single_row():
    assert spiral([[1, 2, 3, 4, 5]]) == [1, 2, 3, 4, 5]


def check_single_column():
    assert spiral([[1], [2], [3]]) == [1, 2, 3]


def check_every_shape_against_peeling():
    for rows in range(1, 7):
        for cols in range(1, 7):
            matrix = [[r * cols + c for c in range(cols)] for r in range(rows)]
            assert spiral(matrix) == peel(matrix)
