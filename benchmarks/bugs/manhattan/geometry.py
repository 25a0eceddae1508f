def manhattan(p, q):
    """Manhattan (taxicab) distance between two points."""
    return abs(p[0] - q[0]) + (p[1] - q[1])


def closest(points, origin=(0, 0)):
    """The point nearest to ``origin`` (the first one on ties), or None."""
    best, best_distance = None, None
    for point in points:
        distance = manhattan(point, origin)
        if best_distance is None or distance < best_distance:
            best, best_distance = point, distance
    return best
