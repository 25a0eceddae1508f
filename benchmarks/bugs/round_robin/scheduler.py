from collections import deque


def round_robin(queues):
    """Items taken one at a time from each queue in turn, skipping queues that ran dry."""
    pending = deque(deque(queue) for queue in queues if queue)
    out = []
    while True:
        current = pending.popleft()
        out.append(current.popleft())
        if current:
            pending.append(current)
    return out
