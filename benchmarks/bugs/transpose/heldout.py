import random

from matrix_ops import transpose


def check_twice_is_the_identity():
    rng = random.Random(3)
    for rows in range(1, 6):
        for cols in range(1, 6):
            matrix = [[rng.randint(0, 9) for _ in range(cols)] for _ in range(rows)]
            assert transpose(transpose(matrix)) == matrix


def check_shape():
    result = transpose([[0] * 4 for _ in range(7)])
    assert (len(result), len(result[0])) == (4, 7)


def check_single_column():
    assert transpose([[1], [2], [3]]) == [[1, 2, 3]]


def check_against_zip():
    matrix = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    assert transpose(matrix) == [list(col) for col in zip(*matrix)]


def check_strings():
    assert transpose([["a", "b"], ["c", "d"], ["e", "f"]]) == [["a", "c", "e"], ["b", "d", "f"]]
