from order import is_sorted


def check_empty_and_single_are_sorted():
    assert is_sorted([])
    assert is_sorted([7])


def check_key_function():
    assert is_sorted(["a", "bb", "ccc"], key=len)
    assert not is_sorted(["ccc", "a"], key=len)


def check_unsorted_at_the_end():
    assert not is_sorted([1, 2, 3, 4, 0])


def check_reverse_unsorted():
    assert not is_sorted([1, 2, 3], reverse=True)


def check_equal_items():
    assert is_sorted([4, 4, 4])
