import pytest

from unweighted import shortest_path_length

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_start_is_the_goal():
    assert shortest_path_length({}, "a", "a") == 0


def test_two_hops():
    assert shortest_path_length({"a": ["b"], "b": ["c"]}, "a", "c") == 2


def test_shortcut_wins():
    graph = {"a": ["b", "d"], "b": ["c"], "c": ["d"]}
    assert shortest_path_length(graph, "a", "d") == 1


def test_unreachable_behind_a_cycle():
    graph = {"a": ["b"], "b": ["c"], "c": ["b"]}
    assert shortest_path_length(graph, "a", "z") is None
