from linked import from_list, index_of


def test_first_node():
    assert index_of(from_list([7, 8, 9]), 7) == 0


def test_last_node():
    assert index_of(from_list([7, 8, 9]), 9) == 2


def test_missing_value():
    assert index_of(from_list([7, 8, 9]), 5) == -1
