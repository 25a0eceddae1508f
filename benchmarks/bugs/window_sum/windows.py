def max_window_sum(nums, k):
    """Largest sum of ``k`` consecutive numbers; None when there are fewer than ``k``."""
    best = None
    window = 0
    for i, x in enumerate(nums):
        window += x
        if i >= k:
            window -= nums[i - k]
        if i > k + 1:
            best = window if best is None else max(best, window)
    return best
