from collections import deque


def hop_counts(graph, start):
    """Number of edges from ``start`` to every reachable node.

    ``graph`` maps a node to an iterable of its neighbours.
    """
    dist = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for neighbor in graph.get(node, ()):
            if neighbor not in dist:
                dist[neighbor] = dist.get(node, 0) + 1
                queue.append(neighbor)
    return dist
