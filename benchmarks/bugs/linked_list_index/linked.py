class Node:
    def __init__(self, value, next=None):
        self.value = value
        self.next = next


def from_list(values):
    head = None
    for value in reversed(values):
        head = Node(value, head)
    return head


def index_of(head, value):
    """Position of the first node holding ``value``, or -1."""
    index = 0
    node = head
    while node.value != value:
        node = node.next
        index += 1
    return index if node is not None else -1
