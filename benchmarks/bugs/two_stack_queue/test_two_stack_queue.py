import pytest

from fifo import Queue


def test_first_in_first_out():
    queue = Queue()
    queue.push(1)
    queue.push(2)
    assert queue.pop() == 1


def test_length():
    queue = Queue()
    queue.push("a")
    assert len(queue) == 1


def test_pop_from_empty_queue():
    with pytest.raises(IndexError):
        Queue().pop()
