def count_islands(grid):
    """Number of 4-connected groups of "1" cells in a grid of "0"/"1" strings."""
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    seen = set()

    def sink(r, c):
        stack = [(r, c)]
        while stack:
            r, c = stack.pop()
            if not (0 <= r < rows and 0 <= c < rows):
                continue
            if (r, c) in seen or grid[r][c] != "1":
                continue
            seen.add((r, c))
            stack.extend([(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)])

    count = 0
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] == "1" and (r, c) not in seen:
                sink(r, c)
                count += 1
    return count
