from graphreach import reachable


def test_chain():
    assert reachable({"a": ["b"], "b": ["c"]}, "a") == ["a", "b", "c"]


def test_alone():
    assert reachable({}, "x") == ["x"]


def test_cycle():
    assert reachable({1: [2], 2: [1, 3]}, 1) == [1, 2, 3]
