def two_sum(nums, target):
    """Indices ``(i, j)``, ``i < j``, of two numbers adding up to ``target``, or None."""
    nums.sort()
    seen = {}
    for j, x in enumerate(nums):
        i = seen.get(target - x)
        if i is not None:
            return i, j
        seen[x] = j
    return None


def count_pairs(nums, target):
    """How many index pairs add up to ``target``."""
    return sum(
        1
        for i in range(len(nums))
        for j in range(i + 1, len(nums))
        if nums[i] + nums[j] == target
    )
