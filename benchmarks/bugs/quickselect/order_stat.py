def kth_smallest(nums, k):
    """The ``k``-th smallest value (k from 0) by quickselect; equal values count separately."""
    if not 0 <= k < len(nums):
        raise IndexError(f"k={k} is out of range for {len(nums)} values")
    pivot = nums[len(nums) // 2]
    lows = [x for x in nums if x < pivot]
    highs = [x for x in nums if x > pivot]
    same = len(nums) - len(lows) - len(highs)
    if k < len(lows):
        return kth_smallest(lows, k)
    if k < len(lows) + same:
        return pivot
    return kth_smallest(highs, k - len(lows))


def median_low(nums):
    """The lower median of ``nums``."""
    return kth_smallest(nums, (len(nums) - 1) // 2)
