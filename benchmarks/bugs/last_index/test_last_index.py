from search_back import last_index


def test_last_of_two():
    assert last_index([1, 2, 1, 3], 1) == 2


def test_missing():
    assert last_index([1, 2], 9) == -1


def test_only_at_start():
    assert last_index([5, 1], 5) == 0
