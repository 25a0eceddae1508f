def selection_sort(items):
    """Return a new list with ``items`` in ascending order (selection sort)."""
    result = list(items)
    n = len(result)
    for i in range(n - 1):
        smallest = i
        for j in range(i + 1, n):
            if result[j] < result[i]:
                smallest = j
        result[i], result[smallest] = result[smallest], result[i]
    return result
