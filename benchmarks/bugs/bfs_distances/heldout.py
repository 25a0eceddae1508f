from hops import hop_counts


def check_self_loop():
    assert hop_counts({"a": ["a"]}, "a") == {"a": 0}


def check_diamond():
    graph = {1: [2, 3], 2: [4], 3: [4], 4: [1]}
    assert hop_counts(graph, 1) == {1: 0, 2: 1, 3: 1, 4: 2}


def check_unreachable_left_out():
    assert hop_counts({"a": [], "b": ["a"]}, "a") == {"a": 0}


def check_undirected_line():
    graph = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2]}
    assert hop_counts(graph, 0) == {0: 0, 1: 1, 2: 2, 3: 3}


def check_start_in_the_middle():
    graph = {0: [1], 1: [0, 2], 2: [1]}
    assert hop_counts(graph, 1) == {1: 0, 0: 1, 2: 1}
