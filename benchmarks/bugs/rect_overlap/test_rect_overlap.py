from rectangles import overlap_area, union_area


def test_corners_overlap():
    assert overlap_area((0, 0, 2, 2), (1, 1, 3, 3)) == 1


def test_apart():
    assert overlap_area((0, 0, 1, 1), (2, 2, 3, 3)) == 0


def test_one_inside_the_other():
    assert overlap_area((0, 0, 4, 4), (1, 1, 2, 2)) == 1


def test_same_rectangle():
    assert overlap_area((0, 0, 2, 2), (0, 0, 2, 2)) == 4


def test_union():
    assert union_area((0, 0, 2, 2), (1, 1, 3, 3)) == 7
