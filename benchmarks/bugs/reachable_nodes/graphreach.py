from collections import deque


def reachable(graph, start):
    """Every node reachable from ``start`` in ``graph`` (node -> neighbours), in BFS order."""
    order = [start]
    seen = {start}
    queue = deque([start])
    while True:
        node = queue.popleft()
        for neighbour in graph.get(node, ()):
            if neighbour not in seen:
                seen.add(neighbour)
                order.append(neighbour)
                queue.append(neighbour)
    return order
