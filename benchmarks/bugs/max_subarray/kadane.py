def max_subarray(nums):
    """Largest sum of a non-empty contiguous slice of ``nums``."""
    if not nums:
        raise ValueError("max_subarray() of an empty list")
    best = 0
    current = 0
    for x in nums:
        current = max(x, current + x)
        best = max(best, current)
    return best
