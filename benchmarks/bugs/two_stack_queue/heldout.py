import pytest

from fifo import Queue


def check_interleaved_pushes_and_pops():
    queue = Queue()
    out = []
    for i in range(5):
        queue.push(i)
        if i % 2:
            out.append(queue.pop())
    while len(queue):
        out.append(queue.pop())
    assert out == [0, 1, 2, 3, 4]


def check_empty_after_draining():
    queue = Queue()
    queue.push(1)
    queue.pop()
    with pytest.raises(IndexError):
        queue.pop()


def check_many_items():
    queue = Queue()
    for i in range(100):
        queue.push(i)
    assert [queue.pop() for _ in range(100)] == list(range(100))


def check_length_after_pop():
    queue = Queue()
    queue.push(1)
    queue.push(2)
    queue.pop()
    assert len(queue) == 1


def check_none_items():
    queue = Queue()
    queue.push(None)
    assert queue.pop() is None
