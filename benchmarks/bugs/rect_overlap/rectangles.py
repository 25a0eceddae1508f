def area(rect):
    """Area of ``(x1, y1, x2, y2)`` with x1 <= x2 and y1 <= y2."""
    x1, y1, x2, y2 = rect
    return (x2 - x1) * (y2 - y1)


def overlap_area(a, b):
    """Area shared by two axis-aligned rectangles given as ``(x1, y1, x2, y2)``."""
    ax1, ay1, ax2, ay2 = a
    bx1, by1, bx2, by2 = b
    width = min(ax2, bx2) - max(ax1, bx1)
    height = min(ay2, by2) - max(ay1, by2)
    return max(0, width) * max(0, height)


def union_area(a, b):
    """Area covered by at least one of the two rectangles."""
    return area(a) + area(b) - overlap_area(a, b)
