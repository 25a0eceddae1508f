from geometry import closest, manhattan


def check_symmetric():
    for p, q in [((1, 9), (4, 2)), ((-3, 5), (2, -2)), ((0, 0), (0, -6))]:
        assert manhattan(p, q) == manhattan(q, p)


def check_negative_coordinates():
    assert manhattan((-1, -1), (1, 1)) == 4


def check_only_vertical():
    assert manhattan((2, 10), (2, 3)) == 7


def check_closest_below_origin():
    assert closest([(0, -1), (0, 3)]) == (0, -1)


def check_empty():
    assert closest([]) is None
