from order import first_out_of_order, is_sorted


def test_sorted_list():
    assert is_sorted([1, 2, 2, 5])


def test_unsorted_list():
    assert not is_sorted([1, 3, 2])


def test_reverse_order():
    assert is_sorted([3, 2, 1], reverse=True)


def test_first_out_of_order():
    assert first_out_of_order([1, 4, 2, 3]) == 2
