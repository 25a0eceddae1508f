from collections import deque


class Grid:
    """A rectangle of cells; ``walls`` is a set of blocked ``(row, col)`` cells."""

    def __init__(self, rows, cols, walls=()):
        self.rows = rows
        self.cols = cols
        self.walls = set(walls)

    def inside(self, r, c):
        return 0 <= r < self.rows and 0 <= c < self.rows

    def neighbors(self, r, c):
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nr, nc = r + dr, c + dc
            if self.inside(nr, nc) and (nr, nc) not in self.walls:
                yield nr, nc


def steps(grid, start, goal):
    """Fewest moves from ``start`` to ``goal``, or None when it cannot be reached."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            return dist[cell]
        for nxt in grid.neighbors(*cell):
            if nxt not in dist:
                dist[nxt] = dist[cell] + 1
                queue.append(nxt)
    return None
