import pytest

from unweighted import shortest_path_length

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def check_grid_graph():
    graph = {(r, c): [(r + 1, c), (r, c + 1)] for r in range(5) for c in range(5)}
    assert shortest_path_length(graph, (0, 0), (4, 4)) == 8


def check_unreachable_in_a_dense_graph():
    graph = {n: [m for m in range(8) if m != n] for n in range(8)}
    assert shortest_path_length(graph, 0, 99) is None


def check_edges_are_directed():
    assert shortest_path_length({"a": ["b"]}, "b", "a") is None


def check_self_loop():
    assert shortest_path_length({1: [1, 2]}, 1, 2) == 1


def check_long_cycle():
    graph = {n: [(n + 1) % 20] for n in range(20)}
    assert shortest_path_length(graph, 0, 19) == 19
