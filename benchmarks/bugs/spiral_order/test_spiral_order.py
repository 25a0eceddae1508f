from spiral import spiral


def test_one_by_one():
    assert spiral([[7]]) == [7]


def test_two_by_two():
    assert spiral([[1, 2], [3, 4]]) == [1, 2, 4, 3]


def test_three_by_three():
    assert spiral([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [1, 2, 3, 6, 9, 8, 7, 4, 5]


def test_empty():
    assert spiral([]) == []
