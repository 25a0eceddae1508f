from geometry import closest, manhattan


def test_distance_to_itself():
    assert manhattan((3, 4), (3, 4)) == 0


def test_distance_up_and_right():
    assert manhattan((0, 0), (3, 4)) == 7


def test_distance_down_and_left():
    assert manhattan((3, 4), (0, 0)) == 7


def test_closest():
    assert closest([(5, 5), (1, 2), (3, 0)]) == (1, 2)
