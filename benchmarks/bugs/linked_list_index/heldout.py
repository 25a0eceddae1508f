from linked import from_list, index_of


def check_empty_list():
    assert index_of(None, 1) == -1


def check_first_of_duplicates():
    assert index_of(from_list([1, 2, 1, 2]), 2) == 1


def check_long_list():
    head = from_list(list(range(100)))
    assert index_of(head, 63) == 63


def check_missing_in_single():
    assert index_of(from_list([4]), 3) == -1


def check_none_values():
    assert index_of(from_list([1, None, 3]), None) == 1
