import heapq


def kth_largest(nums, k):
    """The ``k``-th largest value of ``nums`` (k from 1), keeping a min-heap of the k largest."""
    if not 1 <= k <= len(nums):
        raise ValueError(f"k must be between 1 and {len(nums)}, got {k}")
    heap = list(nums[:k])
    heapq.heapify(heap)
    for x in nums:
        if x > heap[0]:
            heapq.heapreplace(heap, x)
    return heap[0]
