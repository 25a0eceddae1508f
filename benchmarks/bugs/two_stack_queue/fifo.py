class Queue:
    """First in, first out, with two stacks."""

    def __init__(self):
        self._inbox = []
        self._outbox = []

    def push(self, item):
        self._inbox.append(item)

    def pop(self):
        if self._outbox:
            while self._inbox:
                self._outbox.append(self._inbox.pop())
        if not self._outbox:
            raise IndexError("pop from an empty queue")
        return self._outbox.pop()

    def __len__(self):
        return len(self._inbox) + len(self._outbox)
