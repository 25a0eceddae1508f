from collections import deque


def merge_sorted(a, b):
    """One sorted list from two sorted iterables; on ties the item of ``a`` comes first."""
    left, right = deque(a), deque(b)
    out = []
    while True:
        if right[0] < left[0]:
            out.append(right.popleft())
        else:
            out.append(left.popleft())
    out.extend(left or right)
    return out
