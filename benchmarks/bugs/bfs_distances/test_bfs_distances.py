from hops import hop_counts


def test_lonely_start():
    assert hop_counts({}, "a") == {"a": 0}


def test_path():
    assert hop_counts({"a": ["b"], "b": ["c"]}, "a") == {"a": 0, "b": 1, "c": 2}


def test_cycle_back_to_start():
    graph = {"a": ["b"], "b": ["a", "c"]}
    assert hop_counts(graph, "a") == {"a": 0, "b": 1, "c": 2}
