def count_inversions(items):
    """Pairs i < j with items[i] > items[j], by comparing every pair (for short lists)."""
    count = 0
    n = len(items)
    for i in range(n):
        for j in range(i + 2, n):
            if items[i] > items[j]:
                count += 1
    return count


def is_even_permutation(perm):
    """Whether ``perm`` is reached from sorted order by an even number of swaps."""
    return count_inversions(perm) % 2 == 0
