import random

from rectangles import overlap_area, union_area


def cells(rect):
    x1, y1, x2, y2 = rect
    return {(x, y) for x in range(x1, x2) for y in range(y1, y2)}


def check_wide_and_tall():
    assert overlap_area((0, 0, 4, 2), (1, 0, 3, 5)) == 4


def check_random_against_cells():
    rng = random.Random(19)
    for _ in range(200):
        a = sorted(rng.sample(range(10), 2)), sorted(rng.sample(range(10), 2))
        b = sorted(rng.sample(range(10), 2)), sorted(rng.sample(range(10), 2))
        ra = (a[0][0], a[1][0], a[0][1], a[1][1])
        rb = (b[0][0], b[1][0], b[0][1], b[1][1])
        assert overlap_area(ra, rb) == len(cells(ra) & cells(rb))


def check_apart_vertically_only():
    assert overlap_area((0, 0, 5, 1), (0, 3, 5, 4)) == 0


def check_touching_edges():
    assert overlap_area((0, 0, 2, 2), (2, 0, 4, 2)) == 0


def check_union_of_a_cross():
    assert union_area((0, 1, 3, 2), (1, 0, 2, 3)) == 5
