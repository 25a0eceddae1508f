from smallest import smallest


def test_two_of_three():
    assert smallest([5, 1, 3], 2) == [1, 3]


def test_more_than_there_are():
    assert smallest([2, 1], 5) == [1, 2]


def test_empty():
    assert smallest([], 1) == []


def test_duplicates():
    assert smallest([4, 4, 1], 3) == [1, 4, 4]
