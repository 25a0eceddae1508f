def lis_length(nums):
    """Length of the longest strictly increasing subsequence."""
    if not nums:
        return 0
    best = [1] * len(nums)
    for i in range(len(nums)):
        for j in range(i):
            if nums[j] < nums[i]:
                best[i] = best[j] + 1
    return max(best)
