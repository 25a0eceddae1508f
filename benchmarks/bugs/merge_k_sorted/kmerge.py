import heapq


def merge_k(lists):
    """Merge sorted lists into one sorted list."""
    heap = [(items[0], index, 0) for index, items in enumerate(lists) if items]
    heapq.heapify(heap)
    out = []
    while True:
        value, index, position = heapq.heappop(heap)
        out.append(value)
        if position + 1 < len(lists[index]):
            heapq.heappush(heap, (lists[index][position + 1], index, position + 1))
    return out
