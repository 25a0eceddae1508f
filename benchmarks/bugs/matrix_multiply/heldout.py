import random

from matmul import identity, multiply


def naive(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def check_random_shapes():
    rng = random.Random(10)
    for n, m, p in [(1, 1, 1), (2, 3, 4), (4, 2, 3), (3, 3, 3), (5, 1, 2)]:
        a = [[rng.randint(-5, 5) for _ in range(m)] for _ in range(n)]
        b = [[rng.randint(-5, 5) for _ in range(p)] for _ in range(m)]
        assert multiply(a, b) == naive(a, b)


def check_column_times_row():
    assert multiply([[1], [2]], [[3, 4]]) == [[3, 4], [6, 8]]


def check_identity_on_the_right():
    m = [[2, 0, 1], [1, 3, 5]]
    assert multiply(m, identity(3)) == m


def check_associative():
    a, b, c = [[1, 2], [0, 1]], [[3, 0], [1, 1]], [[2, 1], [1, 0]]
    assert multiply(multiply(a, b), c) == multiply(a, multiply(b, c))


def check_zero_matrix():
    assert multiply([[0, 0], [0, 0]], [[1, 2], [3, 4]]) == [[0, 0], [0, 0]]
