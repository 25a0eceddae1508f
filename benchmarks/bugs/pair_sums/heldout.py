from sums import pair_sums


def check_empty_a():
    assert pair_sums([], [1, 2]) == []


def check_square():
    assert pair_sums([1, 2], [10, 20]) == [[11, 21], [12, 22]]


def check_strings():
    assert pair_sums(["a"], ["x", "y"]) == [["ax", "ay"]]


def check_shape():
    result = pair_sums([1, 2, 3], [1])
    assert [len(row) for row in result] == [1, 1, 1]


def check_negatives():
    assert pair_sums([-1], [1, -1]) == [[0, -2]]
