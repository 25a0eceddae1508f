from halve import halvings


def test_eight():
    assert halvings(8) == 3


def test_one():
    assert halvings(1) == 0


def test_zero():
    assert halvings(0) == 0


def test_odd():
    assert halvings(5) == 2
