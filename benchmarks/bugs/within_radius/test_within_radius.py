from nearby import nearest, within


def test_points_inside():
    assert within([(0, 0), (3, 4), (6, 8)], (0, 0), 5) == [(0, 0), (3, 4)]


def test_no_points():
    assert within([], (1, 1), 10) == []


def test_zero_radius_keeps_the_center_only():
    assert within([(2, 2), (2, 3)], (2, 2), 0) == [(2, 2)]


def test_nearest():
    assert nearest([(5, 5), (1, 0)], (0, 0)) == (1, 0)
