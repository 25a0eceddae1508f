from gaps import largest_gap


def test_unsorted_values():
    assert largest_gap([1, 10, 5]) == 5


def test_two_values():
    assert largest_gap([7, 1]) == 6


def test_single_value():
    assert largest_gap([3]) == 0


def test_no_values():
    assert largest_gap([]) == 0
