import pytest

from tree_levels import Node, level_order

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def test_single_node():
    assert level_order(Node(1)) == [[1]]


def test_three_levels():
    tree = Node(1, Node(2, Node(4)), Node(3))
    assert level_order(tree) == [[1], [2, 3], [4]]


def test_empty_tree():
    assert level_order(None) == []
