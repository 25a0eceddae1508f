import random

from nearby import within


def check_random_points():
    rng = random.Random(7)
    points = [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(100)]
    inside = within(points, (1, 2), 4)
    assert inside == [p for p in points if (p[0] - 1) ** 2 + (p[1] - 2) ** 2 <= 16]


def check_far_center():
    assert within([(0, 0), (1, 1)], (100, 100), 5) == []


def check_three_dimensions():
    assert within([(1, 2, 2), (2, 2, 2)], (0, 0, 0), 3) == [(1, 2, 2)]


def check_boundary_is_inside():
    assert within([(0, 5)], (0, 0), 5) == [(0, 5)]


def check_order_is_kept():
    assert within([(2, 0), (1, 0), (0, 3)], (0, 0), 2.5) == [(2, 0), (1, 0)]
