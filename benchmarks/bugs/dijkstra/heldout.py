from paths import shortest_distances


def check_unreachable_nodes_are_absent():
    graph = {"a": [("b", 1)], "x": [("y", 1)]}
    assert shortest_distances(graph, "a") == {"a": 0, "b": 1}


def check_integer_nodes():
    graph = {1: [(2, 7), (3, 9), (6, 14)], 2: [(3, 10), (4, 15)], 3: [(4, 11), (6, 2)],
             4: [(5, 6)], 6: [(5, 9)]}
    assert shortest_distances(graph, 1) == {1: 0, 2: 7, 3: 9, 4: 20, 5: 20, 6: 11}


def check_long_chain_versus_shortcut():
    graph = {"s": [("t", 10), ("m", 1)], "m": [("n", 1)], "n": [("t", 1)]}
    assert shortest_distances(graph, "s")["t"] == 3


def check_cycle():
    graph = {"a": [("b", 1)], "b": [("a", 1), ("c", 5)]}
    assert shortest_distances(graph, "a") == {"a": 0, "b": 1, "c": 6}


def check_zero_weight_edges():
    graph = {"a": [("b", 0)], "b": [("c", 0)]}
    assert shortest_distances(graph, "a") == {"a": 0, "b": 0, "c": 0}
