from windows import window


def test_middle():
    assert window([0, 1, 2, 3, 4, 5], 3, 1) == [2, 3, 4]


def test_at_start():
    assert window([0, 1, 2, 3], 0, 2) == [0, 1, 2]


def test_radius_zero():
    assert window("abc", 1, 0) == "b"
