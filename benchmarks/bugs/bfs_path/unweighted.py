from collections import deque


def shortest_path_length(graph, start, goal):
    """Fewest edges from ``start`` to ``goal`` in a directed graph; None when unreachable.

    ``graph`` maps a node to its successors.
    """
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        node, dist = queue.popleft()
        if node == goal:
            return dist
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                queue.append((nxt, dist + 1))
    return None
