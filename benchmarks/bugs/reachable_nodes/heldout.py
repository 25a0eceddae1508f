from graphreach import reachable


def check_branches_in_bfs_order():
    graph = {0: [1, 2], 1: [3], 2: [4], 3: [], 4: []}
    assert reachable(graph, 0) == [0, 1, 2, 3, 4]


def check_unreachable_left_out():
    assert reachable({"a": ["b"], "c": ["a"]}, "a") == ["a", "b"]


def check_self_loop():
    assert reachable({1: [1]}, 1) == [1]


def check_from_middle():
    assert reachable({1: [2], 2: [3], 3: []}, 2) == [2, 3]


def check_grid():
    graph = {(r, c): [(r + 1, c), (r, c + 1)] for r in range(2) for c in range(2)}
    assert len(reachable(graph, (0, 0))) == 8
