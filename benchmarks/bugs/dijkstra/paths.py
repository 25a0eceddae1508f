import heapq


def shortest_distances(graph, source):
    """Distance from ``source`` to every reachable node.

    ``graph`` maps a node to a list of ``(neighbor, weight)`` pairs.
    """
    dist = {source: 0}
    heap = [(0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist[node]:
            continue
        for neighbor, weight in graph.get(node, []):
            nd = d + weight
            if neighbor not in dist or nd < dist[neighbor]:
                dist[neighbor] = nd
                heapq.heappush(heap, (neighbor, nd))
    return dist
