from share import percent


def check_quarter():
    assert percent(25, 100) == 25.0


def check_zero():
    assert percent(0, 7) == 0.0


def check_more_than_whole():
    assert percent(3, 2) == 150.0


def check_two_thirds():
    assert percent(2, 3) == 66.7


def check_tiny():
    assert percent(1, 1000) == 0.1
