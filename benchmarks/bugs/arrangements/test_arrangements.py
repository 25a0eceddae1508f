from counting import arrangements, choices


def test_two_of_five():
    assert arrangements(5, 2) == 20


def test_all_of_four():
    assert arrangements(4, 4) == 24


def test_too_many():
    assert arrangements(3, 5) == 0


def test_choices():
    assert choices(5, 2) == 10
