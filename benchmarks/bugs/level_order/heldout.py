import pytest

from tree_levels import Node, level_order

# The buggy loop never ends: pytest-timeout fails the test instead of hanging the run.
pytestmark = pytest.mark.timeout(2, method="signal")


def chain(depth):
    node = None
    for key in range(depth, 0, -1):
        node = Node(key, right=node)
    return node


def check_right_chain():
    assert level_order(chain(5)) == [[1], [2], [3], [4], [5]]


def check_full_tree():
    tree = Node(1, Node(2, Node(4), Node(5)), Node(3, Node(6), Node(7)))
    assert level_order(tree) == [[1], [2, 3], [4, 5, 6, 7]]


def check_level_sizes_of_a_complete_tree():
    nodes = [Node(i) for i in range(15)]
    for i in range(7):
        nodes[i].left, nodes[i].right = nodes[2 * i + 1], nodes[2 * i + 2]
    assert [len(level) for level in level_order(nodes[0])] == [1, 2, 4, 8]


def check_left_only():
    assert level_order(Node("a", Node("b", Node("c")))) == [["a"], ["b"], ["c"]]


def check_every_key_once():
    tree = Node(1, Node(2, None, Node(3)), Node(4, Node(5)))
    assert sorted(k for level in level_order(tree) for k in level) == [1, 2, 3, 4, 5]
