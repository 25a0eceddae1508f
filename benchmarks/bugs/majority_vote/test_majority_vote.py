from majority import majority


def test_no_items():
    assert majority([]) is None


def test_one_item():
    assert majority([3]) == 3


def test_clear_majority():
    assert majority([2, 2, 1, 1, 2]) == 2


def test_tie_has_no_majority():
    assert majority([1, 2]) is None
