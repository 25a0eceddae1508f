def rotation_index(nums):
    """Index of the smallest item of a sorted list rotated at an unknown pivot."""
    lo, hi = 0, len(nums) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if nums[mid] > nums[hi]:
            lo = mid + 1
        else:
            hi = mid
    return lo


def search_rotated(nums, target):
    """Index of ``target`` in a rotated sorted list of distinct numbers, or -1."""
    pivot = rotation_index(nums)
    if target > nums[-1]:
        lo, hi = 0, pivot - 1
    else:
        lo, hi = pivot, len(nums) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if nums[mid] == target:
            return mid
        if nums[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
