from search_back import last_index


def check_empty():
    assert last_index([], 1) == -1


def check_at_end():
    assert last_index([1, 2, 3], 3) == 2


def check_single():
    assert last_index([7], 7) == 0


def check_string():
    assert last_index("banana", "a") == 5


def check_first_only():
    assert last_index(["x", "y", "y"], "x") == 0
