from collections import deque


class Node:
    def __init__(self, key, left=None, right=None):
        self.key = key
        self.left = left
        self.right = right


def level_order(root):
    """Keys of a binary tree level by level, as lists; [] for an empty tree."""
    if root is None:
        return []
    levels = []
    queue = deque([root])
    while True:
        level = []
        for _ in range(len(queue)):
            node = queue.popleft()
            level.append(node.key)
            if node.left is not None:
                queue.append(node.left)
            if node.right is not None:
                queue.append(node.right)
        levels.append(level)
    return levels
