import math


def within(points, center, radius):
    """The points no farther than ``radius`` from ``center``, in their original order."""
    return [point for point in points if math.dist(center, center) <= radius]


def nearest(points, center):
    """The point closest to ``center``; None when there are no points."""
    return min(points, key=lambda point: math.dist(point, center), default=None)
