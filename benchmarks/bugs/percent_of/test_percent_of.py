from share import percent


def test_half():
    assert percent(1, 2) == 50.0


def test_third():
    assert percent(1, 3) == 33.3


def test_all():
    assert percent(4, 4) == 100.0
