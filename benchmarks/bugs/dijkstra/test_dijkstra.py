from paths import shortest_distances

GRAPH = {
    "a": [("b", 4), ("c", 1)],
    "c": [("b", 2), ("d", 7)],
    "b": [("d", 1)],
}


def test_source_is_at_distance_zero():
    assert shortest_distances({}, "a") == {"a": 0}


def test_cheaper_path_through_another_node():
    assert shortest_distances(GRAPH, "a")["b"] == 3


def test_all_distances():
    assert shortest_distances(GRAPH, "a") == {"a": 0, "b": 3, "c": 1, "d": 4}
