def lcs_length(a, b):
    """Length of the longest common subsequence of two sequences."""
    m, n = len(a), len(b)
    dp = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            if a[i - 1] == b[j - 1]:
                dp[i][j] = dp[i - 1][j - 1] + 1
            else:
                dp[i][j] = min(dp[i - 1][j], dp[i][j - 1])
    return dp[m][n]


def similarity(a, b):
    """Share of the longer sequence kept in common, between 0 and 1."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else lcs_length(a, b) / longest
