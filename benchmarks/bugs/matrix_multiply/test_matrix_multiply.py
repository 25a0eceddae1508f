import pytest

from matmul import identity, multiply


def test_identity_keeps_the_matrix():
    m = [[1, 2], [3, 4]]
    assert multiply(identity(2), m) == m


def test_two_by_two():
    assert multiply([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]


def test_row_times_column():
    assert multiply([[1, 2, 3]], [[4], [5], [6]]) == [[32]]


def test_mismatched_shapes():
    with pytest.raises(ValueError):
        multiply([[1, 2]], [[1, 2]])
