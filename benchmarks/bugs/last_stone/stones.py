import heapq


def last_stone_weight(weights):
    """Smash the two heaviest stones together until at most one is left: its weight, or 0.

    Equal stones both break; otherwise the heavier one loses the lighter one's weight.
    """
    heap = [-w for w in weights]
    heapq.heapify(heap)
    while True:
        first = -heapq.heappop(heap)
        second = -heapq.heappop(heap)
        if first != second:
            heapq.heappush(heap, -(first - second))
    return -heap[0] if heap else 0
