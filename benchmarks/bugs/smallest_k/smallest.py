import heapq


def smallest(items, k):
    """The ``k`` smallest items in ascending order (all of them when there are fewer)."""
    heap = list(items)
    heapq.heapify(heap)
    out = []
    while True:
        if len(out) == k:
            break
        out.append(heapq.heappop(heap))
    return out
